"""`tongban eval search`: the Sichuan catalog in a temporary database, every query of a TSV, MRR and latency."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tongban.cli import app
from tongban.search.evaluate import evaluate, load_queries

SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
SOURCE = SHARED / "data" / "catalogs" / "sichuan-guangan" / "items.json"
needs_source = pytest.mark.skipif(not SOURCE.exists() and not os.environ.get("CI"), reason="shared/ is not beside this checkout")


def test_metrics_from_ranks():
    queries = [("a", ["A"]), ("b", ["B", "B2"]), ("c", ["C"])]
    answers = {"a": ["A", "X"], "b": ["X", "B2"], "c": ["X", "Y"]}
    metrics = evaluate(lambda q: answers[q], queries)
    assert metrics.mrr == pytest.approx((1 + 0.5 + 0) / 3)
    assert metrics.hit5 == pytest.approx(2 / 3)
    assert metrics.n == 3 and [m.query for m in metrics.misses] == ["b", "c"]


def test_a_bad_query_file_names_its_line(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("query\texpected\n办身份证\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 2 行"):
        load_queries(path)


@pytest.mark.db_independent  # a scratch SQLite database of its own
@needs_source
def test_eval_command_prints_metrics_and_json(tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("query\texpected (any of, separated by |)\n开个体户\t个体工商户设立登记\n办身份证\t居民身份证办理（包括临时）\n采砂\t河道采砂许可\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "search", "--sichuan", str(SOURCE), "--queries", str(queries), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["n"] == 3 and figures["mrr"] == 1.0 and figures["hit5"] == 1.0
    assert set(figures) == {"mrr", "hit5", "p50_ms", "p99_ms", "n"}
    assert "事项 1135 条" in result.output
