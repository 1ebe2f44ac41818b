"""The service map, booking and queue over HTTP: pages and API, wrong input (Chinese message, 4xx) and access
(MAP-01…04; APPT-01, APPT-05, APPT-09, APPT-10, APPT-11, APPT-12)."""

from __future__ import annotations

import re

import pytest

from tongban.accounts import sessions
from tongban.appointments import queue, slots
from tongban.appointments.map import haversine_km
from tests.appointments.conftest import kiosk_cookie
from tests.factories import make_actor, make_hall, make_item, make_person


def sign_in(client, db_session, clock, person) -> str:
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    db_session.commit()
    client.cookies.clear()
    client.cookies.update({"tb_session": new.token, "tb_csrf": new.csrf_token})
    return new.csrf_token


@pytest.fixture
def world(db_session, clock, item):
    hall, group, windows = make_hall(db_session, clock, items=[item], saturday=True, name="广安区政务服务中心", latitude=30.4739, longitude=106.6360,
                                     directions="乘坐1路公交到区政务中心站", photos=[{"url": "/static/hall.jpg", "caption": "办事大厅"}])
    far, _, _ = make_hall(db_session, clock, items=[], name="邻水县政务服务中心", latitude=30.3344, longitude=106.9300)
    terminal, _, _ = make_hall(db_session, clock, items=[], windows=0, kind="terminal", name="24小时自助终端",
                               latitude=30.4570, longitude=106.6340, bookable=False)
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    db_session.commit()
    return {"hall": hall, "group": group, "windows": windows, "far": far, "terminal": terminal, "item": item}


# No MAP-01 tag: hall ratings do not exist yet, and this test asserts that none is shown (issue 19 §6).
def test_halls_points_and_terminals_with_address_items_hours_rating_and_live_queue(client, world, db_session, clock):
    hall, group = world["hall"], world["group"]
    queue.walk_in(db_session=db_session, clock=clock, hall=hall, group_id=group.id)
    db_session.commit()
    body = client.get("/api/v1/halls").json()
    rows = {h["name"]: h for h in body["halls"]}
    main = rows["广安区政务服务中心"]
    assert main["address"] == "广安市广安区渠江北路2号" and main["waiting"] == 1
    assert [i["name"] for i in main["items"]] == ["食品经营许可（新办）"]
    assert main["hours"][0] == "工作日 09:00–12:00、13:30–17:30" and main["rating"] is None and main["rating_label"] == "暂无评价"
    assert rows["24小时自助终端"]["kind_label"] == "24小时自助终端"
    page = client.get("/halls")
    assert page.status_code == 200 and "广安区政务服务中心" in page.text and "暂无评价" in page.text
    assert 'data-waiting="%d">1<' % hall.id in page.text
    terminals = client.get("/api/v1/halls?kind=terminal").json()["halls"]
    assert [h["name"] for h in terminals] == ["24小时自助终端"]
    svg = client.get("/halls/map")
    assert svg.status_code == 200 and svg.text.count("<circle") == 3 and f'href="/halls/{hall.id}"' in svg.text


@pytest.mark.req("MAP-02")
def test_nearest_hall_by_haversine_with_directions_and_photos(client, world):
    assert round(haversine_km(39.9042, 116.4074, 31.2304, 121.4737)) == 1067  # Beijing – Shanghai, great circle
    near = client.get("/api/v1/halls/nearest?lat=30.4740&lng=106.6361&limit=3").json()["halls"]
    assert [h["name"] for h in near] == ["广安区政务服务中心", "24小时自助终端", "邻水县政务服务中心"]
    assert near[0]["distance_km"] < 3 < near[2]["distance_km"]
    detail = client.get(f"/halls/{world['hall'].id}")
    assert "乘坐1路公交到区政务中心站" in detail.text and 'src="/static/hall.jpg"' in detail.text and "办事大厅" in detail.text
    page = client.get("/halls?lat=30.3344&lng=106.93")
    assert page.text.index("邻水县政务服务中心") < page.text.index("广安区政务服务中心") and "公里" in page.text
    bad = client.get("/api/v1/halls/nearest?lat=100&lng=106")
    assert bad.status_code == 422 and re.search(r"[\u4e00-\u9fff]", bad.json()["error"]["message"])


@pytest.mark.req("MAP-03")
def test_the_directory_lists_phone_email_fax_address_and_hours(client, world):
    rows = {r["name"]: r for r in client.get("/api/v1/halls/directory").json()}
    main = rows["广安区政务服务中心"]
    assert (main["phone"], main["email"], main["fax"]) == ("0826-2223456", "zwfw@example.gov.cn", "0826-2223457")
    assert main["address"] and "周六 09:00–12:00（周末不打烊）" in main["hours"]
    page = client.get("/halls/directory")
    assert all(x in page.text for x in ("0826-2223457", "zwfw@example.gov.cn", "传真", "周末不打烊"))


@pytest.mark.req("MAP-04")
def test_each_hall_links_to_booking_and_pre_review(client, world):
    hall, item = world["hall"], world["item"]
    detail = client.get(f"/halls/{hall.id}").text
    assert f'href="/halls/{hall.id}/book?group={world["group"].id}&amp;item={item.id}"' in detail
    assert f'href="/items/{item.id}/apply"' in detail and "网上预审" in detail
    listing = client.get("/halls").text
    assert f'href="/halls/{hall.id}/book"' in listing
    api = client.get(f"/api/v1/halls/{hall.id}").json()
    assert api["items"][0]["prereview_url"] == f"/items/{item.id}/apply" and api["links"]["book"] == f"/halls/{hall.id}/book"
    from_guide = client.get(f"/items/{item.id}/book", follow_redirects=False)
    assert from_guide.status_code == 303 and from_guide.headers["location"].startswith(f"/halls/{hall.id}/book?")
    assert "预约到大厅办理" in client.get(f"/items/{item.id}").text


@pytest.mark.req("APPT-01")
@pytest.mark.req("APPT-10")
def test_booking_on_the_page_shows_the_confirmation_at_once(client, world, db_session, clock, person):
    hall, group, item = world["hall"], world["group"], world["item"]
    csrf = sign_in(client, db_session, clock, person)
    page = client.get(f"/halls/{hall.id}/book?group={group.id}&item={item.id}")
    assert page.status_code == 200 and "确认预约" in page.text and "余 2" in page.text
    slot_id = re.search(r'name="slot_id" value="(\d+)"', page.text).group(1)
    done = client.post("/appointments", data={"csrf": csrf, "slot_id": slot_id, "item_id": item.id}, follow_redirects=False)
    assert done.status_code == 303
    confirmation = client.get(done.headers["location"]).text
    assert "预约成功" in confirmation and "王小明" in confirmation and "食品经营许可申请书" in confirmation
    assert re.search(r"Y\d{14}", confirmation) and hall.name in confirmation and "09:00–09:30" in confirmation
    again = client.post("/appointments", data={"csrf": csrf, "slot_id": slot_id, "item_id": item.id})
    assert again.status_code == 409 and "请勿重复预约" in again.text


@pytest.mark.req("APPT-01")
def test_booking_api_wrong_input_gets_a_chinese_4xx(client, world, db_session, clock, person):
    assert client.post("/api/v1/appointments", json={"slot_id": 1, "item_id": 1}).status_code == 401
    sign_in(client, db_session, clock, person)
    for body, status in (({"slot_id": "abc", "item_id": 1}, 422), ({"slot_id": 0, "item_id": 1}, 422),
                         ({"slot_id": 2**40, "item_id": 1}, 422), ({"slot_id": 999999, "item_id": world["item"].id}, 404),
                         ({"slot_id": 1, "item_id": 1, "extra": 1}, 422)):
        reply = client.post("/api/v1/appointments", json=body)
        assert reply.status_code == status, body
        assert re.search(r"[\u4e00-\u9fff]", reply.json()["error"]["message"])
    other_item = make_item(db_session, clock, name="另一个事项")
    db_session.commit()
    slot = client.get(f"/api/v1/halls/{world['hall'].id}/slots").json()["slots"][0]
    reply = client.post("/api/v1/appointments", json={"slot_id": slot["id"], "item_id": other_item.id})
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "ITEM_NOT_IN_GROUP"
    assert client.get("/api/v1/halls/abc/slots").status_code == 422
    assert client.get("/api/v1/halls/999999").status_code == 404


@pytest.mark.req("APPT-05")
def test_one_citizen_cannot_see_or_cancel_another_citizens_booking(client, world, db_session, clock, person):
    sign_in(client, db_session, clock, person)
    slot = client.get(f"/api/v1/halls/{world['hall'].id}/slots").json()["slots"][0]
    mine = client.post("/api/v1/appointments", json={"slot_id": slot["id"], "item_id": world["item"].id})
    assert mine.status_code == 201
    number = mine.json()["number"]
    other = make_person(db_session, clock, name="赵六")
    csrf = sign_in(client, db_session, clock, other)
    appointment_id = mine.json()["id"]
    assert client.get(f"/api/v1/appointments/{appointment_id}").status_code == 404
    assert client.post(f"/api/v1/appointments/{appointment_id}/cancel").status_code == 404
    assert client.get(f"/appointments/{appointment_id}").status_code == 404
    assert client.post(f"/appointments/{appointment_id}/cancel", data={"csrf": csrf}).status_code == 404
    assert number not in client.get("/appointments").text
    sign_in(client, db_session, clock, person)
    cancelled = client.post(f"/api/v1/appointments/{appointment_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert client.get(f"/api/v1/halls/{world['hall'].id}/slots").json()["slots"][0]["remaining"] == 2


@pytest.mark.req("APPT-09")
def test_ticket_machine_page_wrong_id_and_no_booking_get_a_message_not_an_error(client, world, person, enroll_kiosk):
    hall = world["hall"]
    kiosk_cookie(client, hall, enroll_kiosk(hall)[1])
    page = client.get(f"/halls/{hall.id}/kiosk")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    bad = client.post(f"/halls/{hall.id}/kiosk/booking", data={"csrf": csrf, "id_number": "12345", "id_kind": "resident_id"})
    assert bad.status_code == 422 and "证件号码不正确" in bad.text
    none = client.post(f"/halls/{hall.id}/kiosk/booking", data={"csrf": csrf, "id_number": person.id_number, "id_kind": "resident_id"})
    assert none.status_code == 404 and "现场取号" in none.text
    assert person.id_number not in none.text
    walk = client.post(f"/halls/{hall.id}/kiosk/walk-in", data={"csrf": csrf, "group_id": world["group"].id}, follow_redirects=False)
    assert walk.status_code == 303
    slip = client.get(walk.headers["location"]).text
    assert "A001" in slip and "前面还有" in slip
    forged = client.post(f"/halls/{hall.id}/kiosk/walk-in", data={"csrf": "x", "group_id": world["group"].id})
    assert forged.status_code == 403
    client.cookies.delete("tb_kiosk")  # any other browser: the notice, and no lookup
    refused = client.post(f"/halls/{hall.id}/kiosk/booking", data={"csrf": csrf, "id_number": "12345", "id_kind": "resident_id"})
    assert refused.status_code == 403 and "本机尚未登记为取号机" in refused.text and "证件号码不正确" not in refused.text


@pytest.mark.req("APPT-11")
def test_calling_over_the_api_and_the_big_screen(client, world, db_session, clock, person):
    hall, group, windows = world["hall"], world["group"], world["windows"]
    sign_in(client, db_session, clock, person)
    ticket = client.post(f"/api/v1/halls/{hall.id}/tickets", json={"group_id": group.id})
    assert ticket.status_code == 201 and ticket.json()["waiting_ahead"] == 0 and ticket.json()["windows"] == [1, 2]
    staff, token = make_actor(db_session, clock, role="consultant", region_code="511602")
    db_session.commit()
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    called = client.post(f"/api/v1/staff/windows/{windows[1].id}/call-next", headers=headers).json()
    assert called["ticket"]["number"] == "A001" and called["ticket"]["window"] == 2
    assert client.post(f"/api/v1/staff/windows/{windows[0].id}/call-next", headers=headers).json()["ticket"] is None
    screen = client.get(f"/halls/{hall.id}/screen")
    assert 'http-equiv="refresh"' in screen.text and "A001" in screen.text and "2 号窗口" in screen.text
    sign_in(client, db_session, clock, person)
    mine = client.get(f"/tickets/{ticket.json()['id']}")
    assert "请到 <strong>2 号窗口</strong>" in mine.text
    assert client.post(f"/api/v1/staff/windows/{windows[0].id}/call-next").status_code == 401
    other = make_person(db_session, clock)
    sign_in(client, db_session, clock, other)
    assert client.get(f"/tickets/{ticket.json()['id']}").status_code == 404
    outsider, outsider_token = make_actor(db_session, clock, role="consultant", region_code="510100")
    db_session.commit()
    client.cookies.clear()
    assert client.post(f"/api/v1/staff/tickets/{ticket.json()['id']}/handled",
                       headers={"Authorization": f"Bearer {outsider_token}"}).status_code == 403
    assert client.post(f"/api/v1/staff/tickets/{ticket.json()['id']}/handled", headers=headers).json()["status"] == "handled"


@pytest.mark.req("APPT-12")
def test_home_visit_request_for_an_elderly_person_is_scheduled_by_staff(client, world, db_session, clock, person):
    csrf = sign_in(client, db_session, clock, person)
    bad = client.post("/appointments/home-visit/new", data={"csrf": csrf, "hall_id": world["hall"].id, "item_name": "高龄津贴申领",
                                                            "visitee_name": "王奶奶", "visitee_phone": "13800000000x",
                                                            "address": "广安区建设路8号3单元", "reason": "elderly",
                                                            "preferred_day": "2026-11-24"})
    assert bad.status_code == 422 and "手机号码" in bad.text
    ok = client.post("/api/v1/home-visits", json={"hall_id": world["hall"].id, "item_name": "高龄津贴申领", "visitee_name": "王奶奶",
                                                 "visitee_phone": "13800008888", "address": "广安区建设路8号3单元",
                                                 "reason": "elderly", "preferred_day": "2026-11-24"})
    assert ok.status_code == 201 and ok.json()["visitee_phone"] == "138****8888" and ok.json()["status"] == "requested"
    staff, token = make_actor(db_session, clock, role="consultant", region_code="511602")
    db_session.commit()
    client.cookies.clear()
    headers = {"Authorization": f"Bearer {token}"}
    listed = client.get(f"/api/v1/staff/halls/{world['hall'].id}/home-visits", headers=headers).json()
    assert [v["visitee_name"] for v in listed] == ["王奶奶"]
    done = client.post(f"/api/v1/staff/home-visits/{ok.json()['id']}/schedule", headers=headers, json={"day": "2026-11-24"})
    assert done.status_code == 200 and done.json()["status"] == "scheduled"
    assert client.post(f"/api/v1/staff/home-visits/{ok.json()['id']}/decline", headers=headers, json={"reason": ""}).status_code == 422


@pytest.mark.req("APPT-03")
def test_admin_changes_windows_and_hours_on_the_staff_pages_and_slots_follow(client, world, db_session, clock):
    from tests.factories import make_staff

    account, _ = make_staff(db_session, clock, roles=["admin"], region_code="510000")
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.update({"tb_staff": new.token, "tb_csrf": new.csrf_token})
    hall = world["hall"]
    page = client.get(f"/staff/halls/{hall.id}")
    assert page.status_code == 200 and "每时段 2 个名额" in page.text
    bad = client.post(f"/staff/halls/{hall.id}/sessions", data={"csrf": new.csrf_token, "sessions": "周八 09:00-12:00"})
    assert bad.status_code == 422 and "格式不对" in bad.text
    saved = client.post(f"/staff/halls/{hall.id}/sessions", data={"csrf": new.csrf_token, "sessions": "工作日 09:00-10:00"},
                        follow_redirects=False)
    assert saved.status_code == 303
    starts = {s["start"] for s in client.get(f"/api/v1/halls/{hall.id}/slots").json()["slots"]}
    assert starts == {"09:00", "09:30"}
    client.post(f"/staff/halls/{hall.id}/windows", data={"csrf": new.csrf_token, "number": "7", "group_id": world["group"].id,
                                                        "active": "1"})
    assert {s["capacity"] for s in client.get(f"/api/v1/halls/{hall.id}/slots").json()["slots"]} == {3}
    settings = {"csrf": new.csrf_token, "code": hall.code, "name": hall.name, "kind": "hall", "level": "county",
                "region_code": "511602", "address": hall.address, "latitude": "30.47", "longitude": "106.63", "phone": hall.phone,
                "email": hall.email, "fax": hall.fax, "slot_minutes": "30", "days_ahead": "3", "max_active_bookings": "2",
                "no_show_limit": "3", "suspension_days": "15", "near_notice": "3", "bookable": "1", "active": "1"}
    assert client.post(f"/staff/halls/{hall.id}/settings", data=settings, follow_redirects=False).status_code == 303
    reply = client.get(f"/api/v1/halls/{hall.id}/slots").json()
    assert reply["last_day"] == "2026-11-23" and {s["day"] for s in reply["slots"]} == {"2026-11-23"}
    bad = client.post(f"/staff/halls/{hall.id}/settings", data={**settings, "days_ahead": "99"})
    assert bad.status_code == 422 and re.search(r"[\u4e00-\u9fff]", bad.text)


@pytest.mark.req("APPT-08")
@pytest.mark.req("APPT-06")
def test_calling_station_pages_green_channel_call_and_force_majeure(client, world, db_session, clock, person):
    from datetime import timedelta

    from tongban.accounts.access import PersonActor
    from tongban.appointments import bookings, calling
    from tests.factories import make_staff

    hall, group = world["hall"], world["group"]
    slot = slots.list_slots(db_session=db_session, clock=clock, hall=hall)[0]
    row = bookings.book(db_session=db_session, clock=clock, actor=PersonActor(person.id, person.name, person.id_kind),
                        slot_id=slot.id, item_id=world["item"].id)
    clock.advance(days=(slot.day - clock.today()).days + 1)
    calling.close_day(db_session=db_session, clock=clock)
    account, _ = make_staff(db_session, clock, roles=["consultant"], region_code="511602")
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.clear()
    client.cookies.update({"tb_staff": new.token, "tb_csrf": new.csrf_token})
    page = client.get(f"/staff/halls/{hall.id}/calling")
    assert page.status_code == 200 and "叫下一位" in page.text and row.number in page.text  # the no-show, to excuse
    green = client.post(f"/staff/halls/{hall.id}/green-channel", data={"csrf": new.csrf_token, "group_id": group.id,
                                                                       "reason": "disabled"}, follow_redirects=False)
    assert green.status_code == 303
    called = client.post(f"/staff/windows/{world['windows'][0].id}/call-next", data={"csrf": new.csrf_token})
    assert called.status_code == 200 and 'id="current-ticket">A001<' in called.text and "已叫号" in called.text
    empty_reason = client.post(f"/staff/appointments/{row.id}/force-majeure", data={"csrf": new.csrf_token, "reason": ""})
    assert empty_reason.status_code == 422 and "不可抗力" in empty_reason.text
    excused = client.post(f"/staff/appointments/{row.id}/force-majeure", data={"csrf": new.csrf_token, "reason": "突发疾病住院"})
    assert excused.status_code == 200 and "不计失约" in excused.text
    db_session.refresh(row)
    assert row.status == "excused" and bookings.no_show_count(db_session=db_session, clock=clock, person_id=person.id) == 0
    assert clock.today() - timedelta(days=1) == slot.day


@pytest.mark.req("APPT-06")
def test_the_hourly_job_records_no_shows(db_session, clock, world, person):
    from tongban.accounts.access import PersonActor
    from tongban.appointments import bookings, jobs
    from tongban.notify.models import Job
    from tongban.notify.outbox import JobContext, registered_kinds

    assert "appointments.close_days" in registered_kinds()
    slot = slots.list_slots(db_session=db_session, clock=clock, hall=world["hall"])[0]
    row = bookings.book(db_session=db_session, clock=clock, actor=PersonActor(person.id, person.name, person.id_kind),
                        slot_id=slot.id, item_id=world["item"].id)
    clock.advance(days=(slot.day - clock.today()).days + 1)
    jobs.close_days(JobContext(db_session=db_session, clock=clock, job=Job(kind="appointments.close_days", payload={})))
    assert row.status == "no_show"


@pytest.mark.req("MAP-02")
@pytest.mark.req("MAP-03")
def test_admin_creates_a_hall_with_contacts_directions_and_photos(client, db_session, clock):
    from tests.factories import make_staff

    account, _ = make_staff(db_session, clock, roles=["admin"], region_code="510000")
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.update({"tb_staff": new.token, "tb_csrf": new.csrf_token})
    bad = client.post("/staff/halls", data={"csrf": new.csrf_token, "code": "有 空格", "name": "x", "kind": "hall",
                                            "level": "county", "region_code": "511602"})
    assert bad.status_code == 422 and re.search(r"[\u4e00-\u9fff]", bad.text)
    made = client.post("/staff/halls", data={"csrf": new.csrf_token, "code": "GAQ-XQ", "name": "协兴镇便民服务中心",
                                             "kind": "service_center", "level": "township", "region_code": "511602",
                                             "address": "广安区协兴镇"}, follow_redirects=False)
    assert made.status_code == 303
    hall_id = int(made.headers["location"].split("?")[0].rsplit("/", 1)[1])
    settings = {"csrf": new.csrf_token, "code": "GAQ-XQ", "name": "协兴镇便民服务中心", "kind": "service_center",
                "level": "township", "region_code": "511602", "address": "广安区协兴镇新街1号", "latitude": "30.50",
                "longitude": "106.72", "phone": "0826-2400001", "email": "xx@example.gov.cn", "fax": "0826-2400002",
                "directions": "乘坐协兴专线到终点站", "photos": "/static/xq.jpg 服务大厅\nhttps://img.example.cn/2.jpg 自助区",
                "slot_minutes": "30", "days_ahead": "7", "max_active_bookings": "3", "no_show_limit": "3",
                "suspension_days": "30", "near_notice": "3", "bookable": "1", "active": "1"}
    assert client.post(f"/staff/halls/{hall_id}/settings", data=settings, follow_redirects=False).status_code == 303
    detail = client.get(f"/api/v1/halls/{hall_id}").json()
    assert detail["photos"] == [{"url": "/static/xq.jpg", "caption": "服务大厅"}, {"url": "https://img.example.cn/2.jpg", "caption": "自助区"}]
    assert (detail["phone"], detail["fax"], detail["directions"]) == ("0826-2400001", "0826-2400002", "乘坐协兴专线到终点站")
    evil = client.post(f"/staff/halls/{hall_id}/settings", data={**settings, "photos": "javascript:alert(1) x"})
    assert evil.status_code == 422


@pytest.mark.req("MAP-02")
def test_the_map_form_filters_without_a_location_and_tells_a_wrong_one_on_the_page(client, world):
    filtered = client.get("/halls?kind=&lat=&lng=")  # what the form sends when only the type is chosen
    assert filtered.status_code == 200 and "广安区政务服务中心" in filtered.text
    for query, message in (("lat=30.4&lng=", "请同时填写纬度和经度"), ("lat=三十&lng=106", "纬度和经度应为数字"),
                           ("lat=91&lng=500", "纬度应在 -90 到 90 之间")):
        page = client.get(f"/halls?kind=&{query}")
        assert page.status_code == 422 and message in page.text and 'role="alert"' in page.text, query
        assert "广安区政务服务中心" in page.text  # the list is still there, not a bare error page
