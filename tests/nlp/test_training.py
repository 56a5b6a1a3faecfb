"""Training, evaluation and the safe loading of the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatsignals.nlp import classifier, training

ROWS = [
    ("we will ship within 15 days after deposit", "seller", "commitment", "delivery"),
    ("goods shipped yesterday by DHL", "seller", "claim", "delivery"),
    ("i send you the invoice tomorrow", "seller", "commitment", "documents"),
    ("packing list attached", "seller", "claim", "documents"),
    ("the material is 304 stainless steel", "seller", "claim", "quality"),
    ("we have CE and RoHS certificate", "seller", "claim", "quality"),
    ("can you ship next week?", "buyer", "none", None),
    ("pls pay the balance today", "seller", "none", None),
    ("we cannot ship before CNY", "seller", "none", None),
    ("hello dear good morning", "seller", "none", None),
]


def _write(folder: Path, name: str, rows: list[tuple]) -> None:
    with (folder / f"{name}.jsonl").open("w", encoding="utf-8") as out:
        for n, (text, speaker, label, category) in enumerate(rows):
            deadline = None
            if "15 days after deposit" in text:
                deadline = {"earliest": "2025-03-03", "latest": "2025-03-18", "anchor": "deposit",
                            "text": "within 15 days after deposit"}
            out.write(json.dumps({
                "id": f"{name}{n}", "text": text, "speaker": speaker, "channel": "chat",
                "style": "t", "context": None, "sent": "2025-03-03T10:00:00",
                "events": {"deposit": "2025-03-03"}, "label": label, "category": category,
                "strength": None if label == "none" else (
                    "conditional" if deadline else "firm"),
                "value": None, "deadline": deadline, "group": f"g{n % 3}",
            }) + "\n")


def test_train_then_evaluate_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "train", ROWS)
    _write(tmp_path, "test", ROWS)
    assert training.cli_train(str(tmp_path), str(tmp_path / "models")) == 0
    model_file = tmp_path / "models" / classifier.MODEL_FILE
    assert model_file.is_file()
    capsys.readouterr()
    assert training.cli_evaluate(str(tmp_path), str(model_file), as_json=True) == 0
    result = json.loads(capsys.readouterr().out)
    model = result["model"]
    assert model["examples"] == len(ROWS)
    assert model["detection"]["f1"] >= 0.8
    assert model["deadline_window_accuracy"] == 1.0  # the one gold window, resolved from events
    assert isinstance(model["errors"], int)  # the test sentences stay unread unless asked for
    assert training.cli_evaluate(str(tmp_path), str(model_file), as_json=True, show_misses=True) == 0
    shown = json.loads(capsys.readouterr().out)["rules_only"]["errors"]
    assert isinstance(shown, list) and all({"id", "text", "problems"} <= set(e) for e in shown)


def test_train_adds_train_extra_and_never_reads_test(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "train", ROWS[:6])
    examples, files = training.load_training(tmp_path)
    assert len(examples) == 6 and files == [tmp_path / "train.jsonl"]
    _write(tmp_path, "train_extra", ROWS[6:])
    (tmp_path / "test.jsonl").write_text("held out, not JSON\n", encoding="utf-8")
    examples, files = training.load_training(tmp_path)
    assert [ex["text"] for ex in examples] == [row[0] for row in ROWS]
    assert files == [tmp_path / "train.jsonl", tmp_path / "train_extra.jsonl"]
    assert training.cli_train(str(tmp_path), str(tmp_path / "models")) == 0
    out = capsys.readouterr().out
    assert f"trained on {len(ROWS)} examples" in out and "train_extra.jsonl" in out


def test_missing_data_is_one_line_not_a_traceback(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert training.cli_evaluate(str(tmp_path / "nowhere"), None) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "test.jsonl" in err


class Sneaky:
    """Stands for any type a tampered model file could smuggle in."""

    def __init__(self) -> None:
        self.payload = "x"


def test_untrusted_types_are_refused(tmp_path: Path) -> None:
    import skops.io as sio

    path = tmp_path / classifier.MODEL_FILE
    sio.dump({"label": Sneaky(), "category": None, "meta": {}}, path)
    with pytest.raises(ValueError, match="untrusted"):
        classifier.read_model(path)


def test_shipped_model_loads_with_trusted_types_only() -> None:
    shipped = classifier.default_model_dir() / classifier.MODEL_FILE
    if not shipped.is_file():
        pytest.skip("no shipped model in this checkout")
    model = classifier.read_model(shipped)
    row = classifier.FeatureRow("we will ship tomorrow", ["cue_future", "rule_label_commitment"])
    assert model.predict([row])[0].label == "commitment"
