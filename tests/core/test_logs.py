"""Log lines never carry an ID number or a mobile number, the access log's lines included; the quick path for lines
without a long run of digits changes nothing (issue 20 §4)."""

from __future__ import annotations

import logging

import pytest

from tongban.core.logs import configure_logging
from tongban.core.pii import MaskingFilter, mask_text

ID = "511602198507261174"
MOBILE = "13912341174"


def _access_record(path: str) -> logging.LogRecord:
    # uvicorn's access log: the request line's parts are arguments, which its formatter unpacks
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                             ("127.0.0.1:50000", "GET", path, "1.1", 200), None)


def test_the_access_log_is_masked():
    configure_logging()
    assert any(isinstance(f, MaskingFilter) for f in logging.getLogger("uvicorn.access").filters)


@pytest.mark.parametrize(("path", "shown"), [
    (f"/progress?id_number={ID}&phone={MOBILE}", "/progress?id_number=511602********1174&phone=139****1174"),
    ("/search?q=%E5%BC%80%E9%A5%AD%E5%BA%97", "/search?q=%E5%BC%80%E9%A5%AD%E5%BA%97"),
    ("/items/1", "/items/1"),
    ("/cases/2026112000001234", "/cases/2026112000001234"),  # 16 digits: neither pattern's shape, left alone
])
def test_access_lines_are_masked_and_others_left_as_they_were(path, shown):
    record = _access_record(path)
    assert MaskingFilter().filter(record)
    assert record.getMessage() == f'127.0.0.1:50000 - "GET {shown} HTTP/1.1" 200'
    assert record.args[4] == 200


def test_extra_fields_messages_and_full_width_digits_are_masked():
    wide = "５１１６０２１９８５０７２６１１７４"
    record = logging.LogRecord("tongban.x", logging.INFO, __file__, 1, f"申请人 {MOBILE}", None, None)
    record.detail = {"id_number": ID, "note": f"联系 {MOBILE}", "count": 3}
    record.query = f"q={wide}"
    MaskingFilter().filter(record)
    assert record.msg == "申请人 139****1174"
    assert record.detail == {"id_number": "511602********1174", "note": "联系 139****1174", "count": 3}
    assert wide not in record.query and mask_text(f"q={wide}") == record.query
