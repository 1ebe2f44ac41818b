"""Demo data of the appointments domain for `tongban seed demo` (idempotent): halls of 广安 with coordinates,
hours including a Saturday session and extended hours, window groups handling demo items, and their windows. Ticket
machines are not seeded: the demo's window staff enroll one with a 登记码, as staff do in a real hall."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.appointments import halls, remote, slots
from tongban.appointments.schemas import GroupIn, HallIn, SessionIn, WindowIn
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock

WORKDAY = [("workday", 540, 720, False, ""), ("workday", 810, 1050, False, "")]
EXTENDED = [("workday", 1050, 1110, True, "延时服务")]
SATURDAY = [("saturday", 540, 720, True, "周末不打烊")]

# code, name, kind, level, region, agency code, address, lat, lng, phone, email, fax, directions, sessions, groups
# groups: (name, prefix, avg minutes, booking required, [item codes], [(window number, agency code, helps prefixes)])
HALLS = [
    ("GAQ-ZWFW", "广安区政务服务中心", "hall", "county", "511602", "11511602697417411B", "广安市广安区渠江北路2号",
     30.4739, 106.6360, "0826-2223456", "gaqzwfw@guangan.example.gov.cn", "0826-2223457",
     "乘坐1路、6路、12路公交车到“区政务中心”站下车，步行约100米；中心东侧有免费停车场。",
     WORKDAY + EXTENDED + SATURDAY,
     [("市场准入窗口", "A", 15, False,
       ["SC-O-0302-511602-GAQ-GOV", "SC-O-0303-511602-GAQ-GOV", "SC-O-0304-511602-GAQ-GOV", "SC-O-0106-511602-GAQ-GOV",
        "SC-O-0101-511602-GAQ-GOV", "SC-O-0201-511602-GAQ-GOV"],
       [(1, "11511602697417411B", []), (2, "11511602697417411B", []), (3, "11511602697417411B", ["B"])]),
      ("社保就业窗口", "B", 10, False,
       ["SC-P-0601-511602-GAQ-HRSS", "SC-P-0602-511602-GAQ-HRSS", "SC-P-0701-511602-GAQ-HRSS", "SC-P-1001-511602-GAQ-HRSS"],
       [(4, "11511602829200012W", []), (5, "11511602829200012W", [])]),
      ("婚姻登记窗口", "C", 20, True,
       ["SC-P-0402-511602-GAQ-CA", "SC-P-0404-511602-GAQ-CA", "SC-P-0405-511602-GAQ-CA"],
       [(6, "115116020180711063", [])])]),
    ("GA-ZWFW", "广安市政务服务中心", "hall", "city", "511600", "11511600082550128X", "广安市广安区金安大道二段2号",
     30.4561, 106.6113, "0826-12345", "gazwfw@guangan.example.gov.cn", "0826-2600000",
     "乘坐3路、15路公交车到“市政务中心”站下车即到。", WORKDAY + SATURDAY,
     [("税务窗口", "S", 15, False, ["SC-O-0602-511600-GA-TAX", "SC-O-0603-511600-GA-TAX", "SC-O-0605-511600-GA-TAX"],
       [(1, "1151160075923171XL", []), (2, "1151160075923171XL", [])]),
      ("公积金窗口", "G", 12, False, ["SC-P-0901-511600-GA-HPF", "SC-P-0903-511600-GA-HPF", "SC-P-0904-511600-GA-HPF"],
       [(3, "115116009005192380", ["S"])])]),
    ("GAQ-BC-BMFW", "广安区北辰街道便民服务中心", "service_center", "township", "511602002", "11511602697417411B",
     "广安市广安区北辰街道建设路18号", 30.4862, 106.6458, "0826-2231100", "", "",
     "乘坐2路公交车到“北辰街道”站下车，步行约200米。", WORKDAY,
     [("综合便民窗口", "M", 15, False, ["SC-P-0801-511602-GAQ-MEDINS", "SC-P-1004-511602-GAQ-CA", "SC-P-0203-511602-GAQ-PSB"],
       [(1, None, [])])]),
    ("GAQ-NH-BMFW", "广安区浓洄街道便民服务中心", "service_center", "township", "511602001", "11511602697417411B",
     "广安市广安区浓洄街道滨河路66号", 30.4588, 106.6281, "0826-2232200", "", "",
     "乘坐5路公交车到“浓洄街道办”站下车即到。", WORKDAY,
     [("综合便民窗口", "M", 15, False, ["SC-P-0801-511602-GAQ-MEDINS", "SC-P-1004-511602-GAQ-CA"],
       [(1, None, [])])]),
    ("GAQ-24H", "广安区政务服务中心24小时自助服务区", "terminal", "county", "511602", "11511602697417411B",
     "广安市广安区渠江北路2号（中心东门）", 30.4742, 106.6366, "0826-2223456", "", "",
     "位于区政务服务中心东门，全天开放，可自助打印证明、查询办件、领取证照。", [], []),
]


def _agency_id(db_session: Session, code: str | None) -> int | None:
    agency = catalog_reads.agency_by_code(db_session=db_session, code=code) if code else None
    return agency.id if agency is not None else None


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Load the demo rows once; return one Chinese line for the console ('' when nothing was added)."""
    if not catalog_reads.has_items(db_session=db_session):
        return ""  # no catalog yet: the halls would handle nothing
    added = 0
    for (code, name, kind, level, region, agency, address, lat, lng, phone, email, fax, directions, sessions, groups) in HALLS:
        if halls.by_code(db_session=db_session, code=code) is not None:
            continue
        hall = halls.save_hall(db_session=db_session, clock=clock, actor=None, hall_in=HallIn(
            code=code, name=name, kind=kind, level=level, region_code=region, agency_id=_agency_id(db_session, agency),
            address=address, latitude=lat, longitude=lng, phone=phone, email=email, fax=fax, directions=directions,
            hours_note="周六上午“周末不打烊”，工作日 17:30–18:30 延时服务" if any(s[0] == "saturday" for s in sessions) else "",
            bookable=kind != "terminal"))
        halls.set_sessions(db_session=db_session, clock=clock, actor=None, hall=hall, sessions=[
            SessionIn(days=d, start_minute=a, end_minute=b, extended=e, label=label) for d, a, b, e, label in sessions])
        made = {}
        for sort, (group_name, prefix, minutes, required, item_codes, _) in enumerate(groups):
            ids = catalog_reads.item_ids_by_code(db_session=db_session, implementation_codes=item_codes)
            made[prefix] = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall, group_in=GroupIn(
                name=group_name, ticket_prefix=prefix, avg_minutes=minutes, booking_share=50, booking_required=required,
                item_ids=ids, sort=sort))
        for _, prefix, _, _, _, windows in groups:
            for number, window_agency, helps in windows:
                halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall, window_in=WindowIn(
                    number=number, group_id=made[prefix].id, agency_id=_agency_id(db_session, window_agency),
                    helps=[made[p].id for p in helps]))
        slots.open_slots(db_session=db_session, clock=clock, hall=hall)
        added += 1
    db_session.flush()
    remote_desk = remote.ensure_demo_desk(db_session=db_session, clock=clock)
    if not added:
        return remote_desk
    return (f"演示预约：政务服务场所 {added} 个（广安区、广安市政务服务中心等，含周六和延时时段），"
            "地图 /halls，叫号台用 window 账号登录 /staff/halls；取号机须先登记：window 账号在 /staff/halls 点广安区政务服务中心的"
            "“取号机”，生成登记码，在取号机浏览器打开 /halls/<id>/kiosk 输入登记码" + (f"；{remote_desk}" if remote_desk else ""))
