"""One-thing bundles (BND-07): submitting a bundle of k items beside k separate submissions of the same items, same run,
same database; and the time of `tongban bundle check` over every bundle.

- bundle: `bundles.submission.submit` of a bundle of k items of k agencies (the merged form, each shared material
  uploaded once and stored for every item that needs it, one bundle case and k sub-cases), one session and one
  commit, as one request has. The plan is made from the answers inside the timed request, as the page does.
- separate: the same k items applied for one by one through `cases.service.submit` with the same values and files,
  one session and one commit per item, as k requests have.
Rounds are interleaved, so load from elsewhere on the machine falls on both alike. `ratio` = bundle time ÷ separate
time (goal ≤ 1.2): what the bundle's bookkeeping costs on top of filing the same cases.

`check_s`: `tongban bundle check` (the CLI command, in this process) over all bundles of the database (`--bundles`
bundles of k items each, with their questions and rules), and `check_ms_per_bundle`.

SQLite in a temporary file by default; PostgreSQL with --database-url (a scratch database is created and dropped).

    .venv/bin/python bench/bundles.py [--k 4] [--n 30] [--bundles 10] [--database-url postgresql+psycopg://…/postgres] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.factories
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("TONGBAN_DATA_KEY", "00112233445566778899aabbccddeeff")  # scratch databases only
os.environ.setdefault("TONGBAN_INDEX_KEY", "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0")
os.environ.setdefault("TONGBAN_LOG_LEVEL", "WARNING")
os.environ.setdefault("TONGBAN_ENV", "development")

from sqlalchemy import create_engine, func, select, text  # noqa: E402

from tongban.core import db as core_db  # noqa: E402
from tongban.core.clock import FixedClock  # noqa: E402

SCRATCH_DB = "tongban_bench_bundles"
CLOCK = FixedClock(datetime(2026, 11, 20, 1, 30, tzinfo=timezone.utc))
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 20_000  # a small scan
BASIS = [{"key": "b1", "title": "《中华人民共和国户口登记条例》", "kind": "law", "article": "第七条",
          "text": "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。"}]


def _content(n: int) -> dict:
    """Item n: two materials shared by every item (身份证, 户口簿) and one of its own; a form of three shared fields
    and one of its own."""
    return dict(
        name=f"测试事项{n}", item_type="confirmation", level="county", audiences=["person"], legal_basis=BASIS,
        materials=[{"key": "id", "name": "申请人居民身份证", "source": "申请人自备", "basis": ["b1"]},
                   {"key": "hukou", "name": "居民户口簿", "source": "申请人自备", "basis": ["b1"]},
                   {"key": f"own{n}", "name": f"事项{n}申请表", "source": "申请人自备", "basis": ["b1"]}],
        form=[{"key": "name", "label": "申请人", "prefill": "applicant.name"},
              {"key": "phone", "label": "联系电话", "kind": "phone", "prefill": "applicant.phone"},
              {"key": "address", "label": "住址"},
              {"key": f"note{n}", "label": f"事项{n}说明", "required": False}],
        promised_limit_days=5, legal_limit_days=10, themes=[], life_stages=[], tags=[], handling_scope="fixed",
        result={"name": "办理结果", "kind": "证明", "delivery": ["online_download", "window_pickup"]},
    )


def _definition(code: str, lead_code: str, item_codes: list[str], region: str) -> dict:
    return {
        "code": code, "name": f"测试一件事{code}", "theme": "测试", "audience": "person", "region_code": region,
        "lead_agency": lead_code, "start": "q1",
        "questions": [{"id": "q1", "text": "同时办理最后一项吗？", "options": [
            {"value": "yes", "label": "办理", "next": "q2"}, {"value": "no", "label": "不办理", "next": "q2"}]},
            {"id": "q2", "text": "住址在本区吗？", "options": [
                {"value": "yes", "label": "在本区", "next": None}, {"value": "no", "label": "不在", "next": None}]}],
        "items": [{"code": c, "role": "situational" if i == len(item_codes) - 1 else "required"}
                  for i, c in enumerate(item_codes)],
        "rules": [{"when": {"q1": ["yes"]}, "require": [item_codes[-1]], "why": "您选择同时办理"}],
    }


def prepare(url: str, k: int, bundles: int):
    """Regions, k agencies with one item each, `bundles` bundles over those items, and one person."""
    from tests.factories import make_agency, make_item, make_person

    from tongban.bundles import service as bundle_service
    from tongban.catalog.regions import load_regions
    from tongban.core.migrate import upgrade

    upgrade(url)
    core_db.configure(url)
    with core_db.session_scope() as session:
        load_regions(db_session=session)
        agencies = [make_agency(session, name=f"广安区测试局{i}", region_code="511602", level="county") for i in range(k)]
        items = [make_item(session, CLOCK, agency=agencies[i], code=f"BENCH-{i:02d}", **_content(i)) for i in range(k)]
        codes = [i.implementation_code for i in items]
        ids = []
        for b in range(bundles):
            bundle, _ = bundle_service.import_definition(db_session=session, clock=CLOCK, by="bench",
                                                         data=_definition(f"BENCH-{b:03d}", agencies[0].code, codes, "511602"))
            ids.append(bundle.id)
        person = make_person(session, CLOCK, name="王小明")
        return ids[0], [i.id for i in items], person.id


def _applicant(session, person_id: int):
    from tongban.accounts import persons
    from tongban.cases.forms import Applicant

    p = persons.get(db_session=session, person_id=person_id)
    return Applicant("person", p.id, None, p.name, p.id_number, p.phone)


VALUES = {"name": "王小明", "phone": "13900000001", "address": "广安区建设路1号"}


def submit_bundle(factory, bundle_id: int, person_id: int, key: str) -> None:
    from tongban.baselib.service import TableBaseLibrary
    from tongban.bundles import submission
    from tongban.cases.enums import CaseChannel
    from tongban.cases.files import Upload

    with factory() as session:
        plan = submission.make_plan(db_session=session, clock=CLOCK, bundle_id=bundle_id, answers={"q1": "yes", "q2": "yes"})
        form = {m.field.key: VALUES.get(m.field.key, "") for m in plan.form}
        uploads = [Upload(m.key, f"{m.name}.pdf", PDF) for m in plan.materials]
        sub = submission.BundleSubmission(bundle_id=bundle_id, answers=dict(plan.answers), form=form, uploads=uploads,
                                          delivery_method="online_download")  # as the page posts it
        submission.submit(db_session=session, clock=CLOCK, library=TableBaseLibrary(session),
                          applicant=_applicant(session, person_id), submission=sub, channel=CaseChannel.web,
                          submitter_ref=f"person:{person_id}", idempotency_key=key, plan=plan)
        session.commit()


def submit_separately(factory, item_ids: list[int], person_id: int, key: str) -> None:
    from tongban.baselib.service import TableBaseLibrary
    from tongban.cases import service as cases
    from tongban.cases.enums import CaseChannel
    from tongban.cases.files import Upload

    for n, item_id in enumerate(item_ids):
        with factory() as session:
            sub = cases.Submission(item_id=item_id, form={**VALUES}, exemptions={}, delivery_method="online_download",
                                   uploads=[Upload("id", "申请人居民身份证.pdf", PDF), Upload("hukou", "居民户口簿.pdf", PDF),
                                            Upload(f"own{n}", f"事项{n}申请表.pdf", PDF)])
            cases.submit(db_session=session, clock=CLOCK, library=TableBaseLibrary(session),
                         applicant=_applicant(session, person_id), submission=sub, channel=CaseChannel.web,
                         submitter_ref=f"person:{person_id}", idempotency_key=f"{key}-{n}")
            session.commit()


def time_check() -> float:
    from typer.testing import CliRunner

    from tongban.cli import app as cli_app

    start = time.perf_counter()
    result = CliRunner().invoke(cli_app, ["bundle", "check"])
    elapsed = time.perf_counter() - start
    if result.exit_code != 0:
        raise SystemExit(f"tongban bundle check failed:\n{result.output}")
    return elapsed


def run(url: str, k: int, n: int, bundles: int, warmup: int) -> dict:
    from tongban.bundles.models import BundleCase
    from tongban.cases.models import Case

    bundle_id, item_ids, person_id = prepare(url, k, bundles)
    factory = core_db.session_factory()
    for i in range(warmup):  # untimed: the first use of each statement and of each item's parsed content
        submit_bundle(factory, bundle_id, person_id, f"warm-bundle-{i:04d}")
        submit_separately(factory, item_ids, person_id, f"warm-single-{i:04d}")
    together = separate = 0.0
    for i in range(n):
        start = time.perf_counter()
        submit_bundle(factory, bundle_id, person_id, f"bench-bundle-{i:05d}")
        middle = time.perf_counter()
        submit_separately(factory, item_ids, person_id, f"bench-single-{i:05d}")
        together, separate = together + middle - start, separate + time.perf_counter() - middle
    with factory() as session:  # both sides filed what they should
        assert session.scalar(select(func.count(BundleCase.id))) == n + warmup
        assert session.scalar(select(func.count(Case.id))) == 2 * k * (n + warmup)
    check_s = time_check()
    return {"k": k, "n": n, "bundle_ms": round(1000 * together / n, 2), "separate_ms": round(1000 * separate / n, 2),
            "ratio": round(together / separate, 3), "bundles": bundles, "check_s": round(check_s, 3),
            "check_ms_per_bundle": round(1000 * check_s / bundles, 2)}


def _scratch_pg(server_url: str, create: bool) -> str:
    head, _, _ = server_url.rpartition("/")
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)'))
        if create:
            conn.execute(text(f'CREATE DATABASE "{SCRATCH_DB}"'))
    admin.dispose()
    return f"{head}/{SCRATCH_DB}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--k", type=int, default=4, help="items in the bundle (each of its own agency)")
    ap.add_argument("--n", type=int, default=30, help="timed rounds: one bundle and k separate submissions each")
    ap.add_argument("--warmup", type=int, default=3, help="untimed rounds first")
    ap.add_argument("--bundles", type=int, default=10, help="bundles in the database for `tongban bundle check`")
    ap.add_argument("--database-url", default="", help="PostgreSQL server URL; a scratch database is created there")
    ap.add_argument("--json", action="store_true", help="last line: one JSON object with all figures")
    args = ap.parse_args()
    if args.k < 2:
        raise SystemExit("--k: a bundle has at least 2 items")
    if args.database_url:
        url = _scratch_pg(args.database_url, create=True)
        try:
            result, database = run(url, args.k, args.n, args.bundles, args.warmup), "postgresql"
        finally:
            core_db.get_engine().dispose()
            _scratch_pg(args.database_url, create=False)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            result, database = run(f"sqlite:///{Path(tmp) / 'bench.db'}", args.k, args.n, args.bundles, args.warmup), "sqlite"
            core_db.get_engine().dispose()
    print(f"{database}: a bundle of {result['k']} items {result['bundle_ms']:.1f} ms, {result['k']} separate submissions "
          f"{result['separate_ms']:.1f} ms → ratio {result['ratio']:.2f} (goal ≤ 1.2)")
    print(f"{database}: tongban bundle check over {result['bundles']} bundles {result['check_s']:.3f} s "
          f"({result['check_ms_per_bundle']:.1f} ms each)")
    if args.json:
        print(json.dumps({"bench": "bundles", "database": database, **result}))


if __name__ == "__main__":
    main()
