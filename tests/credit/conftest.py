"""Helpers for credit tests: the credit library loaded through its real CSV import."""

from __future__ import annotations

import csv
import itertools

import pytest

from tongban.baselib.service import import_credit

_files = itertools.count(1)


@pytest.fixture
def load_credit(db_session, clock, tmp_path):
    def load(rows: list[dict]):
        path = tmp_path / f"credit-{next(_files)}.csv"
        columns = ["subject", "grade", "valid_until", "source", "reason", "id_kind"]
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({"valid_until": "2028-12-31", "source": "广安市信用办", **row})
        return import_credit(db_session=db_session, clock=clock, path=path)

    return load
