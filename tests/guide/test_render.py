"""Guide renderers: PDF guide, print sheet, flow picture, material samples (GUIDE-01…04, CAT-07)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader

from tongban.catalog.schemas import ItemContent, Material
from tongban.guide.flow import flow_svg
from tongban.guide.pdf import guide_pdf, print_lines, print_pdf
from tongban.guide.samples import blank_template_pdf, sample_pdf
from tongban.guide.presenters import AgencyView, GuideView

SVG = "{http://www.w3.org/2000/svg}"


def make_content(**overrides) -> ItemContent:
    data = {
        "name": "食品经营许可证核发",
        "item_type": "licensing",
        "level": "county",
        "audiences": ["person", "org"],
        "legal_basis": [
            {
                "key": "food_safety_law",
                "title": "《中华人民共和国食品安全法》",
                "article": "第三十五条",
                "text": "国家对食品生产经营实行许可制度。从事食品生产、食品销售、餐饮服务，应当依法取得许可。",
            }
        ],
        "conditions": [{"text": "具有与经营的食品品种、数量相适应的经营场所。", "basis": ["food_safety_law"]}],
        "materials": [
            {
                "key": "application",
                "name": "食品经营许可申请书",
                "forms": ["original"],
                "source": "申请人自备",
                "acceptance_standard": "内容完整，申请人签字。",
                "notes": "用黑色钢笔或签字笔填写。",
            },
            {
                "key": "id_card",
                "name": "法定代表人身份证",
                "forms": ["original", "copy"],
                "copy_count": 1,
                "source": "公安机关",
            },
            {
                "key": "agent",
                "name": "授权委托书",
                "necessity": "conditional",
                "condition": "委托他人代为办理的",
            },
        ],
        "steps": [
            {"name": "提交申请", "actor": "applicant", "time_limit_days": 0, "review_points": ["材料齐全"]},
            {
                "name": "受理",
                "actor": "acceptor",
                "time_limit_days": 1,
                "review_points": ["材料是否齐全", "是否符合法定形式", "是否属于本机关职权范围"],
            },
            {"name": "审查与现场核查", "actor": "reviewer", "time_limit_days": 5},
            {"name": "作出决定", "actor": "decider", "time_limit_days": 2},
        ],
        "legal_limit_days": 20,
        "promised_limit_days": 8,
        "fees": [{"name": "工本费", "amount_fen": 2000, "basis": "《某省行政事业性收费目录》"}],
        "result": {"name": "食品经营许可证", "delivery": ["window_pickup", "post"]},
        "channels": ["web", "window"],
        "address": "某某县政务服务中心二楼B区12号窗口",
        "hours": "工作日 9:00-12:00，13:30-17:00",
        "consult_phone": "0816-1234567",
        "complaint_phone": "12345",
        "faqs": [{"question": "可以网上办理吗？", "answer": "可以，在政务服务网提交申请。"}],
    }
    data.update(overrides)
    return ItemContent.model_validate(data)


def make_view(content: ItemContent | None = None, **overrides) -> GuideView:
    values = {
        "item_id": 1,
        "implementation_code": "11510000MB0000000X4000112345000",
        "code_scheme": "tongban",
        "basic_code": "000112345000",
        "content": content or make_content(),
        "agency": AgencyView(
            code="11510000MB0000000X",
            name="某某县市场监督管理局",
            region_code="510000",
            region_name="某某县",
            level="county",
        ),
        "version_number": 3,
        "published_at": datetime(2024, 1, 2, tzinfo=timezone.utc),
        "url": "https://zwfw.example.gov.cn/guide/1",
    }
    values.update(overrides)
    return GuideView(**values)


def pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = "".join(page.extract_text() for page in reader.pages)
    return "".join(text.split()), len(reader.pages)


@pytest.mark.req("GUIDE-01")
def test_guide_pdf_carries_the_elements_as_text():
    text, _ = pdf_text(guide_pdf(make_view()))
    assert "食品经营许可证核发" in text
    assert "法定代表人身份证" in text
    assert "《中华人民共和国食品安全法》" in text
    assert "20.00元" in text
    assert "委托他人代为办理的" in text
    assert "版本3" in text


@pytest.mark.req("GUIDE-02")
def test_guide_pdf_follows_the_content():
    content = make_content(
        name="二手车交易登记",
        materials=[{"key": "deed", "name": "机动车登记证书"}],
        fees=[],
    )
    text, _ = pdf_text(guide_pdf(make_view(content)))
    assert "二手车交易登记" in text
    assert "机动车登记证书" in text
    assert "不收费" in text
    assert "食品经营许可证核发" not in text
    assert "20.00元" not in text


@pytest.mark.req("GUIDE-03")
def test_print_sheet_is_short_and_complete():
    view = make_view()
    text, pages = pdf_text(print_pdf(view))
    assert pages <= 2
    for expected in ("食品经营许可证核发", "8个工作日", "0816-1234567", "某某县政务服务中心二楼B区12号窗口", "20.00元"):
        assert expected in text
    labels = dict(print_lines(view))
    assert labels["咨询电话"] == "0816-1234567"
    assert "法定代表人身份证" in labels["申请材料"]


@pytest.mark.req("CAT-07")
def test_flow_svg_is_accessible_and_escaped():
    steps = make_content().model_dump()["steps"]
    steps.append({"name": "送达 <证照> & 归档", "actor": "dispatcher", "time_limit_days": 1})
    svg = flow_svg(make_content(steps=steps))
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox")
    texts = " ".join(el.text or "" for el in root.iter(f"{SVG}text"))
    for name in ("提交申请", "受理", "作出决定", "申请人", "受理人", "审查人", "即时", "1个工作日"):
        assert name in texts
    assert "送达 <证照> & 归档" in root.find(f"{SVG}desc").text
    assert "&lt;证照&gt; &amp;" in svg
    assert root.find(f"{SVG}title").text


@pytest.mark.req("CAT-07")
def test_flow_svg_without_steps_says_so():
    root = ET.fromstring(flow_svg(make_content(steps=[])))
    assert "暂无流程信息" in "".join(el.text or "" for el in root.iter(f"{SVG}text"))


@pytest.mark.req("GUIDE-04")
def test_suspended_guide_pdf_says_why_and_what_instead():
    view = make_view(status="suspended", status_reason="系统升级改造", alternative="请前往市级政务服务中心办理")
    text, _ = pdf_text(guide_pdf(view))
    assert "暂停办理" in text
    assert "系统升级改造" in text
    assert "请前往市级政务服务中心办理" in text


@pytest.mark.req("GUIDE-01")
def test_sample_and_template_are_stable_documents():
    material = Material(key="application", name="食品经营许可申请书", acceptance_standard="申请人签字。")
    template = blank_template_pdf("食品经营许可证核发", material)
    sample = sample_pdf("食品经营许可证核发", material)
    template_text, _ = pdf_text(template)
    sample_text, _ = pdf_text(sample)
    assert "食品经营许可申请书" in template_text
    assert "张三" not in template_text
    assert "食品经营许可申请书" in sample_text
    assert "样本" in sample_text
    assert "张三" in sample_text
    assert "申请人签字。" in sample_text
    assert template == blank_template_pdf("食品经营许可证核发", material)
    assert sample == sample_pdf("食品经营许可证核发", material)
    assert template != sample
