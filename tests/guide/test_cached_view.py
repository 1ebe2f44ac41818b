"""A guide's view kept per stamp: the same object while nothing it shows changes, a fresh one once something does."""

from __future__ import annotations

import pytest

from tests.factories import make_agency, make_item
from tongban.core.errors import DomainError
from tongban.guide import service


def test_the_view_is_kept_until_what_it_shows_changes(db_session, clock):
    agency = make_agency(db_session, name="广安区市场监督管理局")
    item = make_item(db_session, clock, agency=agency)
    db_session.commit()
    first = service.cached_view(db_session=db_session, item_id=item.id)
    assert service.cached_view(db_session=db_session, item_id=item.id) is first
    assert first == service.build_view(db_session=db_session, item_id=item.id)

    agency.consult_phone = "0826-2999999"  # the agency's contact details are on every guide
    db_session.commit()
    changed = service.cached_view(db_session=db_session, item_id=item.id)
    assert changed is not first and changed.agency.consult_phone == "0826-2999999"


def test_an_unknown_item_answers_as_the_page_does(db_session):
    with pytest.raises(DomainError):
        service.cached_view(db_session=db_session, item_id=987654)
