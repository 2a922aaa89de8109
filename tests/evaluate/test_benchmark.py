"""Reading an export folder with the record model, and the majority answers, on hand-made records."""

from __future__ import annotations

import json

import pytest

from qaforge.domain.export import ExportRecord
from qaforge.errors import InputFileError
from qaforge.evaluate.baseline import majority_answers
from qaforge.evaluate.benchmark import answer_texts, read_benchmark, read_predictions
from qaforge.evaluate.prompts import chat_messages

SIZE = {"A": "Small", "B": "Normal", "C": "Dilated"}


def record(identifier, answer, *, split="train", answer_type="single_choice", options=SIZE):
    letters = [answer] if isinstance(answer, str) else answer
    return ExportRecord(
        id=identifier,
        split=split,
        tier="image_understanding",
        sequence="cine",
        subtask="lv_size",
        question="How large is the LV?",
        options=options,
        answer=letters,
        answer_text="; ".join(options[letter] for letter in letters),
        answer_type=answer_type,
        images=["images/a.png"],
        image_provenance=[],
        verification="unverified",
    )


def write_records(folder, lines):
    (folder / "data").mkdir()
    (folder / "data" / "test.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_records_are_read_sorted_by_id(tmp_path):
    write_records(
        tmp_path, [record("2", "C").model_dump_json(), record("1", "B").model_dump_json()]
    )
    assert [r.id for r in read_benchmark(tmp_path)] == ["1", "2"]


@pytest.mark.parametrize(
    "line",
    [
        "not json",
        "[1, 2]",
        json.dumps({"id": "1", "answer_type": "single_choice", "options": {}, "answer": "A"}),
    ],
)
def test_a_line_that_is_not_a_record_is_e801_with_its_line_number(tmp_path, line):
    write_records(tmp_path, [record("1", "B").model_dump_json(), line])
    with pytest.raises(InputFileError) as caught:
        read_benchmark(tmp_path)
    assert caught.value.code == "E801" and "test.jsonl line 2" in caught.value.message


def test_a_folder_without_records_is_e801(tmp_path):
    with pytest.raises(InputFileError) as caught:
        read_benchmark(tmp_path)
    assert caught.value.code == "E801"


def test_prediction_lines_are_kept_refused_or_counted_unknown(tmp_path):
    path = tmp_path / "preds.jsonl"
    lines = ["{", json.dumps({"output": "B"}), json.dumps({"id": "9", "output": "B"})]
    lines += [json.dumps({"id": "1", "prediction": ["B", "C"]}), json.dumps({"id": "2"}), ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_predictions(path, {"1", "2"})
    assert read.outputs == {"1": "B, C"}
    assert read.refused == [
        "line 1: not JSON",
        "line 2: no string 'id'",
        "line 5: no 'output' text",
    ]
    assert read.unknown_ids == 1


def test_the_majority_answer_is_the_commonest_training_answer_text():
    records = [
        record("1", "C"),
        record("2", "C"),
        record("3", "B"),
        record("4", "A", split="test", options={"A": "Dilated", "B": "Small", "C": "Normal"}),
    ]
    assert answer_texts(records[0]) == ["Dilated"]
    assert majority_answers(records) == ["C", "C", "C", "A"]


def test_the_messages_hold_the_prompt_the_lettered_options_and_the_images():
    messages = chat_messages(record("1", ["A"], answer_type="multiple_choice"), "plain", [b"png"])
    text = messages[1]["content"][0]["text"]
    assert messages[0]["role"] == "system"
    assert text.endswith("A. Small\nB. Normal\nC. Dilated\nSeveral options may be correct.")
    assert messages[1]["content"][1]["image_url"]["url"] == "data:image/png;base64,cG5n"
