"""Demo knowledge base: a few published frequent questions of the demo agencies (written for this project)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.knowledge.enums import FaqOrigin, FaqState
from tongban.knowledge.models import FaqEntry, FaqVersion

HALL_REGION = "511602"  # 广安区: its management agency keeps what is not about one item
# (owner agency code or None for the hall's management agency, item code or "", question, variants, answer)
DEMO_FAQS = [
    ("11511602697417411B", "SC-O-0301-511602-GAQ-GOV", "开饭馆要办什么证？",
     ["开餐馆需要什么手续", "开饭店要办哪些证", "开个小吃店要什么许可"],
     "从事餐饮服务应当依法取得食品经营许可（《中华人民共和国食品安全法》第三十五条）。先办理营业执照，"
     "再向广安区行政审批局申请食品经营许可：可在网上提交，也可到区政务服务中心窗口办理。\n"
     "需要准备：食品经营许可申请书、营业执照、与经营的食品品种和数量相适应的经营场所和设备布局说明、食品安全管理制度。"
     "仅销售预包装食品的，办理备案即可，不需要许可。"),
    ("11511602829200012W", "SC-P-0603-511602-GAQ-HRSS", "失业了怎么领失业保险金？",
     ["失业金在哪里申请", "失业了能领钱吗", "被辞退了可以领失业金吗"],
     "同时符合以下条件的可以领取（《失业保险条例》第十四条）：失业前用人单位和本人已缴纳失业保险费满一年；"
     "非因本人意愿中断就业；已办理失业登记并有求职要求。\n"
     "带本人身份证件到广安区人力资源和社会保障局窗口，或在网上申请。领取期限按缴费年限计算，最长 24 个月。"),
    ("11511602605255305D", "SC-P-0303-511602-GAQ-PSB", "身份证丢了怎么补办？",
     ["身份证掉了咋办", "补办身份证要带什么", "身份证丢了去哪里补"],
     "本人到户籍所在地的公安派出所或区公安分局户政窗口申请补领，已在全国开通异地受理，也可在居住地就近办理。"
     "需现场采集照片和指纹；未满十六周岁的由监护人陪同。\n"
     "补领的工本费为 20 元。办理期间需要使用身份证的，可同时申请临时居民身份证。"),
    (None, "", "政务服务大厅几点上班？周末开门吗？",
     ["大厅办公时间", "周六能去大厅办事吗", "中午休息吗"],
     "广安区政务服务中心法定工作日 9:00-17:30 对外办公；周末和法定节假日不对外办公。\n"
     "许多事项可以在网上办理，也可以先在网上预约到大厅办理的时间，减少排队。"),
    (None, "", "在网上办事需要先注册吗？",
     ["网上办事怎么注册", "怎么实名认证", "网上办理要账号吗"],
     "查看办事指南、检索事项不需要注册。网上申请需要实名注册：个人用公民身份号码和本人手机号注册并核验身份，"
     "企业由法定代表人或经授权的经办人登录办理。"),
]


def seed_demo(*, db_session: Session, clock: Clock) -> str | None:
    """Publish the demo entries once (idempotent: nothing happens when the knowledge base has entries)."""
    if db_session.scalar(select(FaqEntry.id).limit(1)) is not None:
        return None
    now = clock.now()
    made = 0
    for agency_code, item_code, question, variants, answer in DEMO_FAQS:
        agency = catalog_reads.agency_by_code(db_session=db_session, code=agency_code) if agency_code else None
        if agency_code and agency is None:
            continue  # no demo catalog yet
        item = catalog_reads.item_by_code(db_session=db_session, implementation_code=item_code) if item_code else None
        entry = FaqEntry(owner_agency_id=agency.id if agency else None, region_code=agency.region_code if agency else HALL_REGION,
                         created_at=now, updated_at=now)
        db_session.add(entry)
        db_session.flush()
        db_session.add(FaqVersion(
            entry_id=entry.id, number=1, state=FaqState.published.value, question=question, answer=answer,
            variants=variants, item_ids=[item.id] if item else [], origin=FaqOrigin.staff.value, created_at=now,
            created_by="system:demo", author_name="演示数据", submitted_at=now, reviewed_at=now, reviewed_by="演示数据",
            published_at=now,
        ))
        made += 1
    db_session.flush()
    return f"演示知识库：常见问题 {made} 条（/faq）" if made else None
