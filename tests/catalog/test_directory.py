"""The directory list (基本目录): compiled per level, reviewed by the management agency, cited by implementations (CAT-02)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.factories import make_actor, make_agency, make_content, make_directory_entry, make_item, make_staff
from tongban.accounts import staff as staff_service
from tongban.catalog import directory, service
from tongban.catalog.directory_schemas import EntryElements, EntryIn
from tongban.catalog.lint import run_lint
from tongban.catalog.models import DirectoryEntry, DirectoryRevision, ServiceItem
from tongban.catalog.schemas import ItemDocument, ItemIdentity
from tongban.core.errors import Forbidden, InvalidInput

BASIS = [{"key": "b1", "title": "《中华人民共和国食品安全法》", "article": "第三十五条"}]


def _entry_in(**overrides) -> EntryIn:
    data = {"basic_code": "000105001000", "region_code": "511600", "level": "city", "name": "食品经营许可（新办）",
            "item_type": "licensing", "legal_basis": BASIS}
    data.update(overrides)
    return EntryIn.model_validate(data)


def _document(agency, code: str, basic_code: str, **content) -> ItemDocument:
    return ItemDocument(
        identity=ItemIdentity(implementation_code=code, basic_code=basic_code, agency_code=agency.code,
                              region_code=agency.region_code),
        content=make_content(level=agency.level, **content),
    )


@pytest.fixture
def city(db_session):
    """广安市: a management agency (政务服务中心) and an ordinary department that compiles the city's list."""
    return {
        "management": make_agency(db_session, name="广安市政务服务中心", region_code="511600", level="city", is_management=True),
        "department": make_agency(db_session, name="广安市市场监督管理局", region_code="511600", level="city"),
    }


def _actor(db_session, clock, roles, agency):
    account, _ = make_staff(db_session, clock, roles=roles, agency=agency)
    return staff_service.actor_for(account)


@pytest.mark.req("CAT-02")
def test_an_item_staff_create_must_cite_the_directory(db_session, clock, client, city):
    """003 §四(二): implementation items come from the basic directory; one citing no code at all is refused as well,
    through the service and the API alike, and nothing is written."""
    county = make_agency(db_session, region_code="511602", level="county")
    editor = _actor(db_session, clock, ["catalog_editor"], county)
    doc = _document(county, "I-0", "")
    with pytest.raises(InvalidInput) as err:
        service.create_item(db_session=db_session, clock=clock, actor=editor, identity=doc.identity, content=doc.content)
    assert err.value.code == "BASIC_CODE_REQUIRED"
    _, token = make_actor(db_session, clock, role="catalog_editor", agency=county)
    db_session.commit()
    refused = client.post("/api/v1/items", headers={"Authorization": f"Bearer {token}"},
                          json={"identity": doc.identity.model_dump(), "content": doc.content.model_dump(mode="json")})
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "BASIC_CODE_REQUIRED"
    assert db_session.scalar(select(func.count(ServiceItem.id))) == 0


@pytest.mark.req("CAT-02")
def test_an_item_citing_a_code_with_no_published_directory_entry_is_refused(db_session, clock, city):
    county = make_agency(db_session, region_code="511602", level="county")
    with pytest.raises(InvalidInput) as err:
        service.upsert_published(db_session=db_session, clock=clock, document=_document(county, "I-1", "NO-SUCH-CODE"), by="测试")
    assert err.value.code == "DIRECTORY_ENTRY_NOT_FOUND"
    editor = _actor(db_session, clock, ["catalog_editor"], county)
    doc = _document(county, "I-2", "NO-SUCH-CODE")
    with pytest.raises(InvalidInput) as err:
        service.create_item(db_session=db_session, clock=clock, actor=editor, identity=doc.identity, content=doc.content)
    assert err.value.code == "DIRECTORY_ENTRY_NOT_FOUND"
    assert db_session.scalar(select(func.count(DirectoryEntry.id))) == 0  # nothing made up from the item

    compiler = _actor(db_session, clock, ["catalog_editor"], city["department"])
    directory.create_entry(db_session=db_session, clock=clock, actor=compiler, entry_in=_entry_in())  # a draft only
    with pytest.raises(InvalidInput) as err:
        service.upsert_published(db_session=db_session, clock=clock, document=_document(county, "I-3", "000105001000"), by="测试")
    assert err.value.code == "DIRECTORY_ENTRY_NOT_PUBLISHED"

    make_directory_entry(db_session, clock, basic_code="510700-ONLY", region_code="510700", level="city")  # 绵阳市's list
    with pytest.raises(InvalidInput) as err:
        service.upsert_published(db_session=db_session, clock=clock, document=_document(county, "I-4", "510700-ONLY"), by="测试")
    assert err.value.code == "DIRECTORY_ENTRY_OUT_OF_REGION"
    assert db_session.scalar(select(func.count(ServiceItem.id))) == 0


@pytest.mark.req("CAT-02")
@pytest.mark.req("CAT-04")
def test_the_lint_compares_even_the_first_implementation_with_the_directory(db_session, clock):
    make_directory_entry(db_session, clock, basic_code="00009", name="食品经营许可", item_type="licensing")
    county = make_agency(db_session, region_code="511602", level="county")
    first = make_item(db_session, clock, agency=county, code="FIRST", basic_code="00009", name="食品经营许可证核发",
                      item_type="confirmation")
    db_session.commit()
    found = [f for f in run_lint(db_session=db_session) if f.code == "REGION_DIVERGENCE"]
    assert [f.item_id for f in found] == [first.id]
    aspects = {d["aspect"]: d for d in found[0].detail["differences"]}
    assert set(aspects) == {"name", "item_type"}
    assert aspects["name"]["directory"] == "食品经营许可" and aspects["name"]["value"] == "食品经营许可证核发"
    assert aspects["item_type"]["directory"] == "行政许可" and aspects["item_type"]["value"] == "行政确认"
    assert "基本目录为“食品经营许可”" in found[0].message


@pytest.mark.req("CAT-02")
def test_compiled_by_the_level_reviewed_and_published_by_its_management_agency_never_by_the_proposer(db_session, clock, city):
    # one account holding both posts in the management agency: it may compile, never approve its own revision
    both = _actor(db_session, clock, ["catalog_editor", "catalog_reviewer"], city["management"])
    revision = directory.create_entry(db_session=db_session, clock=clock, actor=both, entry_in=_entry_in())
    directory.submit(db_session=db_session, clock=clock, actor=both, revision_id=revision.id)
    with pytest.raises(Forbidden) as err:
        directory.approve(db_session=db_session, clock=clock, actor=both, revision_id=revision.id)
    assert err.value.code == "OWN_CHANGE"

    ordinary = _actor(db_session, clock, ["catalog_reviewer"], city["department"])
    mianyang = make_agency(db_session, region_code="510700", level="city", is_management=True)
    other_city = _actor(db_session, clock, ["catalog_reviewer"], mianyang)
    for outsider in (ordinary, other_city):
        with pytest.raises(Forbidden):
            directory.approve(db_session=db_session, clock=clock, actor=outsider, revision_id=revision.id)
    county_editor = _actor(db_session, clock, ["catalog_editor"], make_agency(db_session, region_code="511602", level="county"))
    with pytest.raises(Forbidden) as err:  # the city's list is not compiled by a county
        directory.save_draft(db_session=db_session, clock=clock, actor=county_editor, entry_id=revision.entry_id,
                             elements=EntryElements(name="改名", item_type="licensing", legal_basis=BASIS))
    assert err.value.code == "DIRECTORY_OUT_OF_SCOPE"

    reviewer = _actor(db_session, clock, ["catalog_reviewer"], city["management"])
    directory.approve(db_session=db_session, clock=clock, actor=reviewer, revision_id=revision.id, comment="依据准确")
    directory.publish(db_session=db_session, clock=clock, actor=reviewer, revision_id=revision.id)
    entry = db_session.get(DirectoryEntry, revision.entry_id)
    assert (entry.state, entry.name, entry.region_code, entry.level) == ("published", "食品经营许可（新办）", "511600", "city")


@pytest.mark.req("CAT-02")
def test_directory_edits_keep_a_history_and_implementations_follow_the_published_revision(db_session, clock, city):
    compiler = _actor(db_session, clock, ["catalog_editor"], city["department"])
    reviewer = _actor(db_session, clock, ["catalog_reviewer"], city["management"])

    def through_review(revision):
        directory.submit(db_session=db_session, clock=clock, actor=compiler, revision_id=revision.id)
        directory.approve(db_session=db_session, clock=clock, actor=reviewer, revision_id=revision.id)
        directory.publish(db_session=db_session, clock=clock, actor=reviewer, revision_id=revision.id)

    first = directory.create_entry(db_session=db_session, clock=clock, actor=compiler, entry_in=_entry_in())
    through_review(first)
    county = make_agency(db_session, region_code="511602", level="county")
    item = make_item(db_session, clock, agency=county, code="GAQ-1", basic_code="000105001000")
    assert not [f for f in run_lint(db_session=db_session) if f.code == "REGION_DIVERGENCE"]

    second = directory.save_draft(
        db_session=db_session, clock=clock, actor=compiler, entry_id=first.entry_id,
        elements=EntryElements(name="食品经营许可", item_type="licensing", legal_basis=BASIS, change_note="按新目录更名"),
    )
    returned = directory.submit(db_session=db_session, clock=clock, actor=compiler, revision_id=second.id)
    directory.return_revision(db_session=db_session, clock=clock, actor=reviewer, revision_id=returned.id, reasons="请附更名文件")
    assert db_session.get(DirectoryEntry, first.entry_id).name == "食品经营许可（新办）"  # unpublished edits change nothing
    through_review(second)

    history = directory.history(db_session=db_session, entry_id=first.entry_id)
    assert [(r.number, r.state, r.name) for r in history] == [(2, "published", "食品经营许可"), (1, "superseded", "食品经营许可（新办）")]
    assert history[0].change_note == "按新目录更名" and history[0].published_by == reviewer.name
    found = [f for f in run_lint(db_session=db_session) if f.code == "REGION_DIVERGENCE"]
    assert [f.item_id for f in found] == [item.id]  # the implementation has to follow the directory

    editor = _actor(db_session, clock, ["catalog_editor"], county)
    with pytest.raises(InvalidInput) as err:  # staff can refine an item but not keep or set another name or type
        service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=item.id,
                           content=make_content(level="county", item_type="confirmation", name="食品经营许可"))
    assert err.value.code == "ITEM_DIFFERS_FROM_DIRECTORY"
    service.save_draft(db_session=db_session, clock=clock, actor=editor, item_id=item.id,
                       content=make_content(level="county", name="食品经营许可", promised_limit_days=5))


@pytest.mark.req("CAT-02")
def test_import_a_list_from_a_file_submits_each_entry_and_a_bad_row_writes_nothing(db_session, clock, city):
    compiler = _actor(db_session, clock, ["catalog_editor"], city["department"])
    good = "basic_code,region_code,level,name,item_type,legal_basis\n" \
           "A-1,511600,city,食品经营许可,licensing,《中华人民共和国食品安全法》\n" \
           "A-2,511600,city,就业困难人员认定,public_service,\n"
    report = directory.import_entries(db_session=db_session, clock=clock, actor=compiler, data=good.encode(), filename="list.csv")
    assert report == {"created": 2, "updated": 0, "unchanged": 0}
    states = set(db_session.scalars(select(DirectoryRevision.state)))
    assert states == {"submitted"}  # each waits for the management agency
    bad = json.dumps([{"basic_code": "B-1", "region_code": "511600", "level": "city", "name": "x", "item_type": "licensing"},
                      {"basic_code": "B-2", "region_code": "511602", "level": "county", "name": "y", "item_type": "public_service"}])
    with pytest.raises(InvalidInput) as err:
        directory.import_entries(db_session=db_session, clock=clock, actor=compiler, data=bad.encode(), filename="list.json")
    assert "第 1 行" in err.value.message and "第 2 行" in err.value.message  # no basis; a county compiles no directory
    assert db_session.scalar(select(func.count(DirectoryEntry.id))) == 2


@pytest.mark.req("CAT-02")
def test_twin_the_api_compiles_reviews_publishes_and_lists_the_directory(client, db_session, clock, city):
    _, compiler = make_actor(db_session, clock, role="catalog_editor", agency=city["department"])
    _, reviewer = make_actor(db_session, clock, role="catalog_reviewer", agency=city["management"])
    db_session.commit()
    as_compiler, as_reviewer = {"Authorization": f"Bearer {compiler}"}, {"Authorization": f"Bearer {reviewer}"}
    body = _entry_in().model_dump(mode="json")
    created = client.post("/api/v1/directory", json=body, headers=as_compiler)
    assert created.status_code == 201, created.text
    rid = created.json()["id"]
    assert client.post(f"/api/v1/directory/revisions/{rid}/submit", headers=as_compiler).status_code == 200
    refused = client.post(f"/api/v1/directory/revisions/{rid}/approve", json={}, headers=as_compiler)
    assert refused.status_code == 403
    assert client.post(f"/api/v1/directory/revisions/{rid}/approve", json={"comment": "同意"}, headers=as_reviewer).status_code == 200
    assert client.post(f"/api/v1/directory/revisions/{rid}/publish", headers=as_reviewer).json()["state"] == "published"
    listed = client.get("/api/v1/directory", params={"region_code": "511600"}).json()
    assert [(e["basic_code"], e["state"]) for e in listed["entries"]] == [("000105001000", "published")]
    entry_id = listed["entries"][0]["id"]
    history = client.get(f"/api/v1/directory/{entry_id}/history", headers=as_reviewer).json()
    assert [(r["number"], r["state"], r["reviewed_by"] != "") for r in history] == [(1, "published", True)]
    page = client.get(f"/staff/directory/{entry_id}", headers=as_reviewer)
    assert page.status_code == 200 and "修订历史" in page.text and "食品经营许可（新办）" in page.text
    assert "000105001000" in client.get("/staff/directory", headers=as_compiler).text
    missing = client.post("/api/v1/items", headers=as_compiler, json={
        "identity": {"implementation_code": "X-1", "basic_code": "NOT-LISTED", "agency_code": city["department"].code,
                     "region_code": "511600"},
        "content": make_content(level="city").model_dump(mode="json"),
    })
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "DIRECTORY_ENTRY_NOT_FOUND"


@pytest.mark.req("CAT-02")
def test_entries_taken_over_from_implementation_data_wait_for_review_and_are_flagged(db_session, clock, city):
    entry_in = _entry_in(basic_code="SC-1", region_code="510000", level="province")
    entry, _ = directory.seed_entry(db_session=db_session, clock=clock, entry_in=entry_in, by="导入", reviewed=False)
    county = make_agency(db_session, region_code="511602", level="county")
    item = make_item(db_session, clock, agency=county, code="SC-1-GAQ", basic_code="SC-1")
    findings = [f for f in run_lint(db_session=db_session) if f.code == "DIRECTORY_UNREVIEWED"]
    assert entry.state == "needs_review" and [f.item_id for f in findings] == [item.id]
    province = make_agency(db_session, region_code="510000", level="province", is_management=True)
    reviewer = _actor(db_session, clock, ["catalog_reviewer"], province)
    pending = directory.pending_reviews(db_session=db_session, actor=reviewer)
    assert [e.basic_code for _, e in pending] == ["SC-1"]
    revision = pending[0][0]
    directory.approve(db_session=db_session, clock=clock, actor=reviewer, revision_id=revision.id)
    directory.publish(db_session=db_session, clock=clock, actor=reviewer, revision_id=revision.id)
    assert entry.state == "published"
    assert not [f for f in run_lint(db_session=db_session) if f.code == "DIRECTORY_UNREVIEWED"]


@pytest.mark.req("CAT-02")
def test_migration_turns_each_copied_entry_into_an_entry_of_its_list_waiting_for_review(tmp_path):
    from sqlalchemy import create_engine, text

    from tongban.core.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'before.db'}"
    upgrade(url, "0015")
    engine = create_engine(url)
    now = "2026-11-20 01:30:00.000000"
    with engine.begin() as conn:
        for code, level, parent in (("000000", "national", None), ("510000", "province", "000000"),
                                    ("511600", "city", "510000"), ("511602", "county", "511600")):
            conn.execute(text("INSERT INTO region (code, name, level, parent_code) VALUES (:c, :c, :l, :p)"),
                         {"c": code, "l": level, "p": parent})
        conn.execute(text(
            "INSERT INTO agency (id, code, name, short_name, region_code, level, is_management, address, consult_phone, "
            "complaint_phone, email, hours, website) VALUES (1, 'A1', '广安区民政局', '', '511602', 'county', 0, '', '', '', '', '', '')"))
        conn.execute(text(
            "INSERT INTO directory_entry (id, basic_code, code_scheme, name, item_type, level, legal_basis) "
            "VALUES (7, 'OLD-1', 'tongban', '结婚登记', 'confirmation', 'county', '[]')"))
        conn.execute(text(
            "INSERT INTO service_item (implementation_code, code_scheme, directory_entry_id, agency_id, region_code, relation, "
            "situation, status, status_reason, alternative, name, item_type, level, handling_form, handling_scope, created_at, "
            "updated_at) VALUES ('I-1', 'tongban', 7, 1, '511602', 'main', '', 'active', '', '', '结婚登记', 'confirmation', "
            f"'county', 'both', 'fixed', '{now}', '{now}')"))
    upgrade(url, "0016")
    with engine.connect() as conn:
        entry = conn.execute(text("SELECT region_code, level, state, name FROM directory_entry WHERE id = 7")).one()
        revision = conn.execute(text("SELECT number, state, name, created_by FROM directory_revision WHERE entry_id = 7")).one()
    engine.dispose()
    assert tuple(entry) == ("511600", "city", "needs_review", "结婚登记")  # the city's list: no county directory
    assert tuple(revision) == (1, "submitted", "结婚登记", "系统迁移")


@pytest.mark.req("CAT-02")
def test_twin_the_staff_pages_compile_and_publish_an_entry(client, sms, db_session, clock, city):
    from tests.catalog.test_staff_pages import _login

    csrf = _login(client, sms, db_session, clock, role="catalog_editor", agency=city["department"], phone="13800000211")
    form = {"csrf": csrf, "basic_code": "P-1", "region_code": "511600", "level": "city", "name": "就业困难人员认定",
            "item_type": "confirmation", "legal_basis": ""}
    refused = client.post("/staff/directory/new", data=form)
    assert refused.status_code == 422 and "设定依据" in refused.text  # a power item without basis
    created = client.post("/staff/directory/new", data={**form, "legal_basis": "《中华人民共和国就业促进法》 第五十二条"},
                          follow_redirects=False)
    assert created.status_code == 303
    entry = db_session.scalar(select(DirectoryEntry).where(DirectoryEntry.basic_code == "P-1"))
    revision = directory.open_revision(db_session=db_session, entry_id=entry.id)
    client.post(f"/staff/directory/revisions/{revision.id}/submit", data={"csrf": csrf})
    own = client.post(f"/staff/directory/revisions/{revision.id}/approve", data={"csrf": csrf}, follow_redirects=False)
    assert own.status_code == 403 and "location" not in own.headers  # an error page, not a redirect with a note
    assert "NOT_PERMITTED" in own.text and "没有这项操作的权限" in own.text  # a compiler holds no review post

    csrf = _login(client, sms, db_session, clock, role="catalog_reviewer", agency=city["management"], phone="13800000212")
    page = client.get(f"/staff/directory/{entry.id}")
    assert "审核通过" in page.text and "第五十二条" in page.text
    client.post(f"/staff/directory/revisions/{revision.id}/approve", data={"csrf": csrf})
    client.post(f"/staff/directory/revisions/{revision.id}/publish", data={"csrf": csrf})
    db_session.expire_all()
    assert db_session.get(DirectoryEntry, entry.id).state == "published"
    assert db_session.get(DirectoryEntry, entry.id).legal_basis[0]["article"] == "第五十二条"


@pytest.mark.req("CAT-02")
@pytest.mark.req("ACC-12")
def test_import_refuses_an_importer_outside_the_list_with_403_and_bad_rows_with_422(client, db_session, clock, city):
    mianyang = make_agency(db_session, name="绵阳市市场监督管理局", region_code="510700", level="city")
    _, outsider = make_actor(db_session, clock, role="catalog_editor", agency=mianyang)
    _, compiler = make_actor(db_session, clock, role="catalog_editor", agency=city["department"])
    _, reviewer = make_actor(db_session, clock, role="catalog_reviewer", agency=city["management"])
    db_session.commit()

    def post(token, rows):
        return client.post("/api/v1/directory/import?format=json", content=json.dumps(rows).encode(),
                           headers={"Authorization": f"Bearer {token}"})

    guangan = {"basic_code": "I-1", "region_code": "511600", "level": "city", "name": "就业困难人员认定",
               "item_type": "public_service"}
    own_bad = {"basic_code": "I-2", "region_code": "510700", "level": "city", "name": "x", "item_type": "licensing"}
    refused = post(outsider, [own_bad, guangan])  # a bad row of its own list does not hide the one it may not compile
    assert refused.status_code == 403, refused.text
    error = refused.json()["error"]
    assert error["code"] == "DIRECTORY_OUT_OF_SCOPE" and error["details"] == ["第 2 行：只能编制本级（绵阳市）的基本目录"]
    not_editor = post(reviewer, [guangan])
    assert not_editor.status_code == 403 and not_editor.json()["error"]["code"] == "NOT_AN_EDITOR"
    bad = post(compiler, [guangan, {**guangan, "basic_code": "I-3", "item_type": "licensing"}])
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "IMPORT_INVALID" and "第 2 行" in bad.json()["error"]["message"]
    assert db_session.scalar(select(func.count(DirectoryEntry.id))) == 0
    assert post(compiler, [guangan]).json() == {"created": 1, "updated": 0, "unchanged": 0}


@pytest.mark.req("CAT-02")
@pytest.mark.req("ACC-12")
def test_the_staff_pages_answer_a_refusal_with_a_403_error_page_not_a_redirect(client, sms, db_session, clock, city):
    from tests.catalog.test_staff_pages import _login

    compiler = _actor(db_session, clock, ["catalog_editor"], city["department"])
    revision = directory.create_entry(db_session=db_session, clock=clock, actor=compiler, entry_in=_entry_in())
    directory.submit(db_session=db_session, clock=clock, actor=compiler, revision_id=revision.id)
    mianyang = make_agency(db_session, name="绵阳市政务服务中心", region_code="510700", level="city", is_management=True)
    csrf = _login(client, sms, db_session, clock, role="catalog_editor", agency=mianyang, phone="13800000213")
    tries = {
        "/staff/directory/new": {"data": {"csrf": csrf, "basic_code": "P-2", "region_code": "511600", "level": "city",
                                          "name": "越权", "item_type": "public_service"}},
        f"/staff/directory/{revision.entry_id}/draft": {"data": {"csrf": csrf, "name": "越权", "item_type": "licensing",
                                                                "legal_basis": "《中华人民共和国食品安全法》"}},
        "/staff/directory/import": {"data": {"csrf": csrf}, "files": {"file": (
            "list.csv", "basic_code,region_code,level,name,item_type\nP-3,511600,city,越权,public_service\n".encode(), "text/csv")}},
        f"/staff/directory/revisions/{revision.id}/submit": {"data": {"csrf": csrf}},
    }
    for url, body in tries.items():
        page = client.post(url, follow_redirects=False, **body)
        assert page.status_code == 403 and "location" not in page.headers, (url, page.status_code)
        assert "DIRECTORY_OUT_OF_SCOPE" in page.text and "只能编制本级（绵阳市）的基本目录" in page.text, url
    approve = client.post(f"/staff/directory/revisions/{revision.id}/approve", data={"csrf": csrf}, follow_redirects=False)
    assert approve.status_code == 403 and "NOT_PERMITTED" in approve.text  # a compiler holds no review post
    unknown = client.post(f"/staff/directory/revisions/{revision.id}/delete", data={"csrf": csrf}, follow_redirects=False)
    assert unknown.status_code == 404
    db_session.expire_all()
    assert [(r.state, r.name) for r in directory.history(db_session=db_session, entry_id=revision.entry_id)] == [
        ("submitted", "食品经营许可（新办）")]
    assert db_session.scalar(select(func.count(DirectoryEntry.id))) == 1
