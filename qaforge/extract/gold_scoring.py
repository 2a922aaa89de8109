"""Scoring predicted findings against gold findings (``qaforge score-extraction``).

Both sides are in the stateless extraction format, one line per report:
``{"report_id": ..., "findings": [...]}``. Scores, over the gold reports:

- **values**: per report, the multiset of (code, value) keys, a number rounded
  to one decimal; TP is the smaller count of a key on both sides.
- **locations**: gold and predicted findings of one (report, code, value) are
  paired one to one, greedily by the overlap of their location elements
  (``level:``, ``wall:``, ``segment:``); on the pairs of localized codes the
  elements are compared.
- **certainty**: agreement on all pairs, and per-class counts.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, computed_field

from qaforge.domain.vocabulary import Finding, load_vocabulary
from qaforge.errors import QaforgeError

CERTAINTIES = ("definite", "probable", "possible")


class FileProblem(BaseModel):
    """A line of a findings file that was skipped, and why."""

    line: int
    reason: str


class FindingsFile(BaseModel):
    """The valid lines of a findings file, and the skipped ones."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    reports: dict[str, list[Finding]] = Field(default_factory=dict)
    problems: list[FileProblem] = Field(default_factory=list)


class Counts(BaseModel):
    """True positives, false positives, false negatives, and the rates from them."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @computed_field
    @property
    def precision(self) -> float:
        if self.tp + self.fp == 0:
            return 1.0 if self.tp + self.fn == 0 else 0.0
        return self.tp / (self.tp + self.fp)

    @computed_field
    @property
    def recall(self) -> float:
        if self.tp + self.fn == 0:
            return 1.0 if self.tp + self.fp == 0 else 0.0
        return self.tp / (self.tp + self.fn)

    @computed_field
    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 0.0 if p + r == 0 else 2 * p * r / (p + r)

    def add(self, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn


class ScoreTable(BaseModel):
    """Counts per code and over all codes."""

    per_code: dict[str, Counts] = Field(default_factory=dict)
    micro: Counts = Field(default_factory=Counts)

    @computed_field
    @property
    def macro_f1(self) -> float:
        if not self.per_code:
            return 1.0
        return sum(c.f1 for c in self.per_code.values()) / len(self.per_code)

    def add(self, code: str, tp: int = 0, fp: int = 0, fn: int = 0) -> None:
        self.per_code.setdefault(code, Counts()).add(tp, fp, fn)
        self.micro.add(tp, fp, fn)


class CertaintyScore(BaseModel):
    """Certainty on the matched pairs."""

    pairs: int = 0
    agreeing: int = 0
    per_class: dict[str, Counts] = Field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = Field(default_factory=dict)

    @computed_field
    @property
    def agreement(self) -> float:
        return 1.0 if self.pairs == 0 else self.agreeing / self.pairs


class ExtractionScore(BaseModel):
    """Everything ``score-extraction`` reports."""

    reports_scored: int
    missing_pred_reports: int
    unscored_pred_reports: int
    values: ScoreTable
    locations: ScoreTable
    certainty: CertaintyScore


def read_findings_jsonl(path: Path) -> FindingsFile:
    """Read a findings file; bad lines are skipped and listed, never fatal.

    Raises:
        InputFileError: If the file cannot be read at all.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise QaforgeError.of("E107", path=path, problem=error.strerror) from None
    result = FindingsFile()
    for number, line_bytes in enumerate(raw.split(b"\n"), start=1):
        if not line_bytes.strip():
            continue
        problem = _read_line(line_bytes, result)
        if problem:
            result.problems.append(FileProblem(line=number, reason=problem))
    return result


def _read_line(line_bytes: bytes, result: FindingsFile) -> str | None:
    try:
        line = line_bytes.decode("utf-8")
    except UnicodeDecodeError:
        return "not UTF-8"
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"not JSON ({error.msg})"
    if not isinstance(record, dict) or not isinstance(record.get("report_id"), str):
        return "not an object with a report_id"
    if not isinstance(record.get("findings"), list):
        return "no findings list"
    report_id = record["report_id"]
    if report_id in result.reports:
        return f"report_id {report_id!r} repeated"
    findings = []
    for index, item in enumerate(record["findings"]):
        try:
            findings.append(Finding.model_validate(item))
        except ValidationError as error:
            message = error.errors()[0]["msg"].splitlines()[0]
            return f"finding {index} is invalid: {message}"
    result.reports[report_id] = findings
    return None


def _value_key(finding: Finding) -> tuple[str, str | float]:
    value = finding.value
    return finding.code, (value if isinstance(value, str) else round(float(value), 1))


def _elements(finding: Finding) -> set[str]:
    return (
        {f"level:{x}" for x in finding.levels}
        | {f"wall:{x}" for x in finding.walls}
        | {f"segment:{x}" for x in finding.segments}
    )


def _jaccard(a: set[str], b: set[str]) -> float:
    return 1.0 if not a and not b else len(a & b) / len(a | b)


def pair_findings(
    gold: Sequence[Finding], pred: Sequence[Finding]
) -> list[tuple[Finding, Finding]]:
    """One-to-one pairs of gold and predicted findings with the same (code, value)."""
    by_key_gold: dict[tuple, list[Finding]] = defaultdict(list)
    by_key_pred: dict[tuple, list[Finding]] = defaultdict(list)
    for finding in gold:
        by_key_gold[_value_key(finding)].append(finding)
    for finding in pred:
        by_key_pred[_value_key(finding)].append(finding)
    pairs = []
    for key, golds in by_key_gold.items():
        preds = list(by_key_pred.get(key, []))
        candidates = sorted(
            (
                (-_jaccard(_elements(g), _elements(p)), i, j)
                for i, g in enumerate(golds)
                for j, p in enumerate(preds)
            )
        )
        used_gold: set[int] = set()
        used_pred: set[int] = set()
        for _, i, j in candidates:
            if i in used_gold or j in used_pred:
                continue
            used_gold.add(i)
            used_pred.add(j)
            pairs.append((golds[i], preds[j]))
    return pairs


def score_extraction(
    gold: Mapping[str, Sequence[Finding]], pred: Mapping[str, Sequence[Finding]]
) -> ExtractionScore:
    """Score ``pred`` against ``gold`` over the gold reports (see the module docstring)."""
    vocabulary = load_vocabulary()
    values, locations, certainty = ScoreTable(), ScoreTable(), CertaintyScore()
    for report_id, gold_findings in gold.items():
        pred_findings = pred.get(report_id, [])
        gold_keys = Counter(_value_key(f) for f in gold_findings)
        pred_keys = Counter(_value_key(f) for f in pred_findings)
        for key in gold_keys.keys() | pred_keys.keys():
            shared = min(gold_keys[key], pred_keys[key])
            values.add(key[0], shared, pred_keys[key] - shared, gold_keys[key] - shared)
        for g, p in pair_findings(gold_findings, pred_findings):
            spec = vocabulary.findings.get(g.code)
            if spec is not None and spec.localized:
                a, b = _elements(g), _elements(p)
                locations.add(g.code, len(a & b), len(b - a), len(a - b))
            certainty.pairs += 1
            certainty.agreeing += g.certainty == p.certainty
            row = certainty.confusion.setdefault(g.certainty, {})
            row[p.certainty] = row.get(p.certainty, 0) + 1
            for level in CERTAINTIES:
                counts = certainty.per_class.setdefault(level, Counts())
                counts.add(
                    tp=int(g.certainty == level == p.certainty),
                    fp=int(p.certainty == level != g.certainty),
                    fn=int(g.certainty == level != p.certainty),
                )
    values.per_code = dict(sorted(values.per_code.items()))
    locations.per_code = dict(sorted(locations.per_code.items()))
    return ExtractionScore(
        reports_scored=len(gold),
        missing_pred_reports=sum(1 for r in gold if r not in pred),
        unscored_pred_reports=sum(1 for r in pred if r not in gold),
        values=values,
        locations=locations,
        certainty=certainty,
    )
