"""The public list (BND-01), the questions one per screen with back and change, and the plan page (BND-03 … 06), and
the API that answers the same from the same service functions."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tongban.bundles import presenters
from tongban.bundles.planning import make_plan


@pytest.mark.req("BND-01")
def test_the_public_list_names_items_and_agencies_on_the_page_and_in_the_api(world, client):
    body = client.get("/api/v1/bundles").json()
    assert body["total"] == 1 and len(body["bundles"]) == 1
    bundle = body["bundles"][0]
    assert bundle["name"] == "新生儿出生一件事" and bundle["lead_agency"]["name"] == "广安区卫生健康局"
    assert [i["name"] for i in bundle["items"]][:3] == ["出生医学证明首次签发", "预防接种证办理", "出生登记"]
    assert {i["role"] for i in bundle["items"]} == {"required", "situational"}
    page = client.get("/bundles")
    assert page.status_code == 200 and "新生儿出生一件事" in page.text and "广安区卫生健康局" in page.text
    assert "社会保障卡申领" in page.text
    assert client.get("/api/v1/bundles?audience=org").json() == {"bundles": [], "total": 0}
    detail = client.get(f"/api/v1/bundles/{world.bundle_id}").json()
    assert detail["start"] == "local" and len(detail["questions"]) == 3


def _radio_names(html: str) -> set[str]:
    return set(re.findall(r'type="radio" name="([a-z_]+)"', html))


@pytest.mark.req("BND-03")
def test_one_question_per_screen_with_back_and_change(world, client):
    base = f"/bundles/{world.bundle_id}"
    start = client.get(base)
    assert start.status_code == 200 and "开始回答" in start.text
    first = client.get(f"{base}?go=1")
    assert _radio_names(first.text) == {"local"} and "新生儿在广安区落户吗？" in first.text
    second = client.get(f"{base}?local=yes")
    assert _radio_names(second.text) == {"insure"}
    assert 'type="hidden" name="local" value="yes"' in second.text  # the answers so far travel with the form
    back = re.search(r'href="([^"]+)" id="bundle-back"', second.text).group(1)
    assert _radio_names(client.get(back.replace("&amp;", "&")).text) == {"local"}
    third = client.get(f"{base}?local=yes&insure=yes")
    change = re.search(r'href="([^"]+)" id="change-local"', third.text).group(1).replace("&amp;", "&")
    again = client.get(change)
    assert _radio_names(again.text) == {"local"} and 'value="yes" required checked' in again.text
    done = client.get(f"{base}?local=yes&insure=yes&card=no", follow_redirects=False)
    assert done.status_code == 303
    location = urlsplit(done.headers["location"])
    assert location.path == f"{base}/plan" and dict(parse_qsl(location.query)) == {"local": "yes", "insure": "yes", "card": "no"}


@pytest.mark.req("BND-04")
@pytest.mark.req("BND-05")
@pytest.mark.req("BND-06")
def test_the_plan_page_shows_items_why_merged_materials_the_picture_and_the_limit(world, client):
    page = client.get(f"/bundles/{world.bundle_id}/plan?local=yes&insure=yes&card=yes")
    assert page.status_code == 200
    text = page.text
    assert 'id="plan-limit">20 个工作日' in text
    assert "您选择申领社会保障卡" in text and "必办事项" in text
    assert "同一电子证照类型（出生医学证明）" in text and "经本一件事梳理确认为同一份材料" in text
    assert text.count('<li class="bundles-material">') == 7  # seven merged materials
    assert "<svg" in text and "第4步" in text
    apply = re.search(r'href="([^"]+)" id="plan-apply"|id="plan-apply"[^>]*href="([^"]+)"', text)
    href = (apply.group(1) or apply.group(2)).replace("&amp;", "&")
    assert urlsplit(href).path == f"/bundles/{world.bundle_id}/apply"
    assert dict(parse_qsl(urlsplit(href).query)) == {"local": "yes", "insure": "yes", "card": "yes"}
    assert 'id="change-card"' in text


@pytest.mark.req("BND-03")
def test_bad_answers_get_a_chinese_page_and_api_error(world, client):
    page = client.get(f"/bundles/{world.bundle_id}/plan?local=maybe&insure=no")
    assert page.status_code == 422 and "不在选项中" in page.text
    flow_page = client.get(f"/bundles/{world.bundle_id}?local=yes&card=yes")
    assert flow_page.status_code == 422 and "不需要回答问题“同时申领社会保障卡吗？”" in flow_page.text
    api = client.post(f"/api/v1/bundles/{world.bundle_id}/plan", json={"answers": {"local": "yes"}})
    assert api.status_code == 422 and api.json()["error"]["code"] == "BUNDLE_ANSWERS_INCOMPLETE"
    assert client.get("/bundles/9999").status_code == 404


@pytest.mark.req("BND-03")
def test_the_api_plan_is_the_service_plan(world, client, db_session, clock):
    answers = {"local": "no", "insure": "yes", "card": "no"}
    body = client.post(f"/api/v1/bundles/{world.bundle_id}/plan", json={"answers": answers}).json()
    expected = presenters.plan_view(db_session, make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id,
                                                          answers=answers))
    assert body == expected
    assert body["overall_limit_days"] == 5 + 8 and [i["code"] for i in body["items"]] == ["T-CERT", "T-VACC", "T-INSURE"]
    nxt = client.post(f"/api/v1/bundles/{world.bundle_id}/next", json={"answers": {"local": "no"}}).json()
    assert nxt["complete"] is False and nxt["question"]["id"] == "insure"
