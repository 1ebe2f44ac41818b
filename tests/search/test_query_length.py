"""One length limit for a query everywhere: the search boxes, the results page and the API, stated in the refusal (issue 21)."""

from __future__ import annotations

import re

import pytest

from tongban.search.query import MAX_QUERY_CHARS


def _maxlength(html: str, input_id: str) -> int:
    return int(re.search(rf'<input id="{input_id}"[^>]* maxlength="(\d+)"', html).group(1))


@pytest.mark.req("SRCH-01")
def test_the_box_the_page_and_the_api_share_one_limit_and_say_it(client):
    assert _maxlength(client.get("/").text, "site-q") == MAX_QUERY_CHARS
    assert _maxlength(client.get("/search", params={"q": "户口"}).text, "big-q") == MAX_QUERY_CHARS

    longest = "户" * MAX_QUERY_CHARS
    assert client.get("/search", params={"q": longest}).status_code == 200
    assert client.get("/api/v1/search", params={"q": longest}).status_code == 200
    assert client.get("/search", params={"q": f"  {longest}  "}).status_code == 200  # spaces around are not counted

    for too_long in ("户" * (MAX_QUERY_CHARS + 1), "shenfenzheng " * 8):
        page = client.get("/search", params={"q": too_long})
        api = client.get("/api/v1/search", params={"q": too_long})
        assert page.status_code == api.status_code == 422
        error = api.json()["error"]
        assert error["code"] == "QUERY_TOO_LONG" and f"最多 {MAX_QUERY_CHARS} 个字" in error["message"]
        assert error["message"] in page.text  # the same words on the page as in the API


def test_everything_that_carries_a_query_takes_the_same_limit(client):
    longest = "户" * MAX_QUERY_CHARS
    assert client.get("/api/v1/search/suggest", params={"q": longest}).status_code == 200
    assert client.get("/api/v1/search/suggest", params={"q": longest + "户"}).status_code == 422
    assert client.get("/search/go", params={"key": "item:1", "q": longest + "户"}).status_code == 422
