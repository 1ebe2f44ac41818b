"""The demo catalog: enough real-looking items on three levels, idempotent, lint-clean but for its planted cases."""

import json
from importlib import resources

import pytest
from sqlalchemy import func, select

from tongban.catalog.demo import seed_demo
from tongban.catalog.lint import run_lint
from tongban.catalog.models import Agency, ServiceItem


def _deliberate() -> set[str]:
    codes: set[str] = set()
    for name in ("items_person.json", "items_org.json"):
        data = json.loads(resources.files("tongban.data").joinpath("demo").joinpath(name).read_text(encoding="utf-8"))
        for key, value in data.items():
            if key.startswith("_deliberate"):
                codes |= set(value if isinstance(value, list) else [value])
    return codes


@pytest.mark.req("CAT-12")
def test_demo_catalog_seeds_once_and_lint_finds_exactly_the_planted_problems(db_session, clock):
    report = seed_demo(db_session=db_session, clock=clock)
    db_session.commit()
    assert report["items"] >= 80 and report["agencies"] >= 15
    levels = set(db_session.scalars(select(Agency.level)))
    assert {"province", "city", "county"} <= levels
    assert seed_demo(db_session=db_session, clock=clock)["created"] == 0
    assert seed_demo(db_session=db_session, clock=clock)["updated"] == 0
    assert db_session.scalar(select(func.count(ServiceItem.id))) == report["items"]

    findings = run_lint(db_session=db_session)
    codes = {f.code for f in findings}
    assert {"CATCH_ALL_MATERIAL", "REGION_DIVERGENCE", "PREREQUISITE_CYCLE", "STEP_REDUNDANT",
            "ONLINE_OFFLINE_INCONSISTENT", "CONDITION_NO_BASIS"} <= codes
    planted = _deliberate()
    items = {i.id: i for i in db_session.scalars(select(ServiceItem))}
    for finding in findings:
        item = items[finding.item_id]
        basic = item.directory_entry.basic_code if item.directory_entry else ""
        assert item.implementation_code in planted or basic in planted, (finding.code, finding.message)
