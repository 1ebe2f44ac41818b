"""The shipped bundles (≥ 10 from the national lists, the six named ones among them) on the demo catalog: every one
passes the checker, and every path of answers of every one gives a plan."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tongban.bundles import service
from tongban.bundles.check import check, paths
from tongban.bundles.cli import bundles_app
from tongban.bundles.definition import parse
from tongban.bundles.demo import seed_demo, shipped_definitions
from tongban.bundles.planning import make_plan
from tongban.catalog.demo import seed_demo as seed_catalog

NAMED = {"新生儿出生一件事", "开办餐饮店一件事", "退休一件事", "身后事一件事", "企业信息变更一件事", "员工录用一件事"}


@pytest.mark.req("BND-01")
@pytest.mark.req("BND-02")
def test_every_shipped_bundle_is_sound_and_every_path_gives_a_plan(db_session, clock):
    seed_catalog(db_session=db_session, clock=clock)
    shipped = shipped_definitions()
    assert len(shipped) >= 10 and NAMED <= {data["name"] for _name, data in shipped}
    for name, data in shipped:
        assert check(parse(data), db_session=db_session) == [], name
    assert seed_demo(db_session=db_session, clock=clock) == f"一件事：发布 {len(shipped)} 个"
    assert seed_demo(db_session=db_session, clock=clock) == ""  # idempotent
    db_session.commit()
    listed = service.public_list(db_session=db_session)
    assert len(listed) == len(shipped)
    plans = 0
    for bundle, definition in listed:
        for path in paths(definition)[0]:
            plan = make_plan(db_session=db_session, clock=clock, bundle_id=bundle.id, answers=path.answers)
            assert plan.items and plan.materials, (bundle.code, path.shown)
            assert plan.overall_limit_days >= max(i.limit_days for i in plan.items)
            plans += 1
    assert plans > 40
    _birth_merges_the_parents_ids_and_the_birth_certificate(db_session, clock)
    result = CliRunner().invoke(bundles_app, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("✓") == len(shipped)



def _birth_merges_the_parents_ids_and_the_birth_certificate(db_session, clock):
    birth = next(b for b, d in service.public_list(db_session=db_session) if b.code == "GAQ-BIRTH")
    plan = make_plan(db_session=db_session, clock=clock, bundle_id=birth.id,
                     answers={"birth_reg": "not_yet", "settle": "local", "insure": "yes", "card": "yes"})
    names = [i.name for i in plan.items]
    assert names[0] == "出生医学证明首次签发" and "出生登记" in names and "生育登记" in names
    ids = next(m for m in plan.materials if m.name == "父母双方（监护人）居民身份证")
    assert len(ids.used_by) == 6
    cert = next(m for m in plan.materials if m.name == "出生医学证明")
    assert len(cert.used_by) == 3
