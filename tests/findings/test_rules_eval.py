"""The rule library measured: false positives on real business prose, recall on the labelled set."""

from __future__ import annotations

import pytest

from chatsignals.findings import rules_eval


@pytest.mark.realdata
def test_fewer_than_one_in_a_hundred_real_business_messages_flagged(realdata):
    flagged, total, examples = rules_eval.measure_false_positives(realdata)
    assert total > 3500  # every Enron body and every Parakweet sentence was read
    assert flagged / total < 0.01, examples[:10]


def test_recall_on_the_labelled_dev_split():
    if not rules_eval.DEFAULT_DATA.is_file():
        pytest.skip("data/scam/messages.jsonl is absent")
    rows = rules_eval.load_labelled(rules_eval.DEFAULT_DATA, "dev")
    result = rules_eval.measure_recall(rows)
    assert sum(result.labelled.values()) > 100
    assert result.overall >= 0.9, result.misses[:10]
    assert result.legit_flagged <= 0.05 * max(1, result.legit_total), result.extras[:10]


def test_cli_json_output(capsys, tmp_path):
    data = tmp_path / "m.jsonl"
    data.write_text(
        '{"id": "a", "text": "pls pay by western union", "speaker": "seller", "rules": ["payment.untraceable_method"], "split": "test", "note": ""}\n'
        '{"id": "b", "text": "please pay via trade assurance", "speaker": "seller", "rules": [], "split": "test", "note": ""}\n'
        '{"id": "c", "text": "ok", "speaker": "seller", "rules": ["pressure.urgency"], "split": "test", "note": ""}\n',
        encoding="utf-8",
    )
    assert rules_eval.main(["--data", str(data), "--realdata", str(tmp_path / "none"), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"overall_recall": 0.5' in out and '"legitimate_flagged": 0' in out
