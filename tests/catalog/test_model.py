"""Catalog model: item types, directory vs implementation lists, hierarchy, materials, regions, tags."""

import pytest
from pydantic import ValidationError

from tests.factories import content_dict, make_actor, make_agency, make_content, make_directory_entry, make_item
from tongban.catalog import regions, service
from tongban.catalog.enums import ItemType
from tongban.catalog.models import DirectoryEntry
from tongban.catalog.schemas import ItemIdentity
from tongban.core.errors import Conflict, InvalidInput


@pytest.mark.req("CAT-01")
def test_seven_item_types_with_gbt39046_codes_and_shared_powers_refused(db_session, clock):
    assert {t.gbt_code for t in ItemType} == {"01", "05", "07", "08", "09", "10", "20"}
    assert ItemType.licensing.label == "行政许可" and ItemType.public_service.nature == "public_service"
    with pytest.raises(ValidationError):
        make_content(item_type="punishment")  # 行政处罚 is not an on-application service item
    agency = make_agency(db_session)
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    for name in ("政府信息公开申请", "信访事项办理", "行政复议申请"):
        with pytest.raises(InvalidInput) as err:
            service.create_item(
                db_session=db_session, clock=clock, actor=editor, content=make_content(name=name),
                identity=ItemIdentity(implementation_code=name, agency_code=agency.code, region_code=agency.region_code),
            )
        assert err.value.code == "NOT_A_SERVICE_ITEM"


@pytest.mark.req("CAT-02")
def test_directory_entry_is_refined_by_implementations_of_each_agency(client, db_session, clock):
    city = make_agency(db_session, region_code="511600", level="city")
    county = make_agency(db_session, region_code="511602", level="county")
    make_directory_entry(db_session, clock, basic_code="000105001000", region_code="510000", level="province")
    a = make_item(db_session, clock, agency=city, code="IMPL-CITY", basic_code="000105001000")
    b = make_item(db_session, clock, agency=county, code="IMPL-COUNTY", basic_code="000105001000", promised_limit_days=5)
    db_session.commit()
    entries = db_session.query(DirectoryEntry).all()
    assert len(entries) == 1 and entries[0].name == "食品经营许可（新办）" and entries[0].item_type == "licensing"
    assert entries[0].legal_basis[0]["title"] == "《中华人民共和国食品安全法》"
    assert a.directory_entry_id == b.directory_entry_id == entries[0].id
    body = client.get(f"/api/v1/items/{b.id}").json()
    assert body["basic_code"] == "000105001000" and body["implementation_code"] == "IMPL-COUNTY"
    assert body["content"]["promised_limit_days"] == 5  # the implementation refines the entry


@pytest.mark.req("CAT-03")
def test_parent_sub_item_and_variant_hierarchy(client, db_session, clock):
    agency = make_agency(db_session)
    parent = make_item(db_session, clock, agency=agency, code="P-1", name="居民身份证办理")
    make_item(db_session, clock, agency=agency, code="P-1-1", name="居民身份证换领", parent_code="P-1", relation="sub")
    from tongban.catalog.schemas import ItemDocument

    variant = ItemDocument(
        identity=ItemIdentity(implementation_code="P-1-2", agency_code=agency.code, region_code=agency.region_code,
                              parent_code="P-1", relation="variant", situation="户籍在外省的居民"),
        content=make_content(name="居民身份证异地换领", level="city"),
    )
    service.upsert_published(db_session=db_session, clock=clock, document=variant, by="测试")
    db_session.commit()
    children = client.get(f"/api/v1/items/{parent.id}").json()["children"]
    assert [(c["name"], c["relation"]) for c in children] == [("居民身份证换领", "sub"), ("居民身份证异地换领", "variant")]
    assert children[1]["situation"] == "户籍在外省的居民"
    html = client.get(f"/items/{parent.id}").text
    assert "请选择您的情形" in html and "户籍在外省的居民" in html
    with pytest.raises(InvalidInput):
        orphan = ItemDocument(
            identity=ItemIdentity(implementation_code="P-9", agency_code=agency.code, region_code=agency.region_code, relation="sub"),
            content=make_content(level="city"),
        )
        service.upsert_published(db_session=db_session, clock=clock, document=orphan, by="测试")


@pytest.mark.req("CAT-06")
def test_material_elements_and_necessity(db_session, clock, client):
    material = {
        "key": "m9", "name": "房屋租赁合同", "forms": ["original", "copy", "electronic"], "necessity": "conditional",
        "condition": "经营场所为租赁的", "source": "申请人自备", "original_count": 1, "copy_count": 2, "paper_size": "A4",
        "e_copy_required": True, "e_form": False, "acceptance_standard": "租期不少于一年", "notes": "需双方签字",
        "basis": ["b1"],
    }
    item = make_item(db_session, clock, materials=[*content_dict()["materials"], material])
    db_session.commit()
    got = client.get(f"/api/v1/items/{item.id}").json()["content"]["materials"][-1]
    assert got == {**material, "sample_sha256": None, "template_sha256": None, "exemptions": [], "licence_type": ""}
    with pytest.raises(ValidationError, match="适用情形"):
        make_content(materials=[{**material, "condition": ""}])
    with pytest.raises(ValidationError, match="不存在的设定依据"):
        make_content(materials=[{**material, "basis": ["b7"]}])
    html = client.get(f"/items/{item.id}").text
    assert "经营场所为租赁的" in html and "复印件 2 份" in html and "租期不少于一年" in html


@pytest.mark.req("CAT-07")
def test_process_steps_have_actor_review_points_time_and_a_flow_picture(client, db_session, clock):
    item = make_item(db_session, clock)
    db_session.commit()
    svg = client.get(f"/api/v1/items/{item.id}/flow.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    for text in ("受理", "受理人", "审查", "审查人", "材料是否齐全", "5个工作日"):
        assert text in svg.text, text


@pytest.mark.req("CAT-08")
def test_regions_from_gbt2260_levels_and_agencies_per_region(client, db_session, clock):
    assert regions.get_region(db_session=db_session, code="511602").name == "广安区"
    assert [r.name for r in regions.region_path(db_session=db_session, code="511602")] == ["四川省", "广安市", "广安区"]
    assert regions.get_region(db_session=db_session, code="510000").level == "province"
    assert regions.get_region(db_session=db_session, code="000000").level == "national"
    town = regions.add_region(db_session=db_session, code="511602001", name="浓洄街道", parent_code="511602")
    village = regions.add_region(db_session=db_session, code="511602001001", name="某某社区", parent_code=town.code)
    assert (town.level, village.level) == ("township", "village")
    with pytest.raises(InvalidInput):
        regions.add_region(db_session=db_session, code="511603001", name="错误", parent_code="511602")
    with pytest.raises(Conflict):
        regions.add_region(db_session=db_session, code="511602001", name="重复", parent_code="511602")
    agency = make_agency(db_session, region_code=town.code, level="township", name="浓洄街道便民服务中心")
    db_session.commit()
    listed = client.get("/api/v1/agencies?region_code=511602001").json()["agencies"]
    assert [a["name"] for a in listed] == ["浓洄街道便民服务中心"] and listed[0]["code"] == agency.code
    assert {"code": "511600", "name": "广安市", "level": "city"} in client.get("/api/v1/regions?parent=510000").json()["regions"]


@pytest.mark.req("CAT-10")
def test_life_stage_and_attribute_tags(client, db_session, clock):
    make_item(db_session, clock, name="施工许可", life_stages=["construction_permit"], tags=["tolerant_acceptance", "instant_approval"])
    db_session.commit()
    assert [i["name"] for i in client.get("/api/v1/items?life_stage=construction_permit").json()["items"]] == ["施工许可"]
    assert client.get("/api/v1/items?tag=instant_approval").json()["total"] == 1
    taxonomy = client.get("/api/v1/taxonomy").json()
    assert taxonomy["life_stages"]["person"]["birth_household"] == "出生与户籍"
    assert taxonomy["life_stages"]["project"]["construction_permit"] == "施工许可"
    assert taxonomy["tags"]["proactive_benefit"] == "免申即享"
    assert "生育收养" in taxonomy["themes"]["person"].values() and "法人注销" in taxonomy["themes"]["org"].values()
    with pytest.raises(ValidationError, match="未知的事项标签"):
        make_content(tags=["made_up"])


@pytest.mark.req("CAT-13")
def test_review_rules_posts_time_and_methods(client, db_session, clock):
    rules = {"posts": [{"post": "acceptor", "time_limit_days": 1, "method": "书面审查"},
                       {"post": "reviewer", "time_limit_days": 3, "method": "实地核查"},
                       {"post": "decider", "time_limit_days": 1, "method": "审批"}],
             "methods": ["书面审查", "实地核查"], "on_the_spot": False}
    item = make_item(db_session, clock, review_rules=rules)
    db_session.commit()
    assert client.get(f"/api/v1/items/{item.id}").json()["content"]["review_rules"] == rules
    html = client.get(f"/items/{item.id}").text
    assert "审查工作细则" in html and "实地核查" in html and "决定人" in html
    with pytest.raises(ValidationError):
        make_content(review_rules={"posts": [{"post": "janitor", "time_limit_days": 1}]})


@pytest.mark.req("CAT-08")
def test_townships_added_through_the_api_by_management_staff_only(client, db_session, clock):
    agency = make_agency(db_session)
    _, editor = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    _, reviewer = make_actor(db_session, clock, role="catalog_reviewer")
    db_session.commit()
    body = {"code": "511602002", "name": "北辰街道", "parent_code": "511602"}
    assert client.post("/api/v1/regions", json=body, headers={"Authorization": f"Bearer {editor}"}).status_code == 403
    created = client.post("/api/v1/regions", json=body, headers={"Authorization": f"Bearer {reviewer}"})
    assert created.status_code == 201 and created.json()["level"] == "township"
    bad = client.post("/api/v1/regions", json={**body, "code": "51160"}, headers={"Authorization": f"Bearer {reviewer}"})
    assert bad.status_code == 422 and bad.json()["error"]["message"]
