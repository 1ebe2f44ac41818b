"""A bounded crawl of the seeded demo site: signed out, and signed in as the demo citizen, a window clerk and a
supervisor, follow the internal links from the home page and the workbench; no link may answer 403, 404 or 5xx, and
none may point at another host or port (the portal was served elsewhere than the address it printed).

In-process (TestClient over the demo data), so it needs no browser and runs in well under a minute."""

from __future__ import annotations

import re
import time
from collections import deque
from html import unescape
from urllib.parse import urlencode, urljoin, urlsplit, parse_qsl

from fastapi.testclient import TestClient
from sqlalchemy import select

from tongban.accounts import persons, sessions
from tongban.accounts.models import StaffAccount

HOST = "testserver"
PAGES_PER_ROLE = 90  # pages fetched per signed-in role (links found on them are all checked for their address)
PER_PATTERN = 2  # /items/1, /items/2 ... : the same page with other ids teaches little more
LINK = re.compile(r'<a\b[^>]*\bhref="([^"]*)"', re.I)
GET_FORM = re.compile(r'<form\b(?![^>]*method="post")[^>]*\baction="([^"]*)"', re.I)
# Links that end the session or switch display preferences (they work; crawling them changes what follows).
SKIP_PATHS = ("/logout", "/staff/logout")
SKIP_PARAMS = {"lang", "large", "simple"}
FILES = (".pdf", ".png", ".svg", ".csv", ".xlsx", ".ics", ".json")


def _seed_demo(db_session, clock) -> None:
    from tongban.accounts.demo import seed_demo as seed_accounts
    from tongban.appointments.demo import seed_demo as seed_appointments
    from tongban.catalog.demo import seed_demo as seed_catalog
    from tongban.publications.demo import seed_demo as seed_publications
    from tongban.complaints.demo import seed_demo as seed_complaints
    from tongban.knowledge.demo import seed_demo as seed_knowledge
    from tongban.ratings.demo import seed_demo as seed_ratings
    from tongban.supervision.demo import seed_demo as seed_supervision

    for seed in (seed_catalog, seed_publications, seed_accounts, seed_supervision, seed_appointments, seed_knowledge,
                 seed_ratings, seed_complaints):
        seed(db_session=db_session, clock=clock)
        db_session.commit()


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _normalise(base: str, href: str) -> tuple[str | None, str | None]:
    """(internal URL to visit or None, a problem with the link or None)."""
    href = unescape(href.strip())
    if not href or href.startswith(("#", "mailto:", "tel:", "data:", "javascript:")):
        return None, None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme in ("http", "https") and parts.netloc and parts.netloc != HOST:
        if parts.hostname in ("127.0.0.1", "localhost", HOST) or parts.port:
            return None, f"link to another address: {href}"
        return None, None  # an outside site (a department's own page): not ours to crawl
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SKIP_PARAMS]
    if parts.path in SKIP_PATHS:
        return None, None
    return parts.path + (f"?{urlencode(query)}" if query else ""), None


def _crawl(client: TestClient, starts: list[str], *, limit: int, deadline: float) -> tuple[list[str], set[str]]:
    """(problems, the URLs fetched)."""
    problems: list[str] = []
    seen: set[str] = set()
    per_pattern: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque((s, "(start)") for s in starts)
    fetched: set[str] = set()
    while queue and len(fetched) < limit and time.monotonic() < deadline:
        url, referrer = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        path = urlsplit(url).path
        key = _pattern(path)
        if per_pattern.get(key, 0) >= PER_PATTERN and url not in starts:
            continue
        per_pattern[key] = per_pattern.get(key, 0) + 1
        response = client.get(url, follow_redirects=False)
        fetched.add(url)
        for _ in range(5):  # follow redirects, checking each hop's address
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            target, problem = _normalise(url, response.headers["location"])
            if problem:
                problems.append(f"{url} (from {referrer}) redirects: {problem}")
            if target is None:
                break
            url = target
            response = client.get(url, follow_redirects=False)
        if response.status_code in (403, 404) or response.status_code >= 500:  # a link shown must lead somewhere
            problems.append(f"{url} (from {referrer}) answered {response.status_code}")
            continue
        if "text/html" not in response.headers.get("content-type", "") or path.endswith(FILES):
            continue
        for href in LINK.findall(response.text) + GET_FORM.findall(response.text):
            target, problem = _normalise(url, href)
            if problem:
                problems.append(f"{url}: {problem}")
            elif target and target not in seen:
                queue.append((target, url))
    return problems, fetched


def _staff_cookie(client, db_session, clock, username: str) -> None:
    account = db_session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    assert account is not None, username
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=account.id)
    db_session.commit()
    client.cookies.clear()
    client.cookies.set("tb_staff", new.token)


def _citizen_cookie(client, db_session, clock) -> None:
    from tongban.accounts.demo import DEMO_PERSON

    person = persons.find_by_document(db_session=db_session, kind="resident_id", number=DEMO_PERSON[1])
    assert person is not None
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    db_session.commit()
    client.cookies.clear()
    client.cookies.set("tb_session", new.token)


def test_crawl_signed_out_and_as_citizen_window_clerk_and_supervisor(app, db_session, clock):
    _seed_demo(db_session, clock)
    finish = time.monotonic() + 45  # the crawl's time, shared by the four roles (seeding is not counted)

    def budget(roles_left: int) -> float:
        now = time.monotonic()
        return now + max(4.0, (finish - now) / roles_left)

    report: list[str] = []
    with TestClient(app, raise_server_exceptions=False) as client:
        problems, fetched = _crawl(client, ["/", "/items", "/halls", "/docs"], limit=PAGES_PER_ROLE, deadline=budget(4))
        report += [f"[signed out] {p}" for p in problems]
        assert 'href="/progress"' in client.get("/").text and len(fetched) >= 10  # 我要查 is linked from the home page

        _citizen_cookie(client, db_session, clock)
        problems, fetched = _crawl(client, ["/", "/account"], limit=PAGES_PER_ROLE, deadline=budget(3))
        report += [f"[citizen] {p}" for p in problems]
        assert {"/account/messages", "/appointments", "/cases"} <= fetched  # the inbox and bookings have ways in

        for n, username in enumerate(("window", "supervisor")):
            _staff_cookie(client, db_session, clock, username)
            problems, fetched = _crawl(client, ["/staff/home"], limit=PAGES_PER_ROLE, deadline=budget(2 - n))
            report += [f"[{username}] {p}" for p in problems]
            assert len(fetched) > 5, username
            if username == "supervisor":  # the banner's link to a year not yet entered (the demo clock is in 2026)
                assert any(u.startswith("/staff/calendar") for u in fetched), sorted(fetched)
    assert report == [], "\n".join(report)
