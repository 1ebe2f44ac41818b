"""Ticket machines are devices that hall staff enroll: only an enrolled machine of the hall looks bookings up by ID
document or prints tickets, on its pages and over the API; anyone else is refused with a Chinese message, and
nobody can probe citizens' ID numbers or flood the queue from home (APPT-09)."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tongban.accounts import sessions, staff
from tongban.appointments import bookings, kiosks, queue, slots
from tongban.appointments.models import KioskDevice, QueueTicket
from tongban.core.models import AuditEntry
from tongban.core.errors import Forbidden, InvalidInput, NotFound
from tests.factories import make_actor, make_agency, make_hall, make_person, make_staff


def _staff(db_session, clock, **kw):
    account, _ = make_staff(db_session, clock, **kw)
    return staff.actor_for(account)


def _csrf(page) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def _book_today(db_session, clock, hall, item, actor):
    """Book the first slot (from tomorrow, as the rules require), then move the clock to that day, 08:50."""
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    slot = slots.list_slots(db_session=db_session, clock=clock, hall=hall)[0]
    row = bookings.book(db_session=db_session, clock=clock, actor=actor, slot_id=slot.id, item_id=item.id)
    db_session.commit()
    clock.set(datetime(slot.day.year, slot.day.month, slot.day.day, 0, 50, tzinfo=timezone.utc))
    return row


# --- service -------------------------------------------------------------------------------------

@pytest.mark.req("APPT-09")
def test_enrolled_machine_authenticates_and_its_token_is_stored_only_as_a_hash(db_session, clock, hall_setup):
    hall, _, _ = hall_setup
    actor = _staff(db_session, clock, roles=["consultant"], region_code="511602")
    new = kiosks.enroll(db_session=db_session, clock=clock, actor=actor, hall=hall, name="  一楼   东侧取号机 ")
    db_session.commit()
    assert new.token.startswith("tbk_") and len(new.token) > 40
    row = db_session.get(KioskDevice, new.device.id)
    assert row.name == "一楼 东侧取号机" and row.enrolled_by == actor.staff_id and row.revoked_at is None
    stored = [str(getattr(row, c.key)) for c in KioskDevice.__table__.columns]
    assert all(new.token not in value for value in stored) and row.token_hash != new.token
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.action == "kiosk.enroll")) is not None

    found = kiosks.authenticate(db_session=db_session, clock=clock, hall_id=hall.id, token=new.token)
    assert found.id == row.id and found.last_seen_at == clock.now()
    first_seen = found.last_seen_at
    clock.advance(seconds=20)
    kiosks.authenticate(db_session=db_session, clock=clock, hall_id=hall.id, token=new.token)
    assert found.last_seen_at == first_seen  # no write on every request
    clock.advance(minutes=2)
    kiosks.authenticate(db_session=db_session, clock=clock, hall_id=hall.id, token=new.token)
    assert found.last_seen_at == clock.now()
    assert [d.id for d in kiosks.list_devices(db_session=db_session, actor=actor, hall=hall)] == [row.id]


@pytest.mark.req("APPT-09")
def test_revoked_unknown_and_other_halls_machines_are_refused(db_session, clock, hall_setup, enroll_kiosk):
    hall, _, _ = hall_setup
    other, _, _ = make_hall(db_session, clock, items=[])
    device, token = enroll_kiosk(hall)
    _, other_token = enroll_kiosk(other)
    for wrong in (None, "", "   ", "tbk_guess", other_token, token + "x", "x" * 5000):
        with pytest.raises(Forbidden) as err:
            kiosks.authenticate(db_session=db_session, clock=clock, hall_id=hall.id, token=wrong)
        assert err.value.code == "KIOSK_NOT_ENROLLED" and "请联系大厅工作人员登记" in err.value.message
    actor = _staff(db_session, clock, roles=["admin"], region_code="510000")
    kiosks.revoke(db_session=db_session, clock=clock, actor=actor, hall=hall, device_id=device.id)
    again = kiosks.revoke(db_session=db_session, clock=clock, actor=actor, hall=hall, device_id=device.id)
    assert again.revoked_by == actor.staff_id
    db_session.commit()
    with pytest.raises(Forbidden) as err:
        kiosks.authenticate(db_session=db_session, clock=clock, hall_id=hall.id, token=token)
    assert err.value.code == "KIOSK_REVOKED" and "撤销" in err.value.message
    with pytest.raises(NotFound):  # a machine of another hall is not revoked through this one
        kiosks.revoke(db_session=db_session, clock=clock, actor=actor, hall=hall, device_id=device.id + 1)


@pytest.mark.req("APPT-09")
def test_only_the_halls_own_staff_enroll_and_revoke_machines(db_session, clock):
    managing, other_agency = make_agency(db_session, region_code="511602", level="county"), make_agency(db_session, region_code="511602", level="county")
    hall, _, _ = make_hall(db_session, clock, items=[], agency_id=managing.id)
    allowed = [_staff(db_session, clock, roles=["consultant"], region_code="511602"),  # the region's hall staff
               _staff(db_session, clock, roles=["acceptor"], agency=managing),  # the managing agency's window staff
               _staff(db_session, clock, roles=["admin"], region_code="510000")]  # the province's hall administrator
    for actor in allowed:
        kiosks.enroll(db_session=db_session, clock=clock, actor=actor, hall=hall, name="取号机")
    refused = [_staff(db_session, clock, roles=["consultant"], region_code="511621"),  # another county
               _staff(db_session, clock, roles=["acceptor"], agency=other_agency),  # another department
               _staff(db_session, clock, roles=["advisor"], region_code="511602")]  # no hall duties
    for actor in refused:
        with pytest.raises(Forbidden):
            kiosks.enroll(db_session=db_session, clock=clock, actor=actor, hall=hall, name="取号机")
        with pytest.raises(Forbidden):
            kiosks.list_devices(db_session=db_session, actor=actor, hall=hall)
        with pytest.raises(Forbidden):
            kiosks.revoke(db_session=db_session, clock=clock, actor=actor, hall=hall, device_id=1)
    with pytest.raises(InvalidInput) as err:
        kiosks.enroll(db_session=db_session, clock=clock, actor=allowed[0], hall=hall, name="   ")
    assert err.value.code == "KIOSK_NAME_REQUIRED"


# --- pages ---------------------------------------------------------------------------------------

@pytest.mark.req("APPT-09")
def test_a_browser_that_is_not_a_machine_sees_a_notice_and_cannot_probe_id_numbers_or_take_tickets(
        client, db_session, clock, hall_setup, item, person, actor):
    hall, group, _ = hall_setup
    row = _book_today(db_session, clock, hall, item, actor)
    page = client.get(f"/halls/{hall.id}/kiosk")
    assert page.status_code == 200 and "本机尚未登记为取号机" in page.text and 'action="/halls/{}/kiosk/booking"'.format(hall.id) not in page.text
    csrf = _csrf(client.get(f"/halls/{hall.id}/book"))  # any page's form token: the probe is refused all the same
    probe = client.post(f"/halls/{hall.id}/kiosk/booking", data={"csrf": csrf, "id_number": person.id_number, "id_kind": "resident_id"})
    assert probe.status_code == 403 and "本机未登记为本场所的取号机" in probe.text
    assert "您预约的是" not in probe.text and "没有查到您今天" not in probe.text  # nothing told about the person
    walk = client.post(f"/halls/{hall.id}/kiosk/walk-in", data={"csrf": csrf, "group_id": group.id})
    assert walk.status_code == 403 and "本机尚未登记为取号机" in walk.text and 'action="/halls/{}/kiosk/walk-in"'.format(hall.id) not in walk.text
    db_session.expire_all()
    assert db_session.scalar(select(QueueTicket.id)) is None and bookings.get(db_session=db_session, appointment_id=row.id).status == "booked"
    ticket = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group.id)
    db_session.commit()
    slip = client.get(f"/halls/{hall.id}/kiosk/tickets/{ticket.id}")
    assert slip.status_code == 403 and ticket.number not in slip.text


def _signed_in_staff(client, db_session, clock, **kw):
    account, _ = make_staff(db_session, clock, **kw)
    signed = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.update({"tb_staff": signed.token, "tb_csrf": signed.csrf_token})
    return account, signed


def _code(page) -> str:
    return re.search(r'id="pairing-code">([0-9 ]+)<', page.text).group(1)


@pytest.mark.req("APPT-09")
def test_staff_enroll_a_machine_with_a_one_time_code_and_stay_signed_in(client, db_session, clock, hall_setup, item, actor):
    hall, group, _ = hall_setup
    _book_today(db_session, clock, hall, item, actor)
    account, signed = _signed_in_staff(client, db_session, clock, roles=["consultant"], region_code="511602")
    listing = client.get(f"/staff/halls/{hall.id}/kiosks")
    assert listing.status_code == 200 and "尚未登记取号机" in listing.text
    assert f'href="/staff/halls/{hall.id}/kiosks"' in client.get(f"/staff/halls/{hall.id}").text
    empty = client.post(f"/staff/halls/{hall.id}/kiosks", data={"csrf": signed.csrf_token, "name": ""})
    assert empty.status_code == 422 and "请填写取号机名称" in empty.text

    made = client.post(f"/staff/halls/{hall.id}/kiosks", data={"csrf": signed.csrf_token, "name": "东侧取号机"}, follow_redirects=False)
    assert made.status_code == 200 and "tb_kiosk" not in made.headers.get("set-cookie", "")
    code = _code(made)
    assert "待在取号机上输入登记码" in made.text
    assert client.get("/staff/halls", follow_redirects=False).status_code == 200  # the staff browser stays signed in

    machine = TestClient(client.app, raise_server_exceptions=False)  # the machine in the hall: nobody signed in
    notice = machine.get(f"/halls/{hall.id}/kiosk")
    assert "本机尚未登记为取号机" in notice.text and 'action="/halls/{}/kiosk/walk-in"'.format(hall.id) not in notice.text
    csrf = _csrf(notice)
    wrong = machine.post(f"/halls/{hall.id}/kiosk/enroll", data={"csrf": csrf, "code": "0000 0000"})
    assert wrong.status_code == 422 and "登记码不正确或已过期" in wrong.text
    done = machine.post(f"/halls/{hall.id}/kiosk/enroll", data={"csrf": csrf, "code": code}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/halls/{hall.id}/kiosk?enrolled=1"
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("tb_kiosk="))
    assert f"Path=/halls/{hall.id}/kiosk" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Max-Age=34560000" in cookie and "Secure" not in cookie  # plain-HTTP test server
    token = cookie.split(";")[0].split("=", 1)[1]
    assert db_session.scalar(select(KioskDevice.token_hash)) != token
    again = TestClient(client.app, raise_server_exceptions=False)
    reused = again.post(f"/halls/{hall.id}/kiosk/enroll", data={"csrf": _csrf(again.get(f"/halls/{hall.id}/kiosk")), "code": code})
    assert reused.status_code == 422  # a code works once

    page = machine.get(done.headers["location"])
    assert page.status_code == 200 and "本机已登记为取号机“东侧取号机”" in page.text and "调取预约并取号" in page.text
    csrf = _csrf(page)
    found = machine.post(f"/halls/{hall.id}/kiosk/booking", data={"csrf": csrf, "id_number": actor_id_number(db_session, actor),
                                                                  "id_kind": "resident_id"})
    assert found.status_code == 200 and "A001" in found.text and "预约号" in found.text
    walk = machine.post(f"/halls/{hall.id}/kiosk/walk-in", data={"csrf": csrf, "group_id": group.id}, follow_redirects=False)
    assert walk.status_code == 303 and "A002" in machine.get(walk.headers["location"]).text
    assert "使用中" in client.get(f"/staff/halls/{hall.id}/kiosks").text

    device_id = db_session.scalar(select(KioskDevice.id))
    revoked = client.post(f"/staff/halls/{hall.id}/kiosks/{device_id}/revoke", data={"csrf": signed.csrf_token})
    assert revoked.status_code == 200 and "已撤销该取号机的登记" in revoked.text
    after = machine.post(f"/halls/{hall.id}/kiosk/walk-in", data={"csrf": csrf, "group_id": group.id})
    assert after.status_code == 403 and "取号机登记已被撤销" in after.text


@pytest.mark.req("APPT-09")
def test_a_code_expires_belongs_to_its_hall_and_wrong_codes_are_limited(db_session, clock, hall_setup):
    from tongban.core.errors import TooManyRequests

    hall, _, _ = hall_setup
    other, _, _ = make_hall(db_session, clock, items=[])
    actor = _staff(db_session, clock, roles=["consultant"], region_code="511602")
    late = kiosks.start_pairing(db_session=db_session, clock=clock, actor=actor, hall=hall, name="取号机")
    db_session.commit()
    with pytest.raises(InvalidInput):  # another hall's page does not take it
        kiosks.pair(db_session=db_session, clock=clock, hall=other, code=late.code, client_ip="10.0.0.9")
    clock.advance(minutes=16)
    with pytest.raises(InvalidInput) as err:
        kiosks.pair(db_session=db_session, clock=clock, hall=hall, code=late.code, client_ip="10.0.0.9")
    assert err.value.code == "KIOSK_CODE_WRONG"
    fresh = kiosks.start_pairing(db_session=db_session, clock=clock, actor=actor, hall=hall, name="取号机")
    db_session.commit()
    for n in range(9):  # with the expired one, ten wrong codes from one address in this quarter-hour
        with pytest.raises(InvalidInput):
            kiosks.pair(db_session=db_session, clock=clock, hall=hall, code=f"{n:08d}", client_ip="10.0.0.9")
    with pytest.raises(TooManyRequests) as err:  # now even the right code waits: guessing is over
        kiosks.pair(db_session=db_session, clock=clock, hall=hall, code=fresh.code, client_ip="10.0.0.9")
    assert err.value.code == "KIOSK_CODE_TOO_MANY"
    paired = kiosks.pair(db_session=db_session, clock=clock, hall=hall, code=fresh.code, client_ip="10.0.0.10")
    assert kiosks.authenticate(db_session=db_session, clock=clock, hall_id=hall.id, token=paired.token).id == fresh.device.id


@pytest.mark.req("APPT-09")
def test_a_machine_shows_only_the_slips_it_printed_just_now(client, db_session, clock, hall_setup, enroll_kiosk):
    from tests.appointments.conftest import kiosk_cookie

    hall, group, _ = hall_setup
    first, first_token = enroll_kiosk(hall, "一号机")
    _, second_token = enroll_kiosk(hall, "二号机")
    printed = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group.id, kiosk_id=first.id)
    online = queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group.id)
    db_session.commit()
    kiosk_cookie(client, hall, second_token)
    assert client.get(f"/halls/{hall.id}/kiosk/tickets/{printed.id}").status_code == 404  # another machine of the hall
    assert client.get(f"/halls/{hall.id}/kiosk/tickets/{online.id}").status_code == 404
    client.cookies.clear()
    kiosk_cookie(client, hall, first_token)
    assert printed.number in client.get(f"/halls/{hall.id}/kiosk/tickets/{printed.id}").text
    clock.advance(minutes=11)  # the next person at this machine cannot page back through earlier slips
    assert client.get(f"/halls/{hall.id}/kiosk/tickets/{printed.id}").status_code == 404


@pytest.mark.req("APPT-09")
def test_each_machine_has_its_own_rate_limit_on_pages_and_api_and_misses_count(client, db_session, clock, hall_setup, enroll_kiosk):
    from tests.appointments.conftest import kiosk_cookie

    hall, group, _ = hall_setup
    _, token = enroll_kiosk(hall, "一号机")
    _, other_token = enroll_kiosk(hall, "二号机")
    url = f"/api/v1/halls/{hall.id}/kiosk"
    headers = {"X-Kiosk-Token": token}
    stranger = {"id_kind": "resident_id", "id_number": make_person(db_session, clock).id_number}
    db_session.commit()
    answers = [client.post(f"{url}/booking-ticket", json=stranger, headers=headers).status_code for _ in range(kiosks.PER_MINUTE.max)]
    assert set(answers) == {404}  # probing ID numbers: every miss counts
    over = client.post(f"{url}/walk-in-ticket", json={"group_id": group.id}, headers=headers)
    assert over.status_code == 429 and over.json()["error"]["code"] == "KIOSK_TOO_FAST" and "稍候" in over.json()["error"]["message"]
    kiosk_cookie(client, hall, token)
    page = client.get(f"/halls/{hall.id}/kiosk")
    refused = client.post(f"/halls/{hall.id}/kiosk/walk-in", data={"csrf": _csrf(page), "group_id": group.id})
    assert refused.status_code == 429 and "本机操作过于频繁" in refused.text
    assert client.post(f"{url}/walk-in-ticket", json={"group_id": group.id}, headers={"X-Kiosk-Token": other_token}).status_code == 201
    clock.advance(minutes=1)
    assert client.post(f"{url}/walk-in-ticket", json={"group_id": group.id}, headers=headers).status_code == 201


def actor_id_number(db_session, actor) -> str:
    from tongban.accounts import persons

    return persons.get(db_session=db_session, person_id=actor.person_id).id_number


@pytest.mark.req("APPT-09")
def test_enrollment_cookie_is_secure_over_https(client, db_session, clock, hall_setup):
    hall, _, _ = hall_setup
    pairing = kiosks.start_pairing(db_session=db_session, clock=clock, actor=_staff(db_session, clock, roles=["consultant"],
                                                                                     region_code="511602"), hall=hall, name="取号机")
    db_session.commit()
    csrf = _csrf(client.get(f"https://testserver/halls/{hall.id}/kiosk"))
    done = client.post(f"https://testserver/halls/{hall.id}/kiosk/enroll", data={"csrf": csrf, "code": pairing.code},
                       follow_redirects=False)
    assert done.status_code == 303
    cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith("tb_kiosk="))
    assert "Secure" in cookie


@pytest.mark.req("APPT-09")
def test_other_staff_cannot_open_a_halls_machines_page(client, db_session, clock, hall_setup):
    hall, _, _ = hall_setup
    account, _ = make_staff(db_session, clock, roles=["consultant"], region_code="511621")
    signed = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.update({"tb_staff": signed.token, "tb_csrf": signed.csrf_token})
    assert client.get(f"/staff/halls/{hall.id}/kiosks").status_code == 403
    refused = client.post(f"/staff/halls/{hall.id}/kiosks", data={"csrf": signed.csrf_token, "name": "取号机"}, follow_redirects=False)
    assert refused.status_code == 403 and "tb_kiosk" not in refused.headers.get("set-cookie", "")
    assert db_session.scalar(select(KioskDevice.id)) is None


# --- API -----------------------------------------------------------------------------------------

@pytest.mark.req("APPT-09")
def test_kiosk_api_needs_the_machines_token_and_staff_enroll_over_the_api(client, db_session, clock, hall_setup, item, person, actor):
    hall, group, _ = hall_setup
    other, _, _ = make_hall(db_session, clock, items=[])
    _book_today(db_session, clock, hall, item, actor)
    _, staff_token = make_actor(db_session, clock, role="consultant", region_code="511602")
    db_session.commit()
    lookup = {"id_kind": "resident_id", "id_number": person.id_number}
    url = f"/api/v1/halls/{hall.id}/kiosk"
    anonymous = client.post(f"{url}/booking-ticket", json=lookup)
    assert anonymous.status_code == 403
    assert anonymous.json() == {"error": {"code": "KIOSK_NOT_ENROLLED", "message": "本机未登记为本场所的取号机，请联系大厅工作人员登记"}}
    assert client.post(f"{url}/walk-in-ticket", json={"group_id": group.id}).status_code == 403

    staff_headers = {"Authorization": f"Bearer {staff_token}"}
    enrolled = client.post(f"/api/v1/staff/halls/{hall.id}/kiosks", json={"name": "自助机 1"}, headers=staff_headers)
    assert enrolled.status_code == 201
    token = enrolled.json()["token"]
    device = enrolled.json()["device"]
    assert device["name"] == "自助机 1" and device["active"] is True
    elsewhere = client.post(f"/api/v1/staff/halls/{other.id}/kiosks", json={"name": "别处"}, headers=staff_headers).json()["token"]
    listed = client.get(f"/api/v1/staff/halls/{hall.id}/kiosks", headers=staff_headers)
    assert listed.status_code == 200 and [d["id"] for d in listed.json()] == [device["id"]] and token not in listed.text
    assert client.get(f"/api/v1/halls/{hall.id}/kiosks").status_code in (404, 405)  # no public listing

    assert client.post(f"{url}/booking-ticket", json=lookup, headers={"X-Kiosk-Token": elsewhere}).status_code == 403
    ticket = client.post(f"{url}/booking-ticket", json=lookup, headers={"X-Kiosk-Token": token})
    assert ticket.status_code == 201 and ticket.json()["source"] == "booking"
    walk = client.post(f"{url}/walk-in-ticket", json={"group_id": group.id}, headers={"X-Kiosk-Token": token})
    assert walk.status_code == 201 and walk.json()["number"] == "A002"

    revoked = client.post(f"/api/v1/staff/halls/{hall.id}/kiosks/{device['id']}/revoke", headers=staff_headers)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    after = client.post(f"{url}/walk-in-ticket", json={"group_id": group.id}, headers={"X-Kiosk-Token": token})
    assert after.status_code == 403 and after.json()["error"]["code"] == "KIOSK_REVOKED"
    outsider = make_actor(db_session, clock, role="consultant", region_code="511621")[1]
    db_session.commit()
    refused = client.post(f"/api/v1/staff/halls/{hall.id}/kiosks", json={"name": "x"}, headers={"Authorization": f"Bearer {outsider}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "OUT_OF_SCOPE"
    assert client.post(f"/api/v1/staff/halls/{hall.id}/kiosks", json={"name": "x"}).status_code == 401
