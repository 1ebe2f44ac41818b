"""Catalog lint: each check fires on a bad item with a specific Chinese message and stays quiet on a clean one."""

import re

import pytest
from markupsafe import escape

from tests.factories import content_dict, make_actor, make_agency, make_content, make_directory_entry, make_item
from tongban.catalog import directory
from tongban.catalog.exchange_api import router
from tongban.catalog.directory_schemas import EntryIn
from tongban.catalog.lint import CODES, run_lint

SAMPLE = "a" * 64
TEMPLATE = "b" * 64


def clean_materials() -> list[dict]:
    materials = content_dict()["materials"]
    materials[0] = {**materials[0], "sample_sha256": SAMPLE, "template_sha256": TEMPLATE}
    return materials


FOOD_FORM = [
    {"key": "premises", "label": "经营场所", "max_length": 100},
    {"key": "business_type", "label": "主体业态", "kind": "choice", "options": ["食品销售经营者", "餐饮服务经营者"]},
    {"key": "business_items", "label": "经营项目", "kind": "textarea", "max_length": 500},
]
FOOD_LICENCE = {
    "number_format": "JY{code:business_type}{region:6}{serial:6}{check}",
    "fields": [
        {"key": "premises", "label": "经营场所", "source": "form", "form_field": "premises", "max_length": 100},
        {"key": "business_type", "label": "主体业态", "source": "decision", "form_field": "business_type",
         "options": [{"label": "食品销售经营者", "code": "1"}, {"label": "餐饮服务经营者", "code": "2"}]},
        {"key": "business_items", "label": "经营项目", "source": "decision", "form_field": "business_items", "max_length": 120},
    ],
}
FOOD_RESULT = {"name": "食品经营许可证", "kind": "证照", "licence_type": "food_business", "validity_years": 5,
               "delivery": ["online_download"]}


def clean_item(db_session, clock, **overrides):
    return make_item(db_session, clock, **{"materials": clean_materials(), **overrides})


def findings_of(db_session, item, code=None):
    found = [f for f in run_lint(db_session=db_session, item_ids=[item.id]) if f.item_id == item.id]
    return [f for f in found if code is None or f.code == code]


@pytest.mark.req("CAT-12")
def test_clean_item_has_no_findings(db_session, clock):
    item = clean_item(db_session, clock)
    assert findings_of(db_session, item) == []


def _one_problem_catalogs():
    """For every finding code, a catalog with exactly that one problem (beside a clean item)."""

    def with_sample_and_template(**change):
        return [{**m, "sample_sha256": SAMPLE, "template_sha256": TEMPLATE, **change} for m in content_dict()["materials"]]

    def condition_no_basis(db_session, clock):
        return [clean_item(db_session, clock, conditions=[{"text": "有专职食品安全管理人员", "basis": []}])]

    def material_no_basis(db_session, clock):
        return [clean_item(db_session, clock, materials=with_sample_and_template(basis=[]))]

    def no_legal_basis(db_session, clock):
        return [clean_item(db_session, clock, legal_basis=[], conditions=[], materials=[])]

    def catch_all(db_session, clock):
        conditions = [{"text": "法律、法规规定的其他条件", "basis": ["b1"]}]
        return [clean_item(db_session, clock, conditions=conditions)]

    def missing_sample(db_session, clock):
        materials = clean_materials()
        materials[0] = {**materials[0], "sample_sha256": None}
        return [clean_item(db_session, clock, materials=materials)]

    def missing_template(db_session, clock):
        materials = clean_materials()
        materials[0] = {**materials[0], "template_sha256": None}
        return [clean_item(db_session, clock, materials=materials)]

    def prerequisite_cycle(db_session, clock):
        return [clean_item(db_session, clock, code="LOOP-A", prerequisites=["LOOP-B"]),
                clean_item(db_session, clock, code="LOOP-B", prerequisites=["LOOP-A"])]

    def prerequisite_unknown(db_session, clock):
        return [clean_item(db_session, clock, prerequisites=["NO-SUCH-CODE"])]

    def step_redundant(db_session, clock):
        steps = content_dict()["steps"]
        steps.insert(3, {"name": "审查", "actor": "reviewer", "time_limit_days": 1})
        return [clean_item(db_session, clock, steps=steps)]

    def step_missing(db_session, clock):
        return [clean_item(db_session, clock, steps=[s for s in content_dict()["steps"] if s["actor"] != "decider"])]

    def step_time(db_session, clock):
        return [clean_item(db_session, clock, promised_limit_days=8)]  # the steps add up to 9

    def online_offline(db_session, clock):
        return [clean_item(db_session, clock, handling_form="offline", channels=["window", "mobile"])]

    def region_divergence(db_session, clock):
        make_directory_entry(db_session, clock, basic_code="D-1")
        return [clean_item(db_session, clock, basic_code="D-1", name="食品经营许可证核发")]

    def directory_unreviewed(db_session, clock):
        content = make_content()
        entry_in = EntryIn(basic_code="D-2", region_code="510000", level="province", name=content.name,
                           item_type=content.item_type, legal_basis=content.legal_basis)
        directory.seed_entry(db_session=db_session, clock=clock, entry_in=entry_in, by="导入", reviewed=False)
        return [clean_item(db_session, clock, basic_code="D-2")]

    def licence_declaration(db_session, clock):
        declaration = {**FOOD_LICENCE, "fields": [{**FOOD_LICENCE["fields"][0], "form_field": "address"},
                                                  *FOOD_LICENCE["fields"][1:]]}
        return [clean_item(db_session, clock, form=FOOD_FORM, result={**FOOD_RESULT, "licence": declaration})]

    return {
        "LICENCE_DECLARATION": licence_declaration,
        "CONDITION_NO_BASIS": condition_no_basis,
        "MATERIAL_NO_BASIS": material_no_basis,
        "NO_LEGAL_BASIS": no_legal_basis,
        "CATCH_ALL_MATERIAL": catch_all,
        "MISSING_SAMPLE": missing_sample,
        "MISSING_TEMPLATE": missing_template,
        "PREREQUISITE_CYCLE": prerequisite_cycle,
        "PREREQUISITE_UNKNOWN": prerequisite_unknown,
        "STEP_REDUNDANT": step_redundant,
        "STEP_MISSING": step_missing,
        "STEP_TIME_EXCEEDS_LIMIT": step_time,
        "ONLINE_OFFLINE_INCONSISTENT": online_offline,
        "REGION_DIVERGENCE": region_divergence,
        "DIRECTORY_UNREVIEWED": directory_unreviewed,
    }


ONE_PROBLEM = _one_problem_catalogs()


@pytest.mark.req("CAT-12")
@pytest.mark.parametrize("code", list(CODES))
def test_each_code_comes_from_its_problem_and_only_there(db_session, clock, code):
    """Every code the lint can report is produced by a catalog with that one problem, on the items that have it.

    A code added to the lint without a catalog here fails (KeyError), so no code goes untested.
    """
    bystander = clean_item(db_session, clock)
    culprits = ONE_PROBLEM[code](db_session, clock)
    findings = run_lint(db_session=db_session)
    assert {f.code for f in findings} == {code}
    assert {f.item_id for f in findings} <= {i.id for i in culprits} and bystander.id not in {f.item_id for f in findings}
    assert all(f.message and not f.message.isascii() for f in findings)  # the reader gets a sentence in Chinese
    # asking about the culprits alone finds the same problem; asking about the clean item finds nothing
    assert {f.code for f in run_lint(db_session=db_session, item_ids=[i.id for i in culprits])} == {code}
    assert run_lint(db_session=db_session, item_ids=[bystander.id]) == []


@pytest.mark.req("CAT-12")
def test_condition_and_material_without_basis(db_session, clock):
    materials = clean_materials()
    materials[1] = {**materials[1], "basis": []}
    item = clean_item(
        db_session, clock,
        conditions=[{"text": "具有与经营的食品品种相适应的经营场所", "basis": ["b1"]}, {"text": "有专职食品安全管理人员", "basis": []}],
        materials=materials,
    )
    [cond] = findings_of(db_session, item, "CONDITION_NO_BASIS")
    assert cond.severity == "error" and "有专职食品安全管理人员" in cond.message
    [mat] = findings_of(db_session, item, "MATERIAL_NO_BASIS")
    assert "营业执照" in mat.message and mat.detail["material_key"] == "m2"


@pytest.mark.req("CAT-12")
def test_power_item_without_any_legal_basis(db_session, clock):
    no_basis = dict(legal_basis=[], conditions=[{"text": "年满十八周岁", "basis": []}],
                    materials=[{**m, "basis": []} for m in clean_materials()])
    licensing = clean_item(db_session, clock, **no_basis)
    service = clean_item(db_session, clock, item_type="public_service", **no_basis)
    assert len(findings_of(db_session, licensing, "NO_LEGAL_BASIS")) == 1
    assert findings_of(db_session, service, "NO_LEGAL_BASIS") == []
    # public services are warned, not failed, for missing basis of a condition
    assert findings_of(db_session, service, "CONDITION_NO_BASIS")[0].severity == "warning"


@pytest.mark.req("CAT-12")
def test_catch_all_materials_and_conditions(db_session, clock):
    materials = clean_materials() + [
        {"key": "m3", "name": "其他相关材料", "source": "申请人自备", "basis": ["b1"], "sample_sha256": SAMPLE},
        {"key": "m4", "name": "委托书等有关材料", "source": "申请人自备", "basis": ["b1"], "sample_sha256": SAMPLE},
    ]
    conditions = [{"text": "具有经营场所", "basis": ["b1"]}, {"text": "法律、法规规定的其他条件", "basis": ["b1"]}]
    item = clean_item(db_session, clock, materials=materials, conditions=conditions)
    found = findings_of(db_session, item, "CATCH_ALL_MATERIAL")
    messages = " ".join(f.message for f in found)
    assert len(found) == 3
    assert "其他相关材料" in messages and "委托书等有关材料" in messages and "法律、法规规定的其他条件" in messages
    assert "营业执照" not in messages


@pytest.mark.req("CAT-12")
def test_missing_sample_but_not_for_government_issued_certificates(db_session, clock):
    item = make_item(db_session, clock)  # m1 申请书 has no sample; m2 营业执照 is issued by 市场监督管理部门
    [finding] = findings_of(db_session, item, "MISSING_SAMPLE")
    assert finding.severity == "warning" and "食品经营许可申请书" in finding.message


@pytest.mark.req("CAT-12")
def test_missing_template_only_for_forms(db_session, clock):
    materials = [{**m, "sample_sha256": SAMPLE} for m in content_dict()["materials"]] + [
        {"key": "m3", "name": "申请人身份证", "forms": ["copy"], "source": "公安机关", "basis": ["b1"]},
        {"key": "m4", "name": "从业人员健康情况登记表", "source": "申请人自备", "basis": ["b1"], "sample_sha256": SAMPLE},
    ]
    item = make_item(db_session, clock, materials=materials)
    found = findings_of(db_session, item, "MISSING_TEMPLATE")
    assert sorted(f.detail["material_key"] for f in found) == ["m1", "m4"]
    assert any("从业人员健康情况登记表" in f.message for f in found)


@pytest.mark.req("CAT-12")
def test_prerequisite_cycle_reported_once_with_path(db_session, clock):
    agency = make_agency(db_session)
    a = clean_item(db_session, clock, agency=agency, code="PRE-A", name="甲事项", prerequisites=["PRE-B"])
    clean_item(db_session, clock, agency=agency, code="PRE-B", name="乙事项", prerequisites=["PRE-C"])
    clean_item(db_session, clock, agency=agency, code="PRE-C", name="丙事项", prerequisites=["PRE-A"])
    outside = clean_item(db_session, clock, agency=agency, code="PRE-D", name="丁事项", prerequisites=["PRE-A"])
    cycles = [f for f in run_lint(db_session=db_session) if f.code == "PREREQUISITE_CYCLE"]
    assert len(cycles) == 1
    assert cycles[0].item_id == a.id
    assert cycles[0].message == "前置事项形成循环：甲事项 → 乙事项 → 丙事项 → 甲事项"
    assert cycles[0].detail["codes"] == ["PRE-A", "PRE-B", "PRE-C"]
    # asking about one member still finds the cycle; the item that only depends on it has none
    assert [f.code for f in run_lint(db_session=db_session, item_ids=[a.id]) if f.code == "PREREQUISITE_CYCLE"]
    assert not [f for f in run_lint(db_session=db_session, item_ids=[outside.id]) if f.code == "PREREQUISITE_CYCLE"]


@pytest.mark.req("CAT-12")
def test_self_prerequisite_and_unknown_prerequisite(db_session, clock):
    me = clean_item(db_session, clock, code="SELF-1", prerequisites=["SELF-1", "NO-SUCH-CODE"])
    assert len(findings_of(db_session, me, "PREREQUISITE_CYCLE")) == 1
    [unknown] = findings_of(db_session, me, "PREREQUISITE_UNKNOWN")
    assert "NO-SUCH-CODE" in unknown.message


@pytest.mark.req("CAT-12")
def test_redundant_steps(db_session, clock):
    steps = content_dict()["steps"]
    steps.insert(3, {"name": "审查", "actor": "reviewer", "time_limit_days": 1})
    item = clean_item(db_session, clock, steps=steps)
    [finding] = findings_of(db_session, item, "STEP_REDUNDANT")
    assert "“审查”出现 2 次" in finding.message and finding.detail["positions"] == [3, 4]


@pytest.mark.req("CAT-12")
def test_missing_acceptance_or_decision_step(db_session, clock):
    no_decision = clean_item(db_session, clock, steps=[s for s in content_dict()["steps"] if s["actor"] != "decider"])
    [finding] = findings_of(db_session, no_decision, "STEP_MISSING")
    assert "决定环节" in finding.message
    instant = clean_item(
        db_session, clock, case_kind="instant", steps=[{"name": "受理并当场办结", "actor": "acceptor", "time_limit_days": 0}]
    )
    assert findings_of(db_session, instant, "STEP_MISSING") == []
    no_steps = clean_item(db_session, clock, case_kind="instant", steps=[])
    assert len(findings_of(db_session, no_steps, "STEP_MISSING")) == 1


@pytest.mark.req("CAT-12")
def test_step_times_exceed_limits(db_session, clock):
    item = clean_item(db_session, clock, legal_limit_days=8, promised_limit_days=8)  # steps add up to 9
    found = findings_of(db_session, item, "STEP_TIME_EXCEEDS_LIMIT")
    assert {(f.severity, f.detail["limit_kind"]) for f in found} == {("error", "legal"), ("warning", "promised")}
    assert "9个工作日超过法定办结时限 8个工作日" in found[0].message
    assert findings_of(db_session, clean_item(db_session, clock), "STEP_TIME_EXCEEDS_LIMIT") == []


@pytest.mark.req("CAT-12")
def test_online_offline_inconsistencies(db_session, clock):
    online_ok = dict(handling_form="online", channels=["web"], online_url="https://tfwz.sczwfw.gov.cn/x", max_visits=0,
                     materials=[{**m, "forms": ["electronic"]} for m in clean_materials()])
    good = clean_item(db_session, clock, **online_ok)
    assert findings_of(db_session, good, "ONLINE_OFFLINE_INCONSISTENT") == []

    paper = clean_item(db_session, clock, **{**online_ok, "materials": clean_materials(), "max_visits": 1,
                                             "on_site_verification": True})
    problems = {f.detail["problem"]: f for f in findings_of(db_session, paper, "ONLINE_OFFLINE_INCONSISTENT")}
    assert set(problems) == {"paper_only_material", "visits_required", "on_site_verification"}
    assert "食品经营许可申请书" in problems["paper_only_material"].message

    offline = clean_item(db_session, clock, handling_form="offline", channels=["window", "mobile"])
    [finding] = findings_of(db_session, offline, "ONLINE_OFFLINE_INCONSISTENT")
    assert "移动端" in finding.message

    no_entry = clean_item(db_session, clock, **{**online_ok, "channels": ["window"], "online_url": ""})
    [finding] = findings_of(db_session, no_entry, "ONLINE_OFFLINE_INCONSISTENT")
    assert finding.detail["problem"] == "online_without_entry"


@pytest.mark.req("CAT-04")
@pytest.mark.req("CAT-12")
def test_region_divergence_names_the_other_regions(db_session, clock):
    city = make_agency(db_session, name="广安市市场监督管理局", region_code="511600", level="city")
    guangan = make_agency(db_session, name="广安区市场监督管理局", region_code="511602", level="county")
    yuechi = make_agency(db_session, name="岳池县市场监督管理局", region_code="511621", level="county")
    make_directory_entry(db_session, clock, basic_code="00001")  # the directory is compiled first (CAT-02)
    first = clean_item(db_session, clock, agency=city, basic_code="00001")
    clean_item(db_session, clock, agency=guangan, basic_code="00001")
    odd = clean_item(db_session, clock, agency=yuechi, basic_code="00001", name="食品经营许可证核发",
                     item_type="confirmation")
    found = [f for f in run_lint(db_session=db_session) if f.code == "REGION_DIVERGENCE"]
    assert [f.item_id for f in found] == [odd.id]
    message = found[0].message
    assert "食品经营许可证核发" in message and "广安市" in message and "广安区" in message and "行政许可" in message
    assert "基本目录为“食品经营许可（新办）”" in message  # the reference is the directory, not another item
    assert {d["aspect"] for d in found[0].detail["differences"]} == {"name", "item_type"}
    assert first.id in found[0].detail["other_item_ids"]


@pytest.mark.req("CAT-04")
def test_region_divergence_in_legal_basis_and_clean_group(db_session, clock):
    city = make_agency(db_session, region_code="511600", level="city")
    county = make_agency(db_session, region_code="511602", level="county")
    make_directory_entry(db_session, clock, basic_code="00002")
    clean_item(db_session, clock, agency=city, basic_code="00002")
    same = clean_item(db_session, clock, agency=county, basic_code="00002")
    assert not [f for f in run_lint(db_session=db_session) if f.code == "REGION_DIVERGENCE"]
    basis = [{"key": "b1", "title": "《四川省食品小作坊、小经营店及摊贩管理条例》", "kind": "local_regulation"}]
    other = clean_item(db_session, clock, agency=county, basic_code="00002", legal_basis=basis)
    found = [f for f in run_lint(db_session=db_session) if f.code == "REGION_DIVERGENCE"]
    assert [f.item_id for f in found] == [other.id] and same.id in found[0].detail["other_item_ids"]
    assert "设定依据" in found[0].message


def test_item_filter_limits_findings(db_session, clock):
    one = make_item(db_session, clock)
    two = make_item(db_session, clock)
    assert {f.item_id for f in run_lint(db_session=db_session)} == {one.id, two.id}
    assert {f.item_id for f in run_lint(db_session=db_session, item_ids=[two.id])} == {two.id}


@pytest.fixture
def app(app):
    if not any(getattr(r, "path", "") == "/api/v1/catalog/lint" for r in app.routes):
        app.include_router(router)
    return app


@pytest.mark.req("CAT-12")
def test_lint_api_is_for_staff(client, db_session, clock):
    item = make_item(db_session, clock)
    _, token = make_actor(db_session, clock, role="catalog_reviewer")
    db_session.commit()
    assert client.get("/api/v1/catalog/lint").status_code == 401
    body = client.get(f"/api/v1/catalog/lint?item_id={item.id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert body["counts"] == {"MISSING_SAMPLE": 1, "MISSING_TEMPLATE": 1}
    assert body["findings"][0]["item_id"] == item.id and body["findings"][0]["message"]


@pytest.mark.req("CAT-12")
def test_page_and_api_report_the_same_findings_each_code_explained(client, db_session, clock):
    """Twin: the staff page and the API count the same findings, and each count carries the code's explanation."""
    make_item(db_session, clock)  # no sample and no template for its application form
    clean_item(db_session, clock, steps=[s for s in content_dict()["steps"] if s["actor"] != "decider"])
    _, token = make_actor(db_session, clock, role="catalog_reviewer")
    db_session.commit()
    auth = {"Authorization": f"Bearer {token}"}
    body = client.get("/api/v1/catalog/lint", headers=auth).json()
    page = client.get("/staff/lint", headers=auth)
    assert page.status_code == 200
    shown = {code: (explained, int(n)) for code, explained, n in
             re.findall(r"<li><code>(\w+)</code> ([^<]*)：(\d+)</li>", page.text)}
    assert body["counts"] == {"MISSING_SAMPLE": 1, "MISSING_TEMPLATE": 1, "STEP_MISSING": 1}
    assert {code: n for code, (_, n) in shown.items()} == body["counts"]
    for code in body["counts"]:
        explained = body["codes"][code]
        assert explained and not explained.isascii() and shown[code][0] == explained
    for finding in body["findings"]:
        assert str(escape(finding["message"])) in page.text


@pytest.mark.req("LIC-01")
@pytest.mark.req("CAT-12")
def test_a_licence_declaration_must_fit_the_items_form(db_session, clock):
    fine = clean_item(db_session, clock, form=FOOD_FORM, result={**FOOD_RESULT, "licence": FOOD_LICENCE})
    assert findings_of(db_session, fine, "LICENCE_DECLARATION") == []
    premises, business_type, items = FOOD_LICENCE["fields"]
    form = [{**FOOD_FORM[0], "max_length": 300, "required": False}, {**FOOD_FORM[1], "options": ["食品销售经营者", "单位食堂"]},
            FOOD_FORM[2]]
    declaration = {**FOOD_LICENCE, "fields": [premises, business_type, {**items, "form_field": "nothing"}]}
    bad = clean_item(db_session, clock, form=form, result={**FOOD_RESULT, "licence": declaration})
    found = {f.detail["problem"]: f.message for f in findings_of(db_session, bad, "LICENCE_DECLARATION")}
    assert set(found) == {"too_long", "not_required", "options", "form_field_unknown"}
    assert "申请表允许 300 字" in found["too_long"] and "单位食堂" in found["options"] and "nothing" in found["form_field_unknown"]
    no_form = clean_item(db_session, clock, result={**FOOD_RESULT, "licence": FOOD_LICENCE})
    assert all("没有自己的申请表" in f.message for f in findings_of(db_session, no_form, "LICENCE_DECLARATION"))


@pytest.mark.req("LIC-01")
@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"number_format": "JY{serial:6}{check}{year}"}, "校验位"),
        ({"number_format": "JY{region}"}, "流水号"),
        ({"number_format": "jy{serial:6}"}, "不允许的字符"),
        ({"number_format": "食{serial:6}"}, "不允许的字符"),
        ({"number_format": "{when}{serial:6}"}, "不认识"),
        ({"number_format": "JY{code:business_items}{serial:6}"}, "各选项都有代码"),
        ({"number_format": "{region}{region}{region}{serial:6}"}, "超过40位"),
        ({"fields": [FOOD_LICENCE["fields"][0], FOOD_LICENCE["fields"][0]]}, "重复"),
        ({"fields": [{"key": "p", "label": "经营场所", "source": "form"}]}, "须写明申请表字段"),
        ({"fields": [{"key": "p", "label": "经营场所", "max_length": 500}]}, "二维码"),
        ({"fields": [{"key": "t", "label": "业态", "options": [{"label": "甲", "code": "1"}, {"label": "乙", "code": "12"}]}]},
         "等长"),
    ],
)
def test_the_catalog_refuses_a_malformed_licence_declaration_in_chinese(change, words):
    from pydantic import ValidationError

    from tongban.catalog.schemas import ItemContent
    from tongban.core.validation import humanize

    declaration = {**FOOD_LICENCE, **change}
    with pytest.raises(ValidationError) as raised:
        ItemContent.model_validate(content_dict(form=FOOD_FORM, result={**FOOD_RESULT, "licence": declaration}))
    message, _ = humanize(raised.value.errors())
    assert words in message and not message.isascii()
    with pytest.raises(ValidationError) as raised:  # a declaration needs the licence type it describes
        ItemContent.model_validate(content_dict(result={**FOOD_RESULT, "licence_type": "", "licence": FOOD_LICENCE}))
    assert "证照类型" in humanize(raised.value.errors())[0]
