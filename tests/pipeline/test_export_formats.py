"""VLMEvalKit TSVs and the lmms-eval task folder, written from hand-made records and read
back the way each harness reads them (pandas ``read_csv(sep="\\t")`` and base64 images;
the task YAML with its ``!function`` tags, ``utils.py`` imported from the folder, the
data through ``datasets.load_dataset("parquet", ...)``), scored against our scoring."""

from __future__ import annotations

import base64
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import datasets
import numpy as np
import pandas as pd
import pytest
import yaml
from PIL import Image

from qaforge.domain.export import ExportRecord, ImageProvenance
from qaforge.evaluate.metrics import token_f1
from qaforge.evaluate.scoring import score
from qaforge.export.records import answer_fields
from qaforge.libs.pictures import encode_png
from qaforge.pipeline.export_formats import write_lmms_eval, write_vlmevalkit

SIZES = {"images/a.png": (32, 24), "images/b.png": (40, 30), "images/c.png": (16, 16)}
OPEN_ANSWER = "Moderate pericardial effusion. No late gadolinium enhancement."


def png(size: tuple[int, int]) -> bytes:
    width, height = size
    pixels = (np.arange(width * height, dtype=np.uint32).reshape(height, width) % 251).astype(
        np.uint8
    )
    return encode_png(pixels, compress_level=6)


IMAGES = {name: png(size) for name, size in SIZES.items()}


def record(item_id: str, split: str, answer_type: str, options, answer, images) -> ExportRecord:
    letters, answer_text = answer_fields(answer_type, options or {}, answer)
    return ExportRecord(
        id=item_id,
        split=split,
        tier="report_generation" if answer_type == "open_text" else "image_understanding",
        sequence="lge",
        subtask=f"subtask_{answer_type}",
        question=f"Question of {item_id}?",
        options=options,
        answer=letters,
        answer_text=answer_text,
        answer_type=answer_type,
        images=images,
        image_provenance=[
            ImageProvenance(
                series_id="ser-1", z=rank, t=0, protocol="clinical", budget=4, rank=rank
            )
            for rank in range(len(images))
        ],
        verification="verified",
    )


RECORDS = [
    record("item-1", "test", "single_choice", {"A": "Yes", "B": "No"}, "B", ["images/a.png"]),
    record(
        "item-2",
        "test",
        "multiple_choice",
        {"A": "Septal", "B": "Lateral", "C": "Inferior", "D": "Apical"},
        ["A", "C"],
        ["images/b.png", "images/c.png"],
    ),
    record("item-3", "test", "open_text", {}, OPEN_ANSWER, ["images/a.png"]),
    record(
        "item-4",
        "train",
        "single_choice",
        {"A": "Mild", "B": "Moderate", "C": "Severe"},
        "C",
        ["images/c.png"],
    ),
]


def decoded_size(encoded: str) -> tuple[int, int]:
    data = base64.b64decode(encoded, validate=True)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return Image.open(io.BytesIO(data)).size


def test_vlmevalkit_tables_hold_one_row_per_item_with_decodable_images(tmp_path):
    files = write_vlmevalkit(tmp_path, RECORDS, IMAGES.__getitem__)
    assert files == {
        "QAForge_test_MCQ.tsv": 1,
        "QAForge_test_MCQ_MULTI.tsv": 1,
        "QAForge_test_VQA.tsv": 1,
        "QAForge_train_MCQ.tsv": 1,
    }
    by_id = {r.id: r for r in RECORDS}
    indices = []
    for name in files:
        frame = pd.read_csv(tmp_path / name, sep="\t", keep_default_na=False)
        assert {"index", "question", "answer", "category", "image"} <= set(frame.columns)
        assert frame["index"].dtype == np.int64
        indices.extend(frame["index"])
        for row in frame.to_dict("records"):
            rec = by_id[row["id"]]
            assert row["question"] == rec.question and row["category"] == rec.subtask
            # VLMEvalKit reads a value starting with "[" as a list of base64 images.
            images = json.loads(row["image"]) if row["image"].startswith("[") else [row["image"]]
            assert [decoded_size(i) for i in images] == [SIZES[p] for p in rec.images]
            if rec.answer_type == "open_text":
                assert "A" not in frame.columns and row["answer"] == OPEN_ANSWER
                continue
            options = {c: row[c] for c in frame.columns if len(c) == 1 and row[c] != ""}
            assert options == rec.options
            assert set(row["answer"]) <= set(options)
            expected = rec.answer if isinstance(rec.answer, str) else "".join(rec.answer)
            assert row["answer"] == expected
    assert sorted(indices) == list(range(len(RECORDS)))
    multi = pd.read_csv(tmp_path / "QAForge_test_MCQ_MULTI.tsv", sep="\t")
    assert json.loads(multi["image_path"][0]) == [
        f"{multi['index'][0]}_0.png",
        f"{multi['index'][0]}_1.png",
    ]
    assert "Several options" in multi["hint"][0]


def function_loader(folder: Path) -> type[yaml.SafeLoader]:
    """A YAML loader resolving ``!function utils.name`` against the folder, as lmms-eval does."""

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader, node):
        module_name, function = loader.construct_scalar(node).rsplit(".", 1)
        return getattr(import_file(folder / f"{module_name}.py"), function)

    Loader.add_constructor("!function", construct)
    return Loader


def import_file(path: Path):
    spec = importlib.util.spec_from_file_location(f"task_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def task_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lmms-eval")
    files = write_lmms_eval(folder, RECORDS, IMAGES.__getitem__)
    assert files["data/test.parquet"] == 3 and files["data/train.parquet"] == 1
    return folder


@pytest.fixture(scope="module")
def test_task(task_folder):
    text = (task_folder / "qaforge_test.yaml").read_text()
    return yaml.load(text, Loader=function_loader(task_folder))  # noqa: S506 (SafeLoader subclass)


@pytest.fixture(scope="module")
def docs(test_task):
    """The test split as lmms-eval loads it (``load_dataset(dataset_path, **dataset_kwargs)``)."""
    loaded = datasets.load_dataset(test_task["dataset_path"], **test_task["dataset_kwargs"])
    return {doc["id"]: doc for doc in loaded[test_task["test_split"]]}


def test_the_task_yaml_names_the_dataset_split_and_utils_functions(test_task):
    assert test_task["task"] == "qaforge_test" and test_task["output_type"] == "generate_until"
    for key in ("doc_to_visual", "doc_to_text", "doc_to_target", "process_results"):
        assert callable(test_task[key]) and test_task[key].__name__ == key
    metrics = {m["metric"]: m["aggregation"] for m in test_task["metric_list"]}
    assert set(metrics) == {"qaforge_accuracy", "qaforge_token_f1", "qaforge_findings_f1"}
    assert metrics["qaforge_accuracy"]([1.0, 0.0, 1.0]) == pytest.approx(2 / 3)
    assert metrics["qaforge_findings_f1"]([(1, 2, 2), (1, 1, 2)]) == pytest.approx(4 / 7)


def test_utils_give_the_images_and_the_question_of_a_loaded_row(test_task, docs):
    assert len(docs) == 3
    multi = docs["item-2"]
    assert [im.size for im in test_task["doc_to_visual"](multi)] == [(40, 30), (16, 16)]
    text = test_task["doc_to_text"](multi, {"pre_prompt": "", "post_prompt": "\nLetters only."})
    assert text.startswith("Question of item-2?\nA. Septal\nB. Lateral")
    assert "Several options may be correct." in text and text.endswith("Letters only.")
    assert test_task["doc_to_target"](multi) == "A, C"
    assert test_task["doc_to_target"](docs["item-3"]) == OPEN_ANSWER


def ours(rec: ExportRecord, output: str) -> float:
    """Our scoring's accuracy of one choice item answered with ``output``."""
    return score([rec], {rec.id: output}, lambda text: set())["summary"]["accuracy"]["value"]


CHOICE_CASES = [
    ("item-1", "Answer: B", 1.0),
    ("item-1", "A", 0.0),
    ("item-1", "I cannot tell", 0.0),
    ("item-2", "Answer: A, C", 1.0),
    ("item-2", "A", 0.0),
]


@pytest.mark.parametrize(("item", "output", "expected"), CHOICE_CASES)
def test_process_results_scores_choice_items_as_qaforge_does(
    test_task, docs, item, output, expected
):
    result = test_task["process_results"](docs[item], [output])
    rec = next(r for r in RECORDS if r.id == item)
    assert result == {"qaforge_accuracy": expected} and ours(rec, output) == expected


def test_process_results_scores_open_items_with_token_and_findings_f1(test_task, docs):
    output = "Moderate pericardial effusion."
    result = test_task["process_results"](docs["item-3"], [output])
    assert result["qaforge_token_f1"] == pytest.approx(token_f1(output, OPEN_ANSWER))
    matched, predicted, reference = result["qaforge_findings_f1"]
    assert matched == predicted == 1 and reference >= 2


def test_utils_score_with_the_exported_copy_where_qaforge_is_not_installed(task_folder):
    """``python -S`` sees no site-packages, so no qaforge: utils.py falls back to its copy."""
    script = (
        "import importlib.util, json\n"
        "spec = importlib.util.spec_from_file_location('utils', 'utils.py')\n"
        "utils = importlib.util.module_from_spec(spec); spec.loader.exec_module(utils)\n"
        "doc = {'question': 'Q?', 'options': json.dumps({'A': 'Septal', 'B': 'Lateral', "
        "'C': 'Inferior'}), 'answer': ['A', 'C'], 'answer_type': 'multiple_choice'}\n"
        "print(json.dumps([utils.SCORING, utils.process_results(doc, ['Answer: A, C']), "
        "utils.process_results(doc, ['C']), utils.doc_to_text(doc)]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-S", "-c", script],
        cwd=task_folder,
        capture_output=True,
        text=True,
        check=True,
    )
    scoring, right, wrong, text = json.loads(run.stdout)
    assert scoring == "copy"
    assert right == {"qaforge_accuracy": 1.0} and wrong == {"qaforge_accuracy": 0.0}
    assert text == "Q?\nA. Septal\nB. Lateral\nC. Inferior\nSeveral options may be correct."
