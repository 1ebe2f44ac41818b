"""Help tickets through the service functions: registering, first-ask responsibility, transfer, the 3-working-day
reply clock, guide and assist, closing and the follow-up (CONS-04, 06, 07, 08, 09, 11, 13, 14)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from tests.factories import make_hall
from tongban.core.clock import FixedClock
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound, TooManyRequests
from tongban.helpdesk import closing, directory, handling, service
from tongban.knowledge.models import QuestionLog
from tongban.supervision.enums import WarningLevel


def _open(db_session, clock, desk, **fields):
    values = {"question": "开饭馆要带什么材料？", "channel": "web", "item_id": desk.item.id}
    values.update(fields)
    return service.open_ticket(db_session=db_session, clock=clock, ticket_in=service.TicketIn(**values),
                               person=fields.pop("person", None))


def _at(day: date) -> FixedClock:
    return FixedClock(datetime(day.year, day.month, day.day, 2, 0, tzinfo=timezone.utc))


@pytest.mark.req("CONS-06")
def test_a_request_is_registered_with_its_need_channel_agency_and_a_promised_reply(db_session, clock, desk):
    ticket = _open(db_session, clock, desk, contact_phone="13912345678")
    assert ticket.state == "open" and ticket.channel == "web" and ticket.agency_id == desk.market.id
    assert ticket.number.startswith("ZX261120") and len(ticket.check_code) == 4 and ticket.check_code.isdigit()
    assert ticket.reply_due == date(2026, 11, 25)  # Friday + 3 working days
    logged = db_session.scalars(select(QuestionLog)).all()
    assert [q.source for q in logged] == ["ticket"]
    stored = db_session.connection().exec_driver_sql("SELECT contact_phone, check_code FROM help_ticket").one()
    assert "13912345678" not in stored[0] and stored[0].startswith("sm4g1:") and stored[1].startswith("sm4g1:")


@pytest.mark.req("CONS-06")
@pytest.mark.parametrize("question, code", [("", "QUESTION_REQUIRED"), ("问" * 10_000, "QUESTION_TOO_LONG"),
                                            ("<script>alert(1)</script>", "QUESTION_MARKUP")])
def test_bad_questions_are_refused_in_chinese(db_session, clock, desk, question, code):
    with pytest.raises(InvalidInput) as err:
        _open(db_session, clock, desk, question=question, contact_phone="13912345678")
    assert err.value.code == code


@pytest.mark.req("CONS-06")
def test_anonymous_needs_a_contact_and_only_staff_register_hotline_calls(db_session, clock, desk):
    with pytest.raises(InvalidInput):
        _open(db_session, clock, desk)
    with pytest.raises(Forbidden):
        _open(db_session, clock, desk, channel="hotline", contact_phone="13912345678")
    ticket = service.open_ticket(db_session=db_session, clock=clock, staff=desk.agent, ticket_in=service.TicketIn(
        question="来电咨询开饭馆", channel="hotline", contact_phone="13912345678"))
    assert ticket.registered_by == desk.agent.ref and ticket.channel == "hotline"


@pytest.mark.req("CONS-11")
def test_the_first_staff_member_who_takes_it_owns_it(db_session, clock, desk):
    ticket = _open(db_session, clock, desk, contact_phone="13912345678")
    handling.take(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    with pytest.raises(Conflict) as err:
        handling.take(db_session=db_session, clock=clock, actor=desk.other, ticket_id=ticket.id)
    assert err.value.code == "TICKET_OWNED"
    with pytest.raises(Forbidden):
        handling.reply(db_session=db_session, clock=clock, actor=desk.other, ticket_id=ticket.id, body="答复")
    with pytest.raises(Forbidden):
        handling.take(db_session=db_session, clock=clock, actor=desk.police_agent, ticket_id=ticket.id)
    handling.reply(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, body="请带营业执照。")
    assert ticket.state == "answered" and ticket.owner_staff_id == desk.agent.staff_id


@pytest.mark.req("CONS-07")
@pytest.mark.req("CONS-11")
def test_a_transfer_needs_a_reason_and_moves_responsibility_to_the_other_agency(db_session, clock, desk):
    ticket = _open(db_session, clock, desk, contact_phone="13912345678")
    handling.take(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    with pytest.raises(InvalidInput):
        handling.transfer(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id,
                          agency_id=desk.police.id, reason="")
    handling.transfer(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, agency_id=desk.police.id,
                      reason="属于户籍业务")
    assert ticket.state == "open" and ticket.owner_staff_id is None and ticket.agency_id == desk.police.id
    with pytest.raises(Forbidden):
        service.for_staff(db_session=db_session, actor=desk.agent, ticket_id=ticket.id)
    handling.take(db_session=db_session, clock=clock, actor=desk.police_agent, ticket_id=ticket.id)
    entry = [e for e in service.entries(db_session=db_session, ticket=ticket) if e.kind == "transfer"][0]
    assert entry.body == "属于户籍业务" and entry.data["to_agency"] == desk.police.name


@pytest.mark.req("CONS-04")
@pytest.mark.req("CONS-13")
def test_letters_get_a_reply_within_3_working_days_warned_yellow_then_red(db_session, clock, desk):
    ticket = service.open_ticket(db_session=db_session, clock=clock, staff=desk.agent, ticket_in=service.TicketIn(
        question="来信：咨询食品经营许可", channel="email", contact_email="lgl@example.com"))
    assert ticket.reply_due == date(2026, 11, 25)
    assert service.warning(db_session=db_session, clock=_at(date(2026, 11, 23)), ticket=ticket) is None
    assert service.warning(db_session=db_session, clock=_at(date(2026, 11, 24)), ticket=ticket) is WarningLevel.yellow
    late = _at(date(2026, 11, 26))
    assert service.warning(db_session=db_session, clock=late, ticket=ticket) is WarningLevel.red
    assert [t.id for t in service.queue(db_session=db_session, clock=late, actor=desk.agent, view="overdue")] == [ticket.id]
    assert service.queue(db_session=db_session, clock=clock, actor=desk.agent, view="overdue") == []
    handling.take(db_session=db_session, clock=late, actor=desk.agent, ticket_id=ticket.id)
    handling.reply(db_session=db_session, clock=late, actor=desk.agent, ticket_id=ticket.id, body="完整答复")
    assert service.warning(db_session=db_session, clock=late, ticket=ticket) is None


@pytest.mark.req("CONS-13")
def test_an_e_mail_ticket_needs_the_address(db_session, clock, desk):
    with pytest.raises(InvalidInput) as err:
        service.open_ticket(db_session=db_session, clock=clock, staff=desk.agent, ticket_in=service.TicketIn(
            question="来信", channel="email", contact_phone="13912345678"))
    assert err.value.code == "EMAIL_REQUIRED"


@pytest.mark.req("CONS-08")
def test_guide_link_checklist_and_precheck(db_session, clock, desk):
    ticket = _open(db_session, clock, desk, contact_phone="13912345678")
    with pytest.raises(Conflict):
        handling.send_guide_link(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id,
                                 item_id=desk.item.id, section="materials")
    handling.take(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    handling.send_guide_link(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id,
                             item_id=desk.item.id, section="materials")
    with pytest.raises(InvalidInput):
        handling.send_guide_link(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id,
                                 item_id=desk.item.id, section="nowhere")
    handling.send_checklist(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, item_id=desk.item.id)
    assert ticket.state == "guiding"
    handling.precheck(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id,
                      checks=handling.parse_checks("营业执照 | 合格 |\n食品经营许可申请书 | 需补正 | 经营场所地址与执照不一致"))
    assert ticket.state == "assisting"
    with pytest.raises(InvalidInput):  # a line to fix must say what to fix
        handling.precheck(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id,
                          checks=[handling.Check("申请书", False, "")])
    kinds = {e.kind: e for e in service.entries(db_session=db_session, ticket=ticket)}
    assert kinds["guide_link"].data["url"] == f"/items/{desk.item.id}#materials"
    assert kinds["checklist"].data["materials"] and all(m["name"] for m in kinds["checklist"].data["materials"])
    assert kinds["precheck"].data == {"checks": [{"subject": "营业执照", "ok": True, "fix": ""},
                                                  {"subject": "食品经营许可申请书", "ok": False, "fix": "经营场所地址与执照不一致"}],
                                      "ready": False, "to_fix": 1}


@pytest.mark.req("CONS-09")
def test_closing_then_the_follow_up_job_asks_and_the_answer_is_recorded(db_session, clock, desk):
    ticket = _open(db_session, clock, desk, contact_phone="13912345678")
    handling.take(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    with pytest.raises(Conflict):
        closing.close(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    handling.reply(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, body="请带营业执照。")
    closing.close(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, outcome="pending",
                  expected=date(2026, 12, 1))
    assert ticket.state == "closed" and ticket.follow_up_due == date(2026, 12, 1)
    assert closing.ask_follow_ups(db_session=db_session, clock=clock) == 0
    later = _at(date(2026, 12, 1))
    assert closing.ask_follow_ups(db_session=db_session, clock=later) == 1
    assert closing.ask_follow_ups(db_session=db_session, clock=later) == 0  # asked once
    closing.record_follow_up(db_session=db_session, clock=later, ticket=ticket, answer="needs_more_help",
                             author="person:1", author_name="李桂兰")
    assert ticket.state == "taken" and ticket.owner_staff_id == desk.agent.staff_id  # the same owner serves again
    handling.reply(db_session=db_session, clock=later, actor=desk.agent, ticket_id=ticket.id, body="补充说明")
    closing.close(db_session=db_session, clock=later, actor=desk.agent, ticket_id=ticket.id, outcome="got_result")
    assert ticket.state == "followed_up" and ticket.follow_up_answer == "got_result"
    with pytest.raises(Conflict):  # the loop is closed: nothing more to answer
        closing.record_follow_up(db_session=db_session, clock=later, ticket=ticket, answer="got_result",
                                 author="x", author_name="x")


@pytest.mark.req("CONS-09")
def test_cannot_get_it_needs_an_explanation(db_session, clock, desk):
    ticket = _open(db_session, clock, desk, contact_phone="13912345678")
    handling.take(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id)
    handling.reply(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, body="不符合条件")
    with pytest.raises(InvalidInput):
        closing.close(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, outcome="cannot_get")
    closing.close(db_session=db_session, clock=clock, actor=desk.agent, ticket_id=ticket.id, outcome="cannot_get",
                  note="经营场所不符合要求，已解释")
    assert ticket.state == "followed_up"


def test_the_check_code_reads_the_ticket_and_guesses_are_limited(db_session, clock, desk):
    ticket = _open(db_session, clock, desk, contact_phone="13912345678")
    db_session.commit()
    found = service.look_up(db_session=db_session, clock=clock, number=ticket.number.lower(), code=ticket.check_code,
                            client_ip="1.2.3.4")
    assert found.id == ticket.id
    wrong = f"{(int(ticket.check_code) + 1) % 10_000:04d}"
    for _ in range(service.CODE_PER_TICKET.max):
        with pytest.raises(Forbidden):
            service.look_up(db_session=db_session, clock=clock, number=ticket.number, code=wrong, client_ip="1.2.3.4")
    with pytest.raises(TooManyRequests):
        service.look_up(db_session=db_session, clock=clock, number=ticket.number, code=ticket.check_code,
                        client_ip="5.6.7.8")
    with pytest.raises(NotFound):
        service.look_up(db_session=db_session, clock=clock, number="ZX000",
                        code="0000", client_ip="9.9.9.9")


@pytest.mark.req("CONS-14")
def test_the_service_list_comes_from_halls_and_agencies(db_session, clock, desk):
    hall, _, _ = make_hall(db_session, clock, items=[desk.item], name="广安区政务服务中心")
    places = directory.published_services(db_session=db_session)
    by_name = {p.name: p for p in places}
    assert by_name["广安区政务服务中心"].services == ["consult", "guide", "assist"]
    assert by_name["广安区政务服务中心"].hours and "现场" in by_name["广安区政务服务中心"].channels
    assert by_name[desk.market.name].phone == "0826-2600315" and "电子邮件" in by_name[desk.market.name].channels
    assert desk.police.name in by_name
