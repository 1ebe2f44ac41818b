"""Kept pages read their stamp without a query per request, and still show a change at once: a commit in this
process on the very next request, another process's change once the stamp's few seconds have passed (issue 20 §4)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, text, update

from tests.factories import make_item
from tongban.core import db as core_db
from tongban.web.render_cache import STAMP_TTL_S, RenderCache


@contextmanager
def statements():
    """The SQL statements the application runs meanwhile."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    engine = core_db.get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.req("GUIDE-02")
@pytest.mark.parametrize("path", ["/", "/items/{id}", "/items/{id}/print", "/api/v1/items/{id}"])
def test_a_kept_page_is_answered_without_a_query(app, client, db_session, clock, path):
    app.state.render_cache = RenderCache(monotonic=Monotonic())  # no time passes, however slow the machine
    item = make_item(db_session, clock)
    db_session.commit()
    url = path.format(id=item.id)
    first = client.get(url)
    assert first.status_code == 200
    with statements() as seen:
        again = client.get(url)
        revalidated = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.content == first.content and revalidated.status_code == 304
    assert seen == []


@pytest.mark.req("GUIDE-02")
def test_a_publication_committed_here_shows_on_the_next_request(client, db_session, clock):
    item = make_item(db_session, clock, name="食品经营许可（第一版）")
    db_session.commit()
    assert "食品经营许可（第一版）" in client.get(f"/items/{item.id}").text
    home = client.get("/").text
    second = make_item(db_session, clock, name="酒类商品零售许可")
    db_session.commit()  # no time passes: the commit alone makes the pages read their stamps again
    assert "酒类商品零售许可" in client.get("/").text and client.get("/").text != home
    assert "酒类商品零售许可" in client.get(f"/items/{second.id}").text
    assert client.get(f"/api/v1/items/{second.id}").json()["content"]["name"] == "酒类商品零售许可"


@pytest.mark.req("GUIDE-04")
def test_a_change_another_process_made_shows_once_the_stamp_has_aged(app, client, db_session, clock):
    from tongban.catalog.models import ServiceItem

    monotonic = Monotonic()
    app.state.render_cache = RenderCache(monotonic=monotonic)
    item = make_item(db_session, clock)
    db_session.commit()
    assert "系统升级暂停受理" not in client.get(f"/items/{item.id}").text
    # Another process suspends the item: a plain connection's commit, which no session of this process sees.
    with core_db.get_engine().connect() as conn:
        conn.execute(update(ServiceItem).where(ServiceItem.id == item.id)
                     .values(status="suspended", status_reason="系统升级暂停受理", updated_at=clock.now()))
        conn.commit()
    assert "系统升级暂停受理" not in client.get(f"/items/{item.id}").text  # the stamp is still trusted
    monotonic.now += STAMP_TTL_S
    page = client.get(f"/items/{item.id}")
    assert page.status_code == 200 and "系统升级暂停受理" in page.text
    assert client.get(f"/api/v1/items/{item.id}").json()["status"] == "suspended"


def test_stamps_are_kept_per_key_and_read_again_after_a_commit(db_session):
    cache, reads = RenderCache(monotonic=Monotonic()), []

    def read(value):
        return lambda: reads.append(value) or value

    assert cache.stamp(("a",), read(1)) == 1 and cache.stamp(("a",), read(2)) == 1
    assert cache.stamp(("b",), read(3)) == 3
    db_session.execute(text("SELECT 1"))
    db_session.commit()  # any commit of this process
    assert cache.stamp(("a",), read(4)) == 4
    assert reads == [1, 3, 4]
