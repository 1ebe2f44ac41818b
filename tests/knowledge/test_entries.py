"""FAQ entries (CONS-03): owners edit, the management agency reviews, the public sees published valid answers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_item
from tests.knowledge.conftest import auth, faq_in, published
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tongban.knowledge import reads, service
from tongban.knowledge.enums import FaqState

pytestmark = pytest.mark.req("CONS-03")


def test_an_editor_of_agency_a_cannot_edit_an_entry_of_agency_b(db_session, clock, desk):
    version = service.create_entry(db_session=db_session, clock=clock, actor=desk.editor_a,
                                   faq_in=faq_in(owner_agency_id=desk.agency_a.id))
    with pytest.raises(Forbidden) as caught:
        service.save_draft(db_session=db_session, clock=clock, actor=desk.editor_b, entry_id=version.entry_id,
                           faq_in=faq_in(answer="改成别的答复"))
    assert caught.value.code == "NOT_YOUR_AGENCY" and "本机构" in caught.value.message
    with pytest.raises(Forbidden):
        service.submit(db_session=db_session, clock=clock, actor=desk.editor_b, version_id=version.id)
    with pytest.raises(Forbidden):  # nor write in agency A's name
        service.create_entry(db_session=db_session, clock=clock, actor=desk.editor_b, faq_in=faq_in(owner_agency_id=desk.agency_a.id))
    with pytest.raises(Forbidden) as caught:  # what is not about an item belongs to the hall's management agency
        service.create_entry(db_session=db_session, clock=clock, actor=desk.editor_a, faq_in=faq_in(question="大厅几点上班？"))
    assert caught.value.code == "NOT_MANAGEMENT_FAQ"
    assert service.get_version(db_session=db_session, version_id=version.id).answer == faq_in().answer


def test_the_api_refuses_another_agencys_editor_in_chinese_and_changes_nothing(client, db_session, clock, desk):
    version = service.create_entry(db_session=db_session, clock=clock, actor=desk.editor_a,
                                   faq_in=faq_in(owner_agency_id=desk.agency_a.id))
    db_session.commit()
    body = faq_in().model_dump(mode="json")
    response = client.put(f"/api/v1/staff/faq/{version.entry_id}", json={**body, "answer": "别人的答复"}, headers=auth(desk.token_b))
    assert response.status_code == 403 and "本机构" in response.json()["error"]["message"]
    mine = client.put(f"/api/v1/staff/faq/{version.entry_id}", json={**body, "answer": "更完整的答复内容"}, headers=auth(desk.token_a))
    assert mine.status_code == 200 and mine.json()["versions"][0]["answer"] == "更完整的答复内容"


def test_review_flow_with_full_history(db_session, clock, desk):
    version = service.create_entry(db_session=db_session, clock=clock, actor=desk.editor_a,
                                   faq_in=faq_in(owner_agency_id=desk.agency_a.id))
    with pytest.raises(Conflict):  # a draft is published only after review
        service.publish(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=version.id)
    service.submit(db_session=db_session, clock=clock, actor=desk.editor_a, version_id=version.id)
    with pytest.raises(Forbidden):  # the agency does not publish its own text
        service.publish(db_session=db_session, clock=clock, actor=desk.editor_a, version_id=version.id)
    with pytest.raises(Conflict):  # nor change it while it is reviewed
        service.save_draft(db_session=db_session, clock=clock, actor=desk.editor_a, entry_id=version.entry_id, faq_in=faq_in())
    with pytest.raises(InvalidInput):
        service.return_version(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=version.id, reasons=" ")
    service.return_version(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=version.id, reasons="请写明办理地点")
    assert version.state == FaqState.returned and version.review_comment == "请写明办理地点"
    service.save_draft(db_session=db_session, clock=clock, actor=desk.editor_a, entry_id=version.entry_id,
                       faq_in=faq_in(answer="到区政务服务中心窗口或网上申请食品经营许可。"))
    service.submit(db_session=db_session, clock=clock, actor=desk.editor_a, version_id=version.id)
    service.publish(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=version.id, comment="同意")
    assert service.get_public(db_session=db_session, clock=clock, entry_id=version.entry_id).number == 1

    clock.advance(days=1)
    second = service.save_draft(db_session=db_session, clock=clock, actor=desk.editor_a, entry_id=version.entry_id,
                                faq_in=faq_in(answer="第二版答复：食品经营许可可全程网办。"))
    assert second.number == 2 and second.state == FaqState.draft
    assert service.get_public(db_session=db_session, clock=clock, entry_id=version.entry_id).number == 1  # the public still reads v1
    service.submit(db_session=db_session, clock=clock, actor=desk.editor_a, version_id=second.id)
    service.publish(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=second.id)
    service.withdraw(db_session=db_session, clock=clock, actor=desk.editor_a, entry_id=version.entry_id, reason="政策调整")
    states = [(v.number, v.state) for v in service.history(db_session=db_session, entry_id=version.entry_id)]
    assert states == [(2, "withdrawn"), (1, "superseded")]
    with pytest.raises(NotFound):
        service.get_public(db_session=db_session, clock=clock, entry_id=version.entry_id)


def test_whoever_wrote_a_management_entry_does_not_publish_it(db_session, clock, desk):
    version = service.create_entry(db_session=db_session, clock=clock, actor=desk.admin,
                                   faq_in=faq_in(question="政务服务大厅几点上班？", region_code="511600"))
    service.submit(db_session=db_session, clock=clock, actor=desk.admin, version_id=version.id)
    with pytest.raises(Forbidden) as caught:
        service.publish(db_session=db_session, clock=clock, actor=desk.admin, version_id=version.id)
    assert caught.value.code == "OWN_CHANGE"
    service.publish(db_session=db_session, clock=clock, actor=desk.reviewer, version_id=version.id)
    assert service.owner_name(db_session=db_session, entry=service.get_entry(db_session=db_session, entry_id=version.entry_id)) == "广安市政务服务中心"


def test_an_expired_entry_is_not_shown_publicly(client, db_session, clock, desk):
    today = clock.today()
    version = published(db_session, clock, desk, valid_until=(today + timedelta(days=1)).isoformat())
    db_session.commit()
    assert client.get(f"/faq/{version.entry_id}").status_code == 200
    assert client.get("/api/v1/faq").json()["total"] == 1
    clock.advance(days=2)
    page = client.get(f"/faq/{version.entry_id}")
    assert page.status_code == 404 and "过期" in page.text
    assert client.get(f"/api/v1/faq/{version.entry_id}").status_code == 404
    assert client.get("/api/v1/faq", params={"q": "开饭馆要办什么证"}).json() == {"items": [], "total": 0}
    assert reads.find_answers(db_session, clock, "开饭馆要办什么证") == []


def test_staff_search_finds_by_variant_wording_and_own_drafts_only(db_session, clock, desk):
    entry = published(db_session, clock, desk).entry_id
    hits = service.search(db_session=db_session, clock=clock, actor=desk.editor_b, q="开个饭店要办哪些证件")
    assert hits and hits[0].entry.id == entry and hits[0].valid
    draft = service.create_entry(db_session=db_session, clock=clock, actor=desk.editor_b,
                                 faq_in=faq_in(owner_agency_id=desk.agency_b.id, question="身份证丢了怎么补办？",
                                               variants=["身份证掉了咋办"], answer="到户籍所在地派出所补领。"))
    mine = service.search(db_session=db_session, clock=clock, actor=desk.editor_b, q="身份证掉了怎么办")
    assert mine and mine[0].entry.id == draft.entry_id and mine[0].version.state == "draft"
    theirs = service.search(db_session=db_session, clock=clock, actor=desk.editor_a, q="身份证掉了怎么办")
    assert draft.entry_id not in {h.entry.id for h in theirs}  # another agency's draft stays with it


def test_find_answers_gives_plain_answers_and_respects_the_items_asked_about(db_session, clock, desk):
    food = make_item(db_session, clock, agency=desk.agency_a)
    other = make_item(db_session, clock, agency=desk.agency_a, name="药品经营许可")
    entry = published(db_session, clock, desk, item_ids=[food.id]).entry_id
    answers = reads.find_answers(db_session, clock, "开餐馆需要哪些手续")
    assert [a.entry_id for a in answers] == [entry]
    first = answers[0]
    assert first.url == f"/faq/{entry}" and 0 < first.score <= 1 and "食品经营许可" in first.answer
    assert reads.find_answers(db_session, clock, "开餐馆需要哪些手续", item_ids=[food.id])[0].score >= first.score
    assert reads.find_answers(db_session, clock, "开餐馆需要哪些手续", item_ids=[other.id]) == []
    assert reads.find_answers(db_session, clock, "今天天气怎么样") == []
    with pytest.raises(InvalidInput):
        reads.find_answers(db_session, clock, "   ")


def test_public_pages_and_json(client, db_session, clock, desk):
    entry = published(db_session, clock, desk).entry_id
    db_session.commit()
    found = client.get("/api/v1/faq", params={"q": "开饭店要办哪些证"}).json()
    assert found["total"] == 1 and found["items"][0]["url"] == f"/faq/{entry}" and found["items"][0]["score"] > 0.5
    page = client.get("/faq", params={"q": "开餐馆需要什么手续"})
    assert page.status_code == 200 and "开饭馆要办什么证？" in page.text
    assert "食品经营许可" in client.get(f"/faq/{entry}").text


@pytest.mark.parametrize("path, params", [
    ("/api/v1/faq", {"q": "问" * 201}), ("/api/v1/faq/abc", {}), ("/api/v1/faq", {"limit": 0}), ("/faq/0", {}),
])
def test_bad_public_input_gets_a_chinese_4xx(client, path, params):
    response = client.get(path, params=params)
    assert 400 <= response.status_code < 500
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.text)


def test_bad_staff_input_gets_a_chinese_4xx_and_changes_nothing(client, db_session, clock, desk):
    db_session.commit()
    for body in ({"question": "", "answer": "答复内容"}, {"question": "问题是什么", "answer": "答复", "valid_from": "2026-12-01",
                                                          "valid_until": "2026-01-01"},
                 {"question": "<script>alert(1)</script>", "answer": "答复内容", "item_ids": [999999]}):
        response = client.post("/api/v1/staff/faq", json={**body, "owner_agency_id": desk.agency_a.id}, headers=auth(desk.token_a))
        assert response.status_code == 422, response.text
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["error"]["message"])
    assert client.get("/api/v1/staff/faq/999999", headers=auth(desk.token_a)).status_code == 404
    assert client.get("/api/v1/staff/faq", params={"q": ""}, headers=auth(desk.token_a)).status_code == 422
    assert client.post("/api/v1/staff/faq", json={"question": "问题是什么", "answer": "答复内容"}).status_code == 401
    assert client.get("/api/v1/faq").json()["total"] == 0


def test_staff_pages_write_submit_and_review(client, db_session, clock, desk):
    db_session.commit()
    client.cookies.set("tb_csrf", "t" * 32)
    form = {"csrf": "t" * 32, "question": "开饭馆要办什么证？", "answer": "依法取得食品经营许可。",
            "variants": "开餐馆需要什么手续\n开饭店要办哪些证", "item_ids": "", "owner_agency_id": str(desk.agency_a.id)}
    created = client.post("/staff/faq", data=form, headers=auth(desk.token_a), follow_redirects=False)
    assert created.status_code == 303, created.text
    entry_path = created.headers["location"].split("?")[0]
    version_id = client.get(entry_path.replace("/staff/faq", "/api/v1/staff/faq"), headers=auth(desk.token_a)).json()["versions"][0]["id"]
    assert client.post(f"/staff/faq/versions/{version_id}/submit", data={"csrf": "t" * 32}, headers=auth(desk.token_a),
                       follow_redirects=False).status_code == 303
    assert client.post(f"/staff/faq/versions/{version_id}/publish", data={"csrf": "t" * 32}, headers=auth(desk.token_b),
                       follow_redirects=False).status_code == 403
    page = client.get(entry_path, headers=auth(desk.token_reviewer))
    assert page.status_code == 200 and "审核通过并发布" in page.text
    assert client.post(f"/staff/faq/versions/{version_id}/publish", data={"csrf": "t" * 32}, headers=auth(desk.token_reviewer),
                       follow_redirects=False).status_code == 303
    assert client.get("/api/v1/faq").json()["total"] == 1
    bad = client.post("/staff/faq", data={**form, "question": ""}, headers=auth(desk.token_a))
    assert bad.status_code == 422 and "问题" in bad.text
    listing = client.get("/staff/faq", params={"q": "开饭店要办哪些证"}, headers=auth(desk.token_a))
    assert listing.status_code == 200 and "开饭馆要办什么证？" in listing.text


def test_demo_entries_are_published_once(db_session, clock):
    from tongban.knowledge import demo

    line = demo.seed_demo(db_session=db_session, clock=clock)
    assert line and "常见问题 2 条" in line  # without the demo catalog only the hall's own entries
    assert demo.seed_demo(db_session=db_session, clock=clock) is None
    assert reads.find_answers(db_session, clock, "周六能去政务大厅办事吗")[0].question == "政务服务大厅几点上班？周末开门吗？"
