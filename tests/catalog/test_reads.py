"""The catalog's read interface (issue 20 §2): agencies and items as frozen values, batched by ids."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import event

from tongban.catalog import reads
from tongban.core.errors import NotFound

from tests.factories import make_agency, make_item


class Statements:
    def __init__(self, db_session) -> None:
        self.bind, self.seen = db_session.get_bind(), []

    def __enter__(self):
        event.listen(self.bind, "before_cursor_execute", self._note)
        return self.seen

    def __exit__(self, *exc) -> None:
        event.remove(self.bind, "before_cursor_execute", self._note)

    def _note(self, *args) -> None:
        self.seen.append(args[2])


def test_an_agency_and_an_item_are_frozen_values_not_rows(db_session, clock):
    agency = make_agency(db_session, name="广安市市场监督管理局")
    item = make_item(db_session, clock, agency=agency)
    found = reads.agency(db_session=db_session, agency_id=agency.id)
    assert (found.name, found.code, found.region_code, found.consult_phone) == (
        "广安市市场监督管理局", agency.code, agency.region_code, agency.consult_phone)
    facts = reads.item(db_session=db_session, item_id=item.id)
    assert (facts.id, facts.name, facts.agency_id, facts.live_version_id, facts.status) == (
        item.id, item.name, agency.id, item.live_version_id, "active")
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.status = "stopped"  # type: ignore[misc]
    assert reads.find_agency(db_session=db_session, agency_id=10**9) is None
    assert reads.find_item(db_session=db_session, item_id=10**9) is None
    with pytest.raises(NotFound):
        reads.item(db_session=db_session, item_id=10**9)


def test_many_agencies_and_items_are_read_in_one_query_whatever_their_number(db_session, clock):
    agencies = [make_agency(db_session) for _ in range(4)]
    items = [make_item(db_session, clock, agency=a) for a in agencies]
    db_session.flush()
    db_session.expunge_all()
    with Statements(db_session) as seen:
        by_agency = reads.agencies_by_id(db_session=db_session, agency_ids=[a.id for a in agencies] + [10**9])
        by_item = reads.items_by_id(db_session=db_session, item_ids=[i.id for i in items])
    assert len(seen) == 2
    assert set(by_agency) == {a.id for a in agencies} and set(by_item) == {i.id for i in items}
    with Statements(db_session) as seen:
        assert reads.items_by_id(db_session=db_session, item_ids=[]) == {}
    assert seen == []


def test_items_are_narrowed_to_a_region_or_an_agency(db_session, clock):
    here, far = make_agency(db_session, region_code="511602"), make_agency(db_session, region_code="510700")
    mine, theirs = make_item(db_session, clock, agency=here), make_item(db_session, clock, agency=far)
    ids = [mine.id, theirs.id]
    assert set(reads.items_by_id(db_session=db_session, item_ids=ids, region_prefix="5116")) == {mine.id}
    assert set(reads.items_by_id(db_session=db_session, item_ids=ids, agency_id=far.id)) == {theirs.id}
    found = reads.item_by_code(db_session=db_session, implementation_code=theirs.implementation_code, region_prefix="5116")
    assert found is None
    assert reads.item_by_code(db_session=db_session, implementation_code=theirs.implementation_code).id == theirs.id
    assert reads.existing_item_ids(db_session=db_session, item_ids=[*ids, 10**9]) == set(ids)


def test_the_page_facts_change_when_the_agency_a_guide_shows_changes(db_session, clock):
    agency = make_agency(db_session)
    item = make_item(db_session, clock, agency=agency)
    before = reads.page_facts(db_session=db_session, item_id=item.id)
    assert before[0] == item.live_version_id
    agency.consult_phone = "0826-0000000"
    db_session.flush()
    assert reads.page_facts(db_session=db_session, item_id=item.id) != before
    assert reads.page_facts(db_session=db_session, item_id=10**9) is None
