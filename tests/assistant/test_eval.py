"""`tongban eval assistant`: the Sichuan catalog in a scratch database, every question of a TSV, one JSON line (CONS-01)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tongban.assistant.evaluate import Question, Said, evaluate, load_questions
from tongban.cli import app

SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR") or Path(__file__).resolve().parents[2].parent / "shared")
SOURCE = SHARED / "data" / "catalogs" / "sichuan-guangan" / "items.json"
needs_source = pytest.mark.skipif(not SOURCE.exists(), reason="shared/ is not beside this checkout")


def test_metrics_count_choices_hand_offs_and_facts():
    questions = [Question("a", ("A",), "fee"), Question("b", ("B",), "materials"), Question("c", (), "no-item"),
                 Question("d", ("D",), "fee")]
    said = {"a": Said("answer", ("A",), (), "fee"), "b": Said("choose", ("X", "B"), (), "fee"),
            "c": Said("choose", ("Y",), (), None), "d": Said("handoff", (), ("D",), "fee")}
    m = evaluate(lambda q: said[q], questions)
    assert m.item_hit1 == pytest.approx(1 / 3) and m.item_hit5 == pytest.approx(1.0)
    assert m.fact_acc == pytest.approx(2 / 3) and m.no_item_ok == 0.0 and m.n == 4 and m.asked_back == 2


def test_a_bad_question_file_names_its_line(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("question\texpected\tfact\n开饭馆要带什么\t食品经营许可\tcolour\n", encoding="utf-8")
    with pytest.raises(ValueError, match="第 2 行"):
        load_questions(path)


@pytest.mark.req("CONS-01")
@pytest.mark.db_independent  # a scratch SQLite database of its own
@needs_source
def test_eval_command_prints_one_json_line(tmp_path):
    queries = tmp_path / "q.tsv"
    queries.write_text("question\texpected\tfact\n申请护照要多少钱\t普通护照签发\tfee\n就业登记在哪里办\t就业登记\tlocation\n"
                       "你们的网站打不开怎么办\t-\tno-item\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "assistant", "--sichuan", str(SOURCE), "--queries", str(queries), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert set(figures) == {"item_hit1", "item_hit5", "fact_acc", "no_item_ok", "n", "p50_ms", "p99_ms"}
    assert figures["n"] == 3 and figures["item_hit1"] == 1.0 and figures["fact_acc"] == 1.0 and figures["no_item_ok"] == 1.0
