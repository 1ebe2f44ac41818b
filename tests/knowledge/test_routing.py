"""Routing citizens' messages to a department category: the classifier, its peer and `tongban eval routing`."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tongban.knowledge import routing

pytestmark = pytest.mark.req("CONS-10")

TOPICS = {
    "教育文体": ["学校食堂饭菜太差", "孩子转学手续办不下来", "幼儿园乱收费", "老师体罚学生", "学校周边网吧太多",
               "中考加分政策不公平", "学区划分不合理", "学校补课收费", "校车超载", "大学生助学金没发"],
    "交通运输": ["公交车班次太少", "出租车拒载", "道路坑洼不平", "红绿灯时间太短", "公交站台被占",
               "货车超载压坏路面", "网约车乱收费", "高速路口拥堵", "驾校收费不合理", "客运站秩序混乱"],
    "劳动和社会保障": ["公司拖欠工资", "社保没有按时缴纳", "养老金发放延迟", "单位不签劳动合同", "失业金申领困难",
                   "医保报销太慢", "工伤认定不受理", "加班费不发", "退休手续办不了", "农民工工资被拖欠"],
}


BODIES = ("反映一个问题：{}，希望有关部门尽快处理。", "我们这里{}，请领导重视解决。")


def _messages() -> list[routing.Message]:
    """Each complaint twice, in other words: a held-out message usually has its twin among the training ones."""
    return [routing.Message(subject, body.format(subject), label)
            for label, subjects in TOPICS.items() for subject in subjects for body in BODIES]


def test_cross_validation_routes_a_small_synthetic_set_and_reports_the_peer():
    result = routing.cross_validate(_messages(), k=5)
    assert result["n"] == 60 and result["classes"] == 3
    assert result["accuracy"] >= 0.6 and 0 <= result["peer_accuracy"] <= 1 and 0 <= result["macro_f1"] <= 1


def test_folds_are_stratified_and_cover_every_message():
    labels = [0] * 10 + [1] * 5 + [2] * 5
    folds = routing.stratified_folds(labels, 5)
    assert sorted(i for f in folds for i in f) == list(range(20))
    assert all(sum(1 for i in f if labels[i] == 0) == 2 for f in folds)


def test_macro_f1():
    import numpy as np

    assert routing.macro_f1(np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1]), 2) == 1.0
    assert routing.macro_f1(np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0]), 2) == pytest.approx((2 / 3) / 2)


def _write(path: Path, messages) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["留言编号", "留言主题", "留言时间", "留言详情", "一级分类"])
        for n, m in enumerate(messages):
            writer.writerow([n, m.subject, "2020/1/1 10:00:00", m.body, m.label])
    return path


def test_eval_routing_command_prints_one_json_line(tmp_path):
    from tongban.cli import app

    path = _write(tmp_path / "messages.csv", _messages())
    result = CliRunner().invoke(app, ["eval", "routing", "--messages", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    assert set(data) == {"accuracy", "macro_f1", "n", "peer_accuracy"} and data["n"] == 60


def test_eval_routing_refuses_a_file_without_the_columns(tmp_path):
    from tongban.cli import app

    path = tmp_path / "bad.csv"
    path.write_text("标题,内容\n一,二\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "routing", "--messages", str(path), "--json"])
    assert result.exit_code == 2 and "缺少列" in result.output


SHARED = Path(os.environ.get("TONGBAN_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
CONTEST = SHARED / "data" / "messages" / "teddycup2020" / "labelled_messages.csv"


@pytest.mark.skipif(not CONTEST.exists(), reason="the contest messages (../shared) are not beside the checkout")
def test_the_contest_file_reads_as_495_labelled_messages():
    messages = routing.load_messages(CONTEST)
    assert len(messages) == 495 and len({m.label for m in messages}) == 7
