"""Bundle submission and handling through the HTTP API and the pages (BND-07): the same services behind both."""

from __future__ import annotations

import base64
import re

import pytest
from sqlalchemy import func, select

from tests.bundles import submission_fixtures as fx
from tests.factories import make_staff
from tests.signin import auth, person_headers, sign_in_person, sign_in_staff
from tongban.bundles.models import BundleCase
from tongban.bundles.planning import make_plan
from tongban.cases.models import Case


def _body(plan, **overrides) -> dict:
    body = {"answers": dict(plan.answers), "form": fx.form_values(plan),
            "files": [{"material_key": u.material_key, "filename": u.filename,
                       "content_base64": base64.b64encode(u.data).decode()} for u in fx.uploads(plan)]}
    body.update(overrides)
    return body


def _count(db_session, column) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count(column))) or 0


@pytest.mark.req("BND-07")
def test_the_api_files_a_bundle_once_and_the_lead_window_accepts_it(client, db_session, clock, world):
    person = fx.person(db_session, clock)
    lead = fx.Posts(db_session, clock, world.health)
    police = fx.Posts(db_session, clock, world.police)
    plan = make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id, answers=fx.ANSWERS)
    headers = {**person_headers(db_session, clock, person), "Idempotency-Key": "api-bundle-key-01"}
    created = client.post(f"/api/v1/bundles/{world.bundle_id}/cases", json=_body(plan), headers=headers)
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    assert [p["item_name"] for p in created.json()["parts"]] == ["出生医学证明首次签发", "预防接种证办理", "出生登记"]
    again = client.post(f"/api/v1/bundles/{world.bundle_id}/cases", json=_body(plan), headers=headers)
    assert again.status_code == 201 and again.json()["number"] == number
    assert _count(db_session, BundleCase.id) == 1 and _count(db_session, Case.id) == 3
    mine = client.get("/api/v1/bundles/cases/mine", headers={"Authorization": headers["Authorization"]})
    assert [b["number"] for b in mine.json()["bundle_cases"]] == [number]
    bundle_case_id = created.json()["id"]
    refused = client.post(f"/api/v1/staff/bundle-cases/{bundle_case_id}/accept", headers=auth(police.acceptor_token))
    assert refused.status_code in (403, 404)
    accepted = client.post(f"/api/v1/staff/bundle-cases/{bundle_case_id}/accept", headers=auth(lead.acceptor_token))
    assert accepted.status_code == 200, accepted.text
    states = {p["item_code"]: p["state"] for p in accepted.json()["parts"]}
    assert states == {"T-CERT": "accepted", "T-VACC": "accepted", "T-HUKOU": "submitted"}
    queue = client.get("/api/v1/staff/bundle-cases?state=accepted", headers=auth(lead.acceptor_token))
    assert [b["number"] for b in queue.json()["bundle_cases"]] == [number]


@pytest.mark.req("BND-07")
def test_bad_bundle_input_gets_a_chinese_message_and_writes_nothing(client, db_session, clock, world):
    person = fx.person(db_session, clock)
    plan = make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id, answers=fx.ANSWERS)
    headers = {**person_headers(db_session, clock, person), "Idempotency-Key": "api-bundle-bad-01"}
    url = f"/api/v1/bundles/{world.bundle_id}/cases"
    no_files = client.post(url, json=_body(plan, files=[]), headers=headers)
    assert no_files.status_code == 422 and "还缺少以下材料" in no_files.json()["error"]["message"]
    bad_answer = client.post(url, json=_body(plan, answers={"local": "maybe"}), headers=headers)
    assert bad_answer.status_code == 422 and re.search(r"[\u4e00-\u9fff]", bad_answer.json()["error"]["message"])
    world.items["T-HUKOU"].status = "stopped"
    db_session.commit()
    withdrawn = client.post(url, json=_body(plan), headers=headers)
    assert withdrawn.status_code == 422 and "出生登记" in withdrawn.json()["error"]["message"]
    assert _count(db_session, BundleCase.id) == 0 and _count(db_session, Case.id) == 0


@pytest.mark.req("BND-07")
def test_a_person_gets_404_for_another_persons_bundle_case(client, db_session, clock, world):
    owner, stranger = fx.person(db_session, clock), fx.person(db_session, clock, name="李四")
    row = fx.submit(db_session, clock, world, owner)
    db_session.commit()
    number = row.number
    api = client.get(f"/api/v1/bundles/cases/{number}", headers=person_headers(db_session, clock, stranger))
    assert api.status_code == 404
    take = client.post(f"/api/v1/bundles/cases/{number}/take", headers=person_headers(db_session, clock, stranger))
    assert take.status_code == 404
    sign_in_person(client, db_session, clock, stranger)
    assert client.get(f"/bundles/cases/{number}").status_code == 404
    sign_in_person(client, db_session, clock, owner)
    page = client.get(f"/bundles/cases/{number}")
    assert page.status_code == 200 and "出生登记" in page.text and "广安市公安局广安区分局" in page.text


@pytest.mark.req("BND-07")
def test_the_pages_apply_with_one_merged_form_and_the_lead_window_accepts(client, db_session, clock, world):
    person = fx.person(db_session, clock, phone="13912345678")
    plan = make_plan(db_session=db_session, clock=clock, bundle_id=world.bundle_id, answers=fx.ANSWERS)
    csrf = sign_in_person(client, db_session, clock, person)
    page = client.get(f"/bundles/{world.bundle_id}/apply?local=yes&insure=no")
    assert page.status_code == 200, page.text
    assert page.text.count("父母双方居民身份证") == 1  # a shared material is asked for once …
    assert len(re.findall(r'name="file_m1"', page.text)) == 1
    assert "用于：出生医学证明首次签发、出生登记" in page.text  # … for the items that need it
    assert 'value="13912345678"' in page.text  # pre-filled from the account
    key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    data = {"csrf": csrf, "key": key, "a_local": "yes", "a_insure": "no", "delivery_method": "online_download",
            **{f"f_{k}": v for k, v in fx.form_values(plan).items()}}
    uploads = {f"file_{u.material_key}": (u.filename, u.data, "application/pdf") for u in fx.uploads(plan)}
    missing = client.post(f"/bundles/{world.bundle_id}/apply", data=data, files={}, follow_redirects=False)
    assert missing.status_code == 422 and "还缺少以下材料" in missing.text
    assert _count(db_session, BundleCase.id) == 0
    done = client.post(f"/bundles/{world.bundle_id}/apply", data=data, files=uploads, follow_redirects=False)
    assert done.status_code == 303, done.text
    case_page = client.get(done.headers["location"])
    assert "提交成功" in case_page.text and "预防接种证办理" in case_page.text
    number = re.search(r'id="bundle-number">([^<]+)<', case_page.text).group(1)
    lead, _ = make_staff(db_session, clock, roles=["acceptor"], agency=world.health)
    staff_csrf = sign_in_staff(client, db_session, clock, lead.id)
    row = db_session.scalar(select(BundleCase).where(BundleCase.number == number))
    detail = client.get(f"/staff/bundle-cases/{row.id}")
    assert detail.status_code == 200 and "统一受理" in detail.text
    accepted = client.post(f"/staff/bundle-cases/{row.id}/accept", data={"csrf": staff_csrf}, follow_redirects=False)
    assert accepted.status_code == 303
    db_session.expire_all()
    assert db_session.get(BundleCase, row.id).state == "accepted"
    assert number in client.get("/staff/bundle-cases?tab=accepted").text
    assert number not in client.get("/staff/bundle-cases?tab=submitted").text


@pytest.mark.req("BND-07")
def test_the_api_gives_the_merged_form_pre_filled_with_each_shared_material_once(client, db_session, clock, world):
    person = fx.person(db_session, clock, phone="13912340000")
    headers = person_headers(db_session, clock, person)
    form = client.get(f"/api/v1/bundles/{world.bundle_id}/application?local=yes&insure=no", headers=headers)
    assert form.status_code == 200, form.text
    body = form.json()
    assert [i["code"] for i in body["items"]] == ["T-CERT", "T-VACC", "T-HUKOU"]
    shared = [m for m in body["materials"] if m["name"] == "父母双方居民身份证"]
    assert len(shared) == 1 and shared[0]["items"] == ["出生医学证明首次签发", "出生登记"]
    assert body["prefill"]["phone"] == "13912340000"
    assert {d["value"] for d in body["delivery_methods"]} == {"online_download", "window_pickup"}
    wrong = client.get(f"/api/v1/bundles/{world.bundle_id}/application?local=perhaps", headers=headers)
    assert wrong.status_code == 422 and re.search(r"[\u4e00-\u9fff]", wrong.json()["error"]["message"])


@pytest.mark.req("BND-07")
def test_withdrawing_a_bundle_through_the_page_and_the_api_agree(client, db_session, clock, world):
    person = fx.person(db_session, clock)
    by_api, by_page = fx.submit(db_session, clock, world, person), fx.submit(db_session, clock, world, person)
    headers = person_headers(db_session, clock, person)
    response = client.post(f"/api/v1/bundles/cases/{by_api.number}/withdraw", json={"reason": "不办了"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "withdrawn"
    assert {p["state"] for p in response.json()["parts"]} == {"withdrawn"}
    twice = client.post(f"/api/v1/bundles/cases/{by_api.number}/withdraw", json={}, headers=headers)
    assert twice.status_code == 409 and "不能撤回" in twice.json()["error"]["message"]
    too_long = client.post(f"/api/v1/bundles/cases/{by_page.number}/withdraw", json={"reason": "长" * 501}, headers=headers)
    assert too_long.status_code == 422

    csrf = sign_in_person(client, db_session, clock, person)
    page = client.get(f"/bundles/cases/{by_page.number}")
    assert "撤回这件事" in page.text
    done = client.post(f"/bundles/cases/{by_page.number}/withdraw", data={"csrf": csrf, "reason": "不办了"},
                       follow_redirects=True)
    assert done.status_code == 200 and "已撤回尚未作出决定的事项" in done.text
    assert 'data-state="withdrawn"' in done.text and "撤回这件事" not in done.text
    refused = client.post(f"/bundles/cases/{by_page.number}/withdraw", data={"csrf": csrf})
    assert refused.status_code == 409 and "不能撤回" in refused.text
