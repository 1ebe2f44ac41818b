"""Policies through the staff pages: a bad rule refused on the form, the dry run, matching."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tongban.policies.models import Policy, PolicyGrant

from tests.factories import add_population, make_actor, make_agency, resident_id
from tests.signin import sign_in_staff


@pytest.mark.req("POL-01")
def test_staff_save_try_and_match_a_policy_on_the_pages(db_session, clock, client, tmp_path):
    old = resident_id(birth="19400115", region="511602")
    add_population(db_session, clock, tmp_path, [{"id_number": old, "name": "赵桂兰", "household_region": "511602"}])
    agency = make_agency(db_session, name="广安区民政局", region_code="511602", level="county")
    editor, _ = make_actor(db_session, clock, role="catalog_editor", agency=agency)
    db_session.commit()
    csrf = sign_in_staff(client, db_session, clock, editor.staff_id)
    form = {"csrf": csrf, "name": "高龄津贴", "benefit": "每月 50 元", "agency_id": str(agency.id), "region_code": "511602",
            "notice_days": "15", "conditions": '[{"field": "wealth", "op": "gte", "value": 1}]'}
    bad = client.post("/staff/benefits", data=form)
    assert bad.status_code == 422 and "字段“wealth”在基础库中不存在" in bad.text
    assert db_session.scalar(select(func.count()).select_from(Policy)) == 0
    form["conditions"] = '[{"field": "household_region", "op": "starts_with", "value": "511602"}, {"field": "age", "op": "gte", "value": 80}]'
    done = client.post("/staff/benefits", data=form, follow_redirects=False)
    assert done.status_code == 303
    path = done.headers["location"].split("?")[0]
    trial = client.get(path + "?dry_run=1")
    assert "符合条件 <strong>1</strong> 人" in trial.text and "赵**" in trial.text
    assert db_session.scalar(select(func.count()).select_from(PolicyGrant)) == 0
    matched = client.post(path + "/match", data={"csrf": csrf}, follow_redirects=False)
    assert matched.status_code == 303
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).select_from(PolicyGrant)) == 1
    assert "告知期内" in client.get(path).text
