"""Turning one study's findings into QA items (pure: no I/O, no clock).

For each subtask of the catalogue, :func:`generate_study_items` reads the
answer from the findings (:mod:`qaforge.generate.answers`), picks a
paraphrase, orders the options and hashes the item's content into its id.
Everything that varies is derived from a seed that is a hash of the item's
stable content, so the same findings always give the same item and id.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from collections import Counter
from dataclasses import dataclass, field

from qaforge.domain.qa import GenerationConfig, QAItemDraft, SourcedFinding, StudyFindings
from qaforge.generate.answers import DerivedAnswer, SkipReason, derive_answer
from qaforge.generate.catalogue import Catalogue, OptionSpec, Subtask
from qaforge.generate.letters import LetterPlanner

LETTERS = string.ascii_uppercase


@dataclass
class StudyGeneration:
    """What one study gave.

    Attributes:
        items: The items, one per subtask at most.
        skipped: ``(subtask_id, reason)`` counts of subtasks whose code the
            study's findings mention but which made no item; silence is not counted.
    """

    items: list[QAItemDraft] = field(default_factory=list)
    skipped: Counter[tuple[str, SkipReason]] = field(default_factory=Counter)


def finding_content(finding: SourcedFinding) -> list:
    """What of a finding an item's identity depends on (not its run or its offsets)."""
    item = finding.finding
    return [
        item.code,
        item.value,
        sorted(item.levels),
        sorted(item.walls),
        sorted(item.segments),
        item.certainty,
    ]


def generate_study_items(
    study: StudyFindings,
    catalogue: Catalogue,
    config: GenerationConfig,
    *,
    extraction_run_id: str,
    letters: LetterPlanner | None = None,
) -> StudyGeneration:
    """Every item the catalogue makes from one study.

    Args:
        study: The study's findings and series.
        catalogue: A validated catalogue.
        config: Generation settings (possible findings, series, seed).
        extraction_run_id: The run the findings come from (provenance).
        letters: Chooses answer positions; pass one planner for a whole run so
            positions balance across studies (a fresh one is used otherwise).

    Returns:
        The items, and why subtasks that touch the study's findings made none.
    """
    result = StudyGeneration()
    letters = letters if letters is not None else LetterPlanner()
    for subtask in catalogue.subtasks:
        derived = derive_answer(subtask, study.findings, include_possible=config.include_possible)
        if isinstance(derived, str):
            if derived != "silent":
                result.skipped[(subtask.id, derived)] += 1
            continue
        if config.require_series and not _has_series(subtask, study.series_views):
            result.skipped[(subtask.id, "no_series")] += 1
            continue
        result.items.append(
            build_item(
                subtask,
                derived,
                study_id=study.study_id,
                catalogue=catalogue,
                config=config,
                extraction_run_id=extraction_run_id,
                letters=letters,
            )
        )
    return result


def _has_series(subtask: Subtask, series_views: dict[str, frozenset[str]] | None) -> bool:
    if series_views is None:
        return True
    wanted = set(subtask.views)
    if subtask.sequence == "overall":
        return any(views & wanted for views in series_views.values())
    return bool(series_views.get(subtask.sequence, frozenset()) & wanted)


def build_item(
    subtask: Subtask,
    derived: DerivedAnswer,
    *,
    study_id: str,
    catalogue: Catalogue,
    config: GenerationConfig,
    extraction_run_id: str,
    letters: LetterPlanner,
) -> QAItemDraft:
    """One item from a subtask and its derived answer (see :func:`generate_study_items`)."""
    contents = sorted(
        (finding_content(item) for item in derived.findings),
        key=lambda content: json.dumps(content),
    )
    stable = json.dumps([config.seed, subtask.id, subtask.version, study_id, contents])
    seed = int.from_bytes(hashlib.sha256(stable.encode()).digest()[:8], "big") >> 1
    paraphrases = catalogue.questions[subtask.id]
    template = paraphrases[(seed >> 32) % len(paraphrases)]
    provenance: dict = {
        "template": {
            "id": template.template_id,
            "version": subtask.version,
            "source_sha256": template.source_sha256,
        },
        "catalogue_sha256": catalogue.sha256,
        "extraction_run": extraction_run_id,
        "answer_keys": list(derived.keys),
        "report_versions": sorted({item.report_version_id for item in derived.findings}),
        "views": list(subtask.views),
        "config": config.model_dump(),
    }
    content_key = hashlib.sha256(
        json.dumps(
            [
                config.seed,
                subtask.id,
                subtask.version,
                study_id,
                contents,
                template.text,
                derived.keys,
            ],
            ensure_ascii=False,
        ).encode()
    ).hexdigest()
    if subtask.answer_type == "open_text":
        options: dict[str, str] = {}
        answer: str | list[str] = reference_text(derived.findings)
        answer_key = None
        option_seed = None
        provenance["reference_findings"] = [
            dict(
                zip(
                    ("code", "value", "levels", "walls", "segments", "certainty"),
                    content,
                    strict=True,
                )
            )
            for content in contents
        ]
    else:
        position = None
        if subtask.option_order == "shuffled" and subtask.answer_type == "single_choice":
            position = letters.position(
                subtask_id=subtask.id,
                content_key=content_key,
                option_count=len(subtask.options),
                seed=seed,
            )
        ordered = order_options(subtask, derived.keys, seed, answer_position=position)
        options = {LETTERS[index]: option.text for index, option in enumerate(ordered)}
        answer_letters = [
            LETTERS[index] for index, option in enumerate(ordered) if option.key in derived.keys
        ]
        answer = answer_letters[0] if subtask.answer_type == "single_choice" else answer_letters
        answer_key = "|".join(derived.keys)
        option_seed = seed
    identity = json.dumps(
        [
            subtask.id,
            subtask.version,
            study_id,
            contents,
            template.text,
            list(options.items()),
            answer,
        ],
        ensure_ascii=False,
    )
    return QAItemDraft(
        id=hashlib.sha256(identity.encode()).hexdigest(),
        study_id=study_id,
        subtask_id=subtask.id,
        subtask_version=subtask.version,
        tier=subtask.tier,
        sequence=subtask.sequence,
        answer_type=subtask.answer_type,
        question=template.text,
        options=options,
        answer=answer,
        answer_key=answer_key,
        content_key=content_key,
        template_id=template.template_id,
        template_version=subtask.version,
        option_seed=option_seed,
        finding_ids=tuple(sorted({item.finding_id for item in derived.findings})),
        provenance=provenance,
    )


def order_options(
    subtask: Subtask,
    answer_keys: tuple[str, ...],
    seed: int,
    *,
    answer_position: int | None = None,
) -> list[OptionSpec]:
    """The options in the order they are shown.

    Clinical order is the catalogue's. Shuffled single-choice options put the
    answer at ``answer_position`` (chosen by a :class:`LetterPlanner`) and
    shuffle the others around it by ``seed``; shuffled multiple-choice
    options are simply shuffled.
    """
    options = list(subtask.options)
    if subtask.option_order == "clinical":
        return options
    rng = random.Random(seed)
    if subtask.answer_type == "single_choice" and len(answer_keys) == 1:
        answer = next(option for option in options if option.key == answer_keys[0])
        others = [option for option in options if option is not answer]
        rng.shuffle(others)
        others.insert(seed % len(options) if answer_position is None else answer_position, answer)
        return others
    rng.shuffle(options)
    return options


def reference_text(findings: tuple[SourcedFinding, ...]) -> str:
    """The report's own sentences behind the findings, each once, in report order."""
    spans = sorted(
        {
            (item.report_version_id, item.finding.evidence.start, item.finding.evidence.text)
            for item in findings
        }
    )
    sentences: list[str] = []
    for _, _, text in spans:
        text = " ".join(text.split())
        if text and text not in sentences:
            sentences.append(text)
    return " ".join(sentences)
