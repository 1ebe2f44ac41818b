"""Demo data of the supervision domain for `tongban seed demo` (idempotent): a supervisor and cases that are
overdue, warned, running, paused, decided on time, decided late and returned, made through the cases services with
earlier clocks, then one deadline scan so the dashboard shows them dispatched."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.orm import Session

from tongban.accounts import demo as accounts_demo
from tongban.accounts import persons
from tongban.accounts import reads as account_reads
from tongban.baselib.service import TableBaseLibrary
from tongban.cases import decisions, handling
from tongban.cases import reads as case_reads
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel, Opinion
from tongban.cases.files import Upload
from tongban.cases.forms import Applicant
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import SHANGHAI, Clock, FixedClock
from tongban.core.errors import DomainError
from tongban.core.logs import get_logger
from tongban.supervision import warnings
from tongban.workdays import service as workdays

log = get_logger(__name__)
DEMO_PASSWORD = accounts_demo.DEMO_PASSWORD  # documented in the README
SUPERVISOR = ("supervisor", "管理专员（演示）", "511600", "13800000008")  # 广安市: covers 广安区 and its agencies
ITEM_CODE = "SC-O-0302-511602-GAQ-GOV"  # 食品经营许可（新办） at 广安区
PERSON_ID_NUMBER = "511602198507261174"  # 李梅, the demo person
KEY_PREFIX = "demo-supervision-"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# (key, working days ago accepted, what happens then). Promised limit 5, legal 10 working days.
SCENARIOS = [
    ("overdue", 8, "review"), ("warned", 4, "review"), ("running", 1, "review"), ("paused", 3, "special"),
    ("on-time", 25, "approve:3"), ("late", 40, "approve:8"), ("returned", 12, "refuse"),
]


def _ensure_supervisor(db_session: Session, clock: Clock) -> bool:
    username, name, region, phone = SUPERVISOR
    return accounts_demo.ensure_demo_staff(db_session=db_session, clock=clock, username=username, name=name,
                                           roles=["supervisor"], agency_id=None, region_code=region, phone=phone)


def _at(day: date, hour: int = 10) -> FixedClock:
    return FixedClock(datetime.combine(day, time(hour), SHANGHAI).astimezone(timezone.utc))


def _back(cal: workdays.WorkingCalendar, today: date, days: int) -> date:
    day = today
    while days > 0:
        day -= timedelta(days=1)
        days -= cal.is_working_day(day)
    return day


def _submit(db_session: Session, clock: Clock, item: catalog_reads.ItemFacts, person, key: str):
    applicant = Applicant("person", person.id, None, person.name, person.id_number, person.phone)
    form = {"operator_name": person.name, "principal": person.name, "contact_phone": person.phone or "13900000002",
            "premises": "广安区建设路1号", "business_type": "食品销售经营者", "business_items": "预包装食品销售"}
    uploads = [Upload(k, f"{k}.pdf", PDF) for k in ("m2", "m3", "m4", "m5")]
    return cases.submit(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), applicant=applicant,
                        submission=cases.Submission(item_id=item.id, form=form, exemptions={}, uploads=uploads),
                        channel=CaseChannel.web, submitter_ref=f"person:{person.id}", idempotency_key=KEY_PREFIX + key)


def _play(db_session: Session, cal, today: date, item, person, actors, key: str, ago: int, plan: str) -> None:
    window, examiner, decider = actors
    accepted_on = _back(cal, today, ago)
    clock = _at(accepted_on, 9)
    case = _submit(db_session, clock, item, person, key)
    if plan == "refuse":
        handling.request_supplement(db_session=db_session, clock=clock, actor=window, case=case,
                                    missing=[handling.Missing("m2", "平面图未标明功能区面积")])
        clock = _at(accepted_on + timedelta(days=1), 9)
        handling.refuse(db_session=db_session, clock=clock, actor=window, case=case, reasons="经营场所不符合食品经营要求")
        return
    clock = _at(accepted_on, 10)
    handling.accept(db_session=db_session, clock=clock, actor=window, case=case, on_site="广安区政务服务中心",
                    on_site_at=clock.now() + timedelta(days=1))
    handling.start_review(db_session=db_session, clock=clock, actor=examiner, case=case)
    if plan == "special":
        handling.start_special_procedure(db_session=db_session, clock=_at(_back(cal, today, 1)), actor=examiner, case=case,
                                         name="现场核查", note="核查经营场所")
    elif plan.startswith("approve:"):
        decided = workdays.add_working_days(db_session=db_session, start=accepted_on, days=int(plan.split(":")[1])).due
        clock = _at(decided, 15)
        # acceptance asked for the originals on site: an approval waits until they were seen (CASE-10)
        handling.record_originals_checked(db_session=db_session, clock=clock, actor=window, case=case)
        handling.record_opinion(db_session=db_session, clock=clock, actor=examiner, case=case, opinion=Opinion.approve,
                                reasons="符合审查标准")
        decisions.decide(db_session=db_session, clock=clock, actor=decider, case=case, approve=True)


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Load the demo rows once; return one Chinese line for the console ('' when nothing was added)."""
    added = _ensure_supervisor(db_session, clock)
    db_session.flush()
    if case_reads.has_idempotency_prefix(db_session=db_session, prefix=KEY_PREFIX):
        return "演示管理专员 supervisor 已创建（密码 tongban-demo1）" if added else ""
    item = catalog_reads.item_by_code(db_session=db_session, implementation_code=ITEM_CODE)
    person = persons.find_by_document(db_session=db_session, kind="resident_id", number=PERSON_ID_NUMBER)
    actors = tuple(account_reads.actor_by_username(db_session=db_session, username=name)
                   for name in ("window", "examiner", "decider"))
    if item is None or person is None or None in actors:
        return "演示管理专员 supervisor 已创建；演示办件需要演示事项和账号，下次载入时补上" if added else ""
    cal, today = workdays.WorkingCalendar(db_session), clock.today()
    try:
        for key, ago, plan in SCENARIOS:
            with db_session.begin_nested():
                _play(db_session, cal, today, item, person, actors, key, ago, plan)
    except DomainError as exc:  # a changed demo item: keep the supervisor, report the cases that could not be made
        log.warning("supervision demo cases not created", extra={"code": exc.code})
        return f"演示管理专员 supervisor 已创建；演示办件未能生成：{exc.message}"
    result = warnings.scan(db_session=db_session, clock=clock)
    db_session.flush()
    return (f"电子监察演示：管理专员 supervisor（密码 {DEMO_PASSWORD}），演示办件 {len(SCENARIOS)} 件，"
            f"预警/超期 {len(result.raised)} 条已督办；页面 /staff/supervision")
