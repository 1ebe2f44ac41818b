"""Bundles travel with the catalog: `tongban bundle export` writes the live definitions, `import` loads them (checked
first: a file with a problem writes nothing)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.signin import auth
from tongban.bundles.cli import bundles_app
from tongban.bundles.demo import seed_demo
from tongban.bundles.models import Bundle, BundleVersion


def test_export_then_import_round_trips_and_a_bad_file_writes_nothing(world, db_session, tmp_path):
    runner = CliRunner()
    out = tmp_path / "bundles.json"
    assert runner.invoke(bundles_app, ["export", "--out", str(out)]).exit_code == 0
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert [d["code"] for d in exported] == ["TEST-BIRTH"] and [q["text"] for q in exported[0]["questions"]] == [q["text"] for q in world.definition["questions"]]
    same = runner.invoke(bundles_app, ["import", str(out)])
    assert same.exit_code == 0 and "新发布 0 个" in same.output  # unchanged: no new version
    renamed = [dict(exported[0], code="TEST-BIRTH-B", name="新生儿出生一件事（乙）")]
    bad = dict(exported[0], code="TEST-BIRTH-C")
    bad["rules"] = [*bad["rules"], {"when": {"card": ["yes"]}, "require": [], "exclude": ["T-INSURE"], "why": "排除"}]
    path = tmp_path / "two.json"
    path.write_text(json.dumps([*renamed, bad], ensure_ascii=False), encoding="utf-8")
    failed = runner.invoke(bundles_app, ["import", str(path)])
    assert failed.exit_code == 1 and "未写入任何内容" in failed.output and "规则矛盾" in failed.output
    db_session.expire_all()
    assert db_session.scalar(select(func.count(Bundle.id))) == 1  # the good one in the same file was not kept either
    path.write_text(json.dumps(renamed, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(bundles_app, ["import", str(path)]).exit_code == 0
    db_session.expire_all()
    assert db_session.scalar(select(func.count(BundleVersion.id))) == 2


def test_the_demo_waits_for_a_catalog(db_session, clock):
    assert seed_demo(db_session=db_session, clock=clock) == ""
    assert db_session.scalar(select(func.count(Bundle.id))) == 0


@pytest.mark.req("BND-01")
def test_the_exchange_over_http_exports_publicly_and_imports_all_or_nothing_for_the_reviewer(client, world, db_session):
    exported = client.get("/api/v1/bundles/export")
    assert exported.status_code == 200 and "attachment" in exported.headers["content-disposition"]
    definitions = exported.json()
    assert [d["code"] for d in definitions] == ["TEST-BIRTH"]
    reviewer, editor = auth(world.reviewer_token), auth(world.editor_token)
    same = client.post("/api/v1/staff/bundles/import", content=exported.content, headers=reviewer)
    assert same.status_code == 200 and same.json() == {"read": 1, "published": 0}
    renamed = dict(definitions[0], code="TEST-BIRTH-B", name="新生儿出生一件事（乙）")
    bad = dict(definitions[0], code="TEST-BIRTH-C", lead_agency="NO-SUCH-AGENCY")
    body = json.dumps([renamed, bad], ensure_ascii=False).encode()
    refused = client.post("/api/v1/staff/bundles/import", content=body, headers=reviewer)
    assert refused.status_code == 422 and refused.json()["error"]["message"]
    assert client.post("/api/v1/staff/bundles/import", content=b"{not json", headers=reviewer).status_code == 422
    assert client.post("/api/v1/staff/bundles/import", content=b"[]", headers=reviewer).status_code == 422
    # an editor of a department does not publish by import; the management agency's reviewer does
    assert client.post("/api/v1/staff/bundles/import", content=json.dumps([renamed]).encode(), headers=editor).status_code == 403
    db_session.expire_all()
    assert db_session.scalar(select(func.count(Bundle.id))) == 1
    done = client.post("/api/v1/staff/bundles/import", content=json.dumps([renamed]).encode(), headers=reviewer)
    assert done.status_code == 200 and done.json() == {"read": 1, "published": 1}
    assert {b["code"] for b in client.get("/api/v1/bundles").json()["bundles"]} == {"TEST-BIRTH", "TEST-BIRTH-B"}
