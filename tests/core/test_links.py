"""Content carries only http(s) links and site paths: the schema refuses others, the guide never renders one (issue 25 §4)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import text

import tongban
from tests.factories import content_dict, make_actor, make_agency, make_item
from tongban.catalog.exchange import import_items
from tongban.catalog.models import Agency, ItemVersion, content_digest
from tongban.catalog.schemas import ItemContent
from tongban.core.errors import InvalidInput
from tongban.core.links import is_web_link
from tongban.publications.schemas import PublicationIn

UNSAFE = [
    "javascript:alert(document.domain)", "JavaScript:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox", "//evil.example/x",
    "/\\evil.example", "http:/no-host", "https://", "ftp://files.example/", "mailto:a@b.cn",
]
SAFE = ["https://www.sczwfw.gov.cn/jiq/front/item/bszn?areaCode=511602000000&itemCode=1", "http://zwfw.ga.gov.cn/",
        "HTTPS://WWW.GOV.CN/", "/items/12", "/static/xq.jpg"]


@pytest.mark.req("GUIDE-01")
@pytest.mark.parametrize("url", UNSAFE)
def test_an_item_refuses_a_link_that_is_not_http(url):
    with pytest.raises(ValidationError) as caught:
        ItemContent.model_validate(content_dict(online_url=url))
    assert "http://" in str(caught.value)
    assert not is_web_link(url)


@pytest.mark.parametrize("url", SAFE)
def test_web_links_and_site_paths_are_accepted(url):
    assert ItemContent.model_validate(content_dict(online_url=url)).online_url == url
    assert PublicationIn(kind="policy", title="t", issued_on="2019-04-26", source_url=url).source_url == url


@pytest.mark.req("GUIDE-01")
def test_every_schema_that_carries_a_link_uses_the_one_rule():
    from tongban.appointments.schemas import PhotoIn
    from tongban.catalog.exchange import AgencyRecord

    with pytest.raises(ValidationError):
        PublicationIn(kind="policy", title="t", issued_on="2019-04-26", source_url="javascript:alert(1)")
    with pytest.raises(ValidationError):
        PhotoIn(url="/\\evil.example")
    with pytest.raises(ValidationError):
        AgencyRecord(code="A1", name="机构", region_code="511600", level="city", website="javascript:alert(1)")


@pytest.mark.req("GUIDE-01")
def test_an_editor_cannot_save_a_javascript_link_and_the_guide_shows_only_web_links(client, db_session, clock):
    """Issue 25 §4: `javascript:alert(document.domain)` in online_url became a link on the public guide once approved."""
    agency = make_agency(db_session)
    item = make_item(db_session, clock, agency=agency, online_url="https://www.sczwfw.gov.cn/")
    _, editor = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    db_session.commit()
    refused = client.put(f"/api/v1/items/{item.id}/draft", headers={"Authorization": f"Bearer {editor}"},
                         json={"content": content_dict(level=agency.level, online_url="javascript:alert(document.domain)")})
    assert refused.status_code == 422
    assert "online_url" in refused.json()["error"]["message"] and "http" in refused.json()["error"]["message"]
    assert 'href="https://www.sczwfw.gov.cn/"' in client.get(f"/items/{item.id}").text


def test_the_guide_template_refuses_a_link_that_reaches_it_anyway(app):
    """Defence in depth: content read without validation (a bug, a hand-edited row) still renders no script link."""
    guide = Path(tongban.__file__).parent / "guide" / "templates" / "guide" / "guide.html"
    assert "c.online_url is web_link" in guide.read_text(encoding="utf-8")
    template = app.state.templates.from_string('{% if u is web_link %}<a href="{{ u }}">go</a>{% endif %}')
    assert template.render(u="javascript:alert(document.domain)") == ""
    assert template.render(u="https://www.gov.cn/") == '<a href="https://www.gov.cn/">go</a>'


def _migration_0017():
    path = Path(tongban.__file__).parent / "migrations" / "versions" / "0017_safe_links_and_hot_search_visitors.py"
    spec = importlib.util.spec_from_file_location("migration_0017", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_0017_empties_unsafe_links_already_stored(db_session, clock):
    agency = make_agency(db_session, website="https://www.ga.gov.cn/")
    item = make_item(db_session, clock, agency=agency, online_url="https://www.sczwfw.gov.cn/")
    kept = make_item(db_session, clock, agency=agency, online_url="/items/1")
    db_session.commit()
    version = db_session.get(ItemVersion, item.live_version_id)
    bad = {**version.content, "online_url": "javascript:alert(document.domain)"}
    db_session.execute(text("UPDATE item_version SET content = :c WHERE id = :i"), {"c": json.dumps(bad), "i": version.id})
    db_session.execute(text("UPDATE agency SET website = 'javascript:alert(1)' WHERE id = :i"), {"i": agency.id})
    db_session.commit()

    _migration_0017()._drop_unsafe_links(db_session.connection())
    db_session.commit()
    db_session.expire_all()
    version = db_session.get(ItemVersion, item.live_version_id)
    assert version.content["online_url"] == "" and version.content_sha256 == content_digest(version.content)
    assert ItemContent.model_validate(version.content).name == bad["name"]
    assert db_session.get(ItemVersion, kept.live_version_id).content["online_url"] == "/items/1"
    assert db_session.get(Agency, agency.id).website == ""


@pytest.mark.req("CAT-14")
def test_an_import_refuses_unsafe_links(db_session, clock):
    agency = make_agency(db_session)
    db_session.commit()
    body = {"format": "tongban-catalog", "version": 1, "attachments": [],
            "agencies": [{"code": "NEW-1", "name": "新机构", "region_code": "511600", "level": "city", "website": "javascript:x"}],
            "items": [{"identity": {"implementation_code": "LINK-1", "agency_code": agency.code, "region_code": agency.region_code},
                       "content": content_dict(online_url="javascript:alert(document.domain)")}]}
    with pytest.raises(InvalidInput) as caught:
        import_items(db_session=db_session, clock=clock, data=json.dumps(body).encode(), fmt="json", by="导入测试")
    details = "\n".join(caught.value.details)
    assert "网上办理地址 online_url" in details and "网站 website" in details
