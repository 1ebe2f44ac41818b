"""Every HTML form and page of booking, queue and map: garbage input never gives a 5xx, and no POST is accepted
without the CSRF token (APPT-01, MAP-01)."""

from __future__ import annotations

import pytest

from tongban.accounts import sessions
from tongban.appointments import slots
from tests.appointments.conftest import kiosk_cookie
from tests.factories import make_hall, make_person, make_staff


@pytest.mark.req("APPT-01")
@pytest.mark.req("MAP-01")
def test_pages_and_forms_answer_garbage_with_4xx_and_refuse_posts_without_csrf(client, db_session, clock, item, enroll_kiosk):
    hall, group, windows = make_hall(db_session, clock, items=[item])
    _, kiosk_token = enroll_kiosk(hall)
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    person = make_person(db_session, clock)
    account, _ = make_staff(db_session, clock, roles=["admin"], region_code="510000")
    p = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    s = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.update({"tb_session": p.token, "tb_staff": s.token, "tb_csrf": p.csrf_token})
    kiosk_cookie(client, hall, kiosk_token)  # the kiosk forms are tried as the hall's own machine
    csrf = p.csrf_token
    bad = []
    H, G, W = hall.id, group.id, windows[0].id
    gets = ["/halls?lat=nan&lng=1", "/halls?lat=1e400&lng=2", "/halls?kind=" + "x" * 30, "/halls?item=99999999999", "/halls?item=abc",
            f"/halls/{H}/book?day=2026-13-01", f"/halls/{H}/book?group=999999&item=1", f"/halls/{H}/book?item=999999",
            f"/halls/{H}/book?day=9999-12-31&group={G}&item={item.id}", "/halls/99999999999", "/halls/0/screen", f"/halls/{H}/kiosk/tickets/999",
            f"/halls/{H}/kiosk", "/halls/99999/kiosk", f"/staff/halls/{H}/kiosks", "/staff/halls/99999/kiosks",
            "/appointments/99999", "/tickets/2147483647", f"/staff/halls/{H}/calling?window=99999", f"/staff/halls/{H}/calling?window=abc",
            "/staff/halls/99999/calling", "/items/99999/book", "/appointments/home-visit/new?hall=abc",
            "/api/v1/halls/nearest?lat=nan&lng=1", "/api/v1/halls/nearest?lat=1&lng=inf", f"/api/v1/halls/{H}/slots?group_id=0",
            "/api/v1/halls?region=" + "1" * 13]
    for url in gets:
        r = client.get(url)
        if r.status_code >= 500:
            bad.append((url, r.status_code))
    posts = [("/appointments", {"slot_id": "99999", "item_id": "1"}), ("/appointments", {"slot_id": "", "item_id": ""}),
             ("/appointments", {"slot_id": "1", "item_id": "99999999"}), ("/appointments", {"slot_id": "1", "item_id": str(item.id)}),
             ("/appointments", {"slot_id": "1", "item_id": str(item.id)}),
             ("/appointments/99999/cancel", {}), (f"/halls/{H}/ticket", {"group_id": "99999"}), (f"/halls/{H}/ticket", {}),
             (f"/halls/{H}/kiosk/booking", {"id_number": "x" * 40, "id_kind": "zzz"}), (f"/halls/{H}/kiosk/booking", {"id_number": ""}),
             (f"/halls/{H}/kiosk/walk-in", {"group_id": str(G), "phone": "abc"}), (f"/halls/{H}/kiosk/walk-in", {"group_id": "99999"}),
             ("/halls/99999/kiosk/walk-in", {"group_id": str(G)}), (f"/staff/halls/{H}/kiosks", {"name": ""}),
             (f"/staff/halls/{H}/kiosks", {"name": "x" * 200}), ("/staff/halls/99999/kiosks", {"name": "x"}),
             (f"/staff/halls/{H}/kiosks/99999/revoke", {}), ("/staff/halls/99999/kiosks/1/revoke", {}),
             ("/appointments/home-visit/new", {"hall_id": "99999999999"}), ("/appointments/home-visit/new", {"hall_id": str(H), "visitee_name": "张", "visitee_phone": "abc", "address": "xxxxx", "reason": "elderly", "preferred_day": "2026-11-25"}),
             ("/appointments/home-visit/new", {"hall_id": str(H), "item_name": "x", "visitee_name": "张", "visitee_phone": "13800138000", "address": "xxxxx", "reason": "elderly", "preferred_day": "9999-99-99"}),
             (f"/staff/halls/{H}/settings", {"latitude": "nan", "longitude": "inf"}), (f"/staff/halls/{H}/settings", {"code": "x", "name": "y", "level": "county", "region_code": "511602", "latitude": "nan", "longitude": "1"}),
             (f"/staff/halls/{H}/settings", {"code": "x", "name": "y", "level": "county", "region_code": "511602", "agency_id": "99999"}),
             (f"/staff/halls/{H}/settings", {"code": "x", "name": "y", "level": "county", "region_code": "999999"}),
             (f"/staff/halls/{H}/settings", {"code": "x", "name": "y", "level": "county", "region_code": "511602", "slot_minutes": "abc", "days_ahead": "99999999999999999999"}),
             (f"/staff/halls/{H}/sessions", {"sessions": "工作日 24:59-25:00"}), (f"/staff/halls/{H}/sessions", {"sessions": "工作日 23:00-24:00\n工作日 00:00-00:10"}),
             (f"/staff/halls/{H}/groups", {"name": "", "ticket_prefix": "!!"}), (f"/staff/halls/{H}/groups", {"name": "x", "ticket_prefix": "B", "item_ids": ["99999"]}),
             (f"/staff/halls/{H}/groups/99999", {"name": "x", "ticket_prefix": "C"}), (f"/staff/halls/{H}/windows", {"number": "x", "group_id": "x"}),
             (f"/staff/halls/{H}/windows", {"number": "5", "group_id": str(G), "agency_id": "99999"}), (f"/staff/halls/{H}/windows/99999", {"number": "5", "group_id": str(G)}),
             (f"/staff/halls/{H}/windows", {"number": "7", "group_id": str(G), "helps": ["99999"]}),
             ("/staff/halls", {"code": "", "name": ""}), ("/staff/halls", {"code": "NEW1", "name": "x", "kind": "zzz", "level": "county", "region_code": "511602"}),
             ("/staff/windows/99999/call-next", {}), (f"/staff/windows/{W}/call-next", {}), ("/staff/tickets/99999/recall", {}), ("/staff/tickets/99999/handled", {}),
             (f"/staff/halls/{H}/green-channel", {"group_id": str(G), "reason": "zzz"}), (f"/staff/halls/{H}/green-channel", {"group_id": "99999", "reason": "elderly"}),
             (f"/staff/halls/{H}/green-channel", {"group_id": str(G), "reason": "elderly", "phone": "abc"}),
             ("/staff/appointments/99999/refuse", {"reason": "x"}), ("/staff/appointments/1/refuse", {"reason": ""}), ("/staff/appointments/1/force-majeure", {"reason": "x" * 999}),
             ("/staff/home-visits/99999", {"hall_id": str(H), "status": "zzz"}), ("/staff/home-visits/1", {"hall_id": "99999", "status": "done", "day": "bad"})]
    for url, data in posts:
        r = client.post(url, data={"csrf": csrf, **data}, follow_redirects=False)
        if r.status_code >= 500:
            bad.append((url, data, r.status_code, r.text[:300]))
        r2 = client.post(url, data=data, follow_redirects=False)
        if r2.status_code < 400:
            bad.append(("NOCSRF", url, r2.status_code))
    assert not bad, "\n".join(map(str, bad))
