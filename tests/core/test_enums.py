"""One labelled-enum base: values stay the stored strings, labels travel with the members, route aliases come from one place."""

from __future__ import annotations

import importlib
import pkgutil
from enum import StrEnum

import pytest
from sqlalchemy import text

import tongban
from tongban.accounts.access import ROLE_LABELS, StaffRole
from tongban.appointments.enums import AppointmentStatus
from tongban.cases.enums import CaseState, Opinion
from tongban.catalog.enums import ItemType, Level, LimitUnit
from tongban.core.enums import LabelledEnum
from tongban.publications.enums import PublicationKind
from tongban.supervision.enums import ClockStatus
from tongban.web import filters


def _all_labelled() -> list[type[LabelledEnum]]:
    for info in pkgutil.walk_packages(tongban.__path__, "tongban."):
        if ".migrations" not in info.name:
            importlib.import_module(info.name)
    found, todo = [], list(LabelledEnum.__subclasses__())
    while todo:
        enum = todo.pop()
        found.append(enum)
        todo.extend(enum.__subclasses__())
    return found


def test_a_member_is_its_stored_string_and_carries_its_label():
    assert Opinion.approve == "approve"
    assert Opinion.approve.value == "approve"
    assert str(Opinion.approve) == f"{Opinion.approve}" == "approve"
    assert Opinion("deny") is Opinion.deny
    assert Opinion.approve.label == "同意准予"
    assert isinstance(Opinion.approve, StrEnum)
    with pytest.raises(ValueError):
        Opinion("同意准予")


def test_extra_properties_of_converted_enums_still_work():
    assert CaseState.withdrawn.final and not CaseState.submitted.final
    assert ItemType.licensing.gbt_code == "01" and Level.village.gbt_code == "6"
    assert ClockStatus.red.severity == 3
    assert ROLE_LABELS[StaffRole.decider] == StaffRole.decider.label == "决定人"


def test_every_labelled_enum_has_distinct_values_and_a_label_for_each_member():
    enums = _all_labelled()
    assert {CaseState, AppointmentStatus, PublicationKind, StaffRole} <= set(enums)
    for enum in enums:
        values = [member.value for member in enum]
        assert len(values) == len(set(values)), enum
        for member in enum:
            assert type(member.value) is str and member.value == member.name, (enum, member)
            assert member.label and member.label != member.value, (enum, member)


def test_the_value_written_to_the_database_is_the_plain_string(db_session):
    stored = db_session.execute(text("SELECT :state AS s"), {"state": CaseState.under_review}).scalar_one()
    assert stored == "under_review"


def test_the_template_label_filter_reads_the_member_label():
    assert filters.label("licensing", "ItemType") == "行政许可"
    assert filters.label("unknown", "ItemType") == "unknown"
    assert filters.label(None, "ItemType") == ""
    assert filters.days(3, LimitUnit.natural_day) == "3个自然日"
