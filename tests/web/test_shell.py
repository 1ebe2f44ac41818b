"""The portal shell: ways into the inbox, bookings and 我要查; the header for people and for staff; the phone menu;
the ticket machine's own screen; error pages for bad addresses written for people."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_actor, make_hall, make_item, make_person
from tongban.accounts import sessions
from tongban.notify import inbox


def _signed_in(client, db_session, clock, *, subject_kind: str, subject_id: int) -> None:
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind=subject_kind, subject_id=subject_id)
    db_session.commit()
    client.cookies.set("tb_session" if subject_kind == "person" else "tb_staff", new.token)


def _topbar(html: str) -> str:
    return html.split('<nav class="prefs"', 1)[1].split("</nav>", 1)[0]


def _main_nav(html: str) -> str:
    return html.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]


def test_signed_out_the_header_offers_sign_in_and_the_navigation_has_progress(client, db_session):
    home = client.get("/").text
    assert 'href="/login"' in _topbar(home) and 'href="/register"' in _topbar(home)
    assert 'href="/account/messages"' not in home
    assert 'href="/progress"' in _main_nav(home)  # 我要查 in the main navigation
    assert 'href="/progress"' in home.split("<main", 1)[1]  # and on the home page itself


def test_a_signed_in_person_finds_the_inbox_with_its_unread_count_and_the_bookings(client, db_session, clock):
    person = make_person(db_session, clock)
    for n in range(3):
        inbox.post(db_session=db_session, clock=clock, person_id=person.id, kind="case", title=f"办件进度 {n}")
    _signed_in(client, db_session, clock, subject_kind="person", subject_id=person.id)

    home = client.get("/").text
    bar = _topbar(home)
    assert 'href="/login"' not in bar and 'href="/account"' in bar
    assert re.search(r'href="/account/messages"[^>]*>消息 <span class="count"[^>]*>3</span>', bar)
    space = client.get("/account").text
    assert 'href="/account/messages"' in space.split("<main", 1)[1] and "3 条未读" in space
    assert 'href="/appointments"' in space.split("<main", 1)[1]
    assert client.get("/account/messages").status_code == 200  # reading them clears the count
    assert '<span class="count"' not in _topbar(client.get("/").text)


def test_staff_pages_never_offer_citizen_sign_in(client, db_session, clock):
    from tongban.accounts.models import StaffAccount

    _, token = make_actor(db_session, clock, role="supervisor")
    staff_id = db_session.query(StaffAccount).order_by(StaffAccount.id.desc()).first().id
    _signed_in(client, db_session, clock, subject_kind="staff", subject_id=staff_id)
    for path in ("/staff/home", "/staff/calendar"):
        page = client.get(path)
        assert page.status_code == 200, path
        bar = _topbar(page.text)
        assert 'href="/login"' not in bar and 'href="/register"' not in bar, path
        assert 'href="/staff/"' in bar  # 工作台
    assert "工作台" in _topbar(client.get("/").text)  # on the portal, the staff entry says where it leads


def test_on_a_phone_the_main_navigation_collapses_behind_a_menu_without_script(client):
    home = client.get("/").text
    nav = _main_nav(home)
    assert 'type="checkbox" id="main-nav-toggle"' in nav and 'for="main-nav-toggle"' in nav
    css = client.get("/static/style.css").text
    phone = css.split("@media (max-width: 720px) {\n  .nav-toggle-label", 1)[1].split("\n}", 1)[0]
    assert ".main-nav .wrap > ul { display: none;" in phone and ".nav-toggle:checked ~ ul { display: flex; }" in phone


@pytest.mark.req("APPT-09")
def test_the_ticket_machine_screen_is_full_screen_large_and_has_nothing_that_leaves_it(client, db_session, clock):
    from tongban.accounts import staff
    from tongban.appointments import kiosks
    from tests.factories import make_staff

    item = make_item(db_session, clock)
    hall, group, _ = make_hall(db_session, clock, items=[item])
    account, _ = make_staff(db_session, clock, roles=["consultant"], region_code="511602")
    enrolled = kiosks.enroll(db_session=db_session, clock=clock, actor=staff.actor_for(account), hall=hall, name="一号取号机")
    db_session.commit()

    def off_page(html: str) -> list[str]:
        links = re.findall(r'href="([^"]*)"', html)
        return [h for h in links if not h.startswith(("/static/", "#"))]

    not_enrolled = client.get(f"/halls/{hall.id}/kiosk")
    assert not_enrolled.status_code == 200 and off_page(not_enrolled.text) == []
    client.cookies.set("tb_kiosk", enrolled.token)
    page = client.get(f"/halls/{hall.id}/kiosk")
    assert page.status_code == 200
    html = page.text
    assert '<body class="' in html and "kiosk" in re.search(r'<body class="([^"]*)"', html).group(1)
    assert off_page(html) == [] and 'role="search"' not in html and "/login" not in html and "/staff/" not in html
    assert 'class="kiosk-input"' in re.search(r'<input id="id_number"[^>]*>', html).group(0)
    assert f'<button class="kiosk-service" type="submit"><strong>{group.name}</strong>' in html
    css = client.get("/static/style.css").text
    assert ".kiosk-input { width: 100%; min-height: 72px;" in css and "button:disabled" in css

    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    slip = client.post(f"/halls/{hall.id}/kiosk/walk-in", data={"csrf": csrf, "group_id": group.id})
    assert slip.status_code == 200 and "ticket-number" in slip.text
    assert [h for h in off_page(slip.text) if h != f"/halls/{hall.id}/kiosk"] == []  # 完成 goes back to the machine


def test_error_pages_for_bad_addresses_speak_to_people(client, db_session, clock):
    for path in ("/items?page=abc", "/items?level=nowhere", "/items?audience=xyz", "/search?q=护照&page=x"):
        page = client.get(path)
        assert page.status_code == 422, path
        body = page.text.split("<main", 1)[1]
        assert "必须是整数" not in body and "national" not in body and "“" not in body, path
        assert "参数有误" in body
    assert client.get("/items/abc").status_code == 404
    api = client.get("/api/v1/items/abc").json()  # the API keeps the field-by-field details for developers
    assert api["error"]["details"][0]["field"] == "item_id"
