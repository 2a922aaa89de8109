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
from collections.abc import Callable
from dataclasses import dataclass, field

from qaforge.domain.items import ItemProvenance, ReferenceFinding, TemplateRef
from qaforge.domain.qa import (
    GenerationConfig,
    HeldFinding,
    QAItemDraft,
    SourcedFinding,
    StudyFindings,
    is_held,
)
from qaforge.generate.answers import DerivedAnswer, SkipReason, derive_answer, relevant_findings
from qaforge.generate.catalogue import Catalogue, OptionSpec, Subtask
from qaforge.generate.letters import LetterPlanner
from qaforge.generate.questions import QuestionTemplate

LETTERS = string.ascii_uppercase
REFERENCE_FIELDS = ("code", "value", "levels", "walls", "segments", "certainty")
Redactor = Callable[[str], tuple[str, list[str]]]
"""Text -> (text with identifiers replaced by placeholders, kinds replaced): the PHI
redaction (``qaforge.checks.phi.redact_phi``), passed in because stages do not import
each other."""
"""What :func:`finding_content` lists, by name (an open item's reference findings)."""


@dataclass
class StudyGeneration:
    """What one study gave.

    Attributes:
        items: The items, one per subtask at most.
        skipped: ``(subtask_id, reason)`` counts of subtasks whose code the
            study's findings mention but which made no item; silence is not counted.
        held: The findings held for review instead of making items, each with
            the subtasks it held (``is_held``).
    """

    items: list[QAItemDraft] = field(default_factory=list)
    skipped: Counter[tuple[str, SkipReason]] = field(default_factory=Counter)
    held: list[HeldFinding] = field(default_factory=list)


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
    redact: Redactor | None = None,
) -> StudyGeneration:
    """Every item the catalogue makes from one study.

    Args:
        study: The study's findings and series.
        catalogue: A validated catalogue.
        config: Generation settings (possible findings, series, seed).
        extraction_run_id: The run the findings come from (provenance).
        letters: Chooses answer positions; pass one planner for a whole run so
            positions balance across studies (a fresh one is used otherwise).
        redact: Applied to report text copied into an answer (open items'
            reference text) before the item's id is made; the kinds it
            replaced go to the item's provenance (``redacted_phi``).

    Returns:
        The items, and why subtasks that touch the study's findings made none.
    """
    result = StudyGeneration()
    letters = letters if letters is not None else LetterPlanner()
    held = {f.finding_id: f for f in study.findings if is_held(f.finding, config)}
    held_subtasks: dict[str, list[str]] = {finding_id: [] for finding_id in held}
    for subtask in catalogue.subtasks:
        if held and _holds(subtask, study, held_subtasks):
            result.skipped[(subtask.id, "in_review")] += 1
            continue
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
                redact=redact,
            )
        )
    result.held = _held_findings(held, held_subtasks)
    return result


def _held_findings(
    held: dict[str, SourcedFinding], held_subtasks: dict[str, list[str]]
) -> list[HeldFinding]:
    """The held findings, each with the subtasks it held."""
    return [
        HeldFinding(
            finding_id=finding_id,
            code=sourced.finding.code,
            confidence=sourced.finding.confidence,
            doubts=sourced.finding.doubts,
            subtasks=tuple(held_subtasks[finding_id]),
        )
        for finding_id, sourced in held.items()
    ]


def _holds(subtask: Subtask, study: StudyFindings, held_subtasks: dict[str, list[str]]) -> bool:
    """Whether a held finding touches the subtask; if so, note the subtask on each such finding.

    A doubtful finding left out could turn a "present" into a wrong "no" or
    drop a place, so the whole subtask waits for the review.
    """
    touching = [
        f.finding_id
        for f in relevant_findings(subtask, study.findings)
        if f.finding_id in held_subtasks
    ]
    for finding_id in touching:
        held_subtasks[finding_id].append(subtask.id)
    return bool(touching)


def _has_series(subtask: Subtask, series_views: dict[str, frozenset[str]] | None) -> bool:
    if series_views is None:
        return True
    wanted = set(subtask.views)
    if subtask.sequence == "overall":
        return any(views & wanted for views in series_views.values())
    return bool(series_views.get(subtask.sequence, frozenset()) & wanted)


@dataclass(frozen=True)
class ShownAnswer:
    """An item's options and answer as shown, and what ordered them.

    Attributes:
        options: Letter -> option text (empty for open items).
        answer: The letter, the letters, or the reference text.
        answer_key: The answer as option keys joined by ``|`` (``None`` for open items).
        option_seed: The seed that ordered the options (``None`` for open items).
    """

    options: dict[str, str]
    answer: str | list[str]
    answer_key: str | None
    option_seed: int | None


def build_item(
    subtask: Subtask,
    derived: DerivedAnswer,
    *,
    study_id: str,
    catalogue: Catalogue,
    config: GenerationConfig,
    extraction_run_id: str,
    letters: LetterPlanner,
    redact: Redactor | None = None,
) -> QAItemDraft:
    """One item from a subtask and its derived answer (see :func:`generate_study_items`)."""
    contents = sorted(
        (finding_content(item) for item in derived.findings),
        key=lambda content: json.dumps(content),
    )
    stable = [config.seed, subtask.id, subtask.version, study_id, contents]
    seed = int.from_bytes(hashlib.sha256(json.dumps(stable).encode()).digest()[:8], "big") >> 1
    paraphrases = catalogue.questions[subtask.id]
    template = paraphrases[(seed >> 32) % len(paraphrases)]
    # The content key leaves out the letters, so a regenerated item can keep its stored ones.
    content_key = hashlib.sha256(
        json.dumps([*stable, template.text, derived.keys], ensure_ascii=False).encode()
    ).hexdigest()
    if subtask.answer_type == "open_text":
        shown, reference, redacted = open_answer(derived, contents, redact)
    else:
        shown = choice_answer(subtask, derived.keys, seed, content_key=content_key, letters=letters)
        reference, redacted = None, []
    provenance = item_provenance(
        subtask,
        derived,
        template,
        catalogue=catalogue,
        config=config,
        extraction_run_id=extraction_run_id,
        reference_findings=reference,
    )
    if redacted:
        provenance = provenance.model_copy(update={"redacted_phi": redacted})
    return QAItemDraft(
        id=item_id(subtask, study_id, contents, template.text, shown),
        study_id=study_id,
        subtask_id=subtask.id,
        subtask_version=subtask.version,
        tier=subtask.tier,
        sequence=subtask.sequence,
        answer_type=subtask.answer_type,
        question=template.text,
        options=shown.options,
        answer=shown.answer,
        answer_key=shown.answer_key,
        content_key=content_key,
        template_id=template.template_id,
        template_version=subtask.version,
        option_seed=shown.option_seed,
        finding_ids=tuple(sorted({item.finding_id for item in derived.findings})),
        provenance=provenance.stored(),
    )


def open_answer(
    derived: DerivedAnswer, contents: list[list], redact: Redactor | None
) -> tuple[ShownAnswer, list[ReferenceFinding], list[str]]:
    """An open item's reference answer (the report's sentences, PHI redacted by
    ``redact``), its reference findings, and the kinds of PHI redacted."""
    text, redacted = reference_text(derived.findings), []
    if redact is not None:
        text, redacted = redact(text)
    reference = [
        ReferenceFinding(**dict(zip(REFERENCE_FIELDS, content, strict=True)))
        for content in contents
    ]
    return ShownAnswer({}, text, None, None), reference, redacted


def item_provenance(
    subtask: Subtask,
    derived: DerivedAnswer,
    template: QuestionTemplate,
    *,
    catalogue: Catalogue,
    config: GenerationConfig,
    extraction_run_id: str,
    reference_findings: list[ReferenceFinding] | None,
) -> ItemProvenance:
    """What an item records of where it comes from (see :class:`ItemProvenance`)."""
    return ItemProvenance(
        template=TemplateRef(
            id=template.template_id, version=subtask.version, source_sha256=template.source_sha256
        ),
        catalogue_sha256=catalogue.sha256,
        extraction_run=extraction_run_id,
        answer_keys=list(derived.keys),
        report_versions=sorted({item.report_version_id for item in derived.findings}),
        views=list(subtask.views),
        config=config,
        reference_findings=reference_findings,
    )


def choice_answer(
    subtask: Subtask,
    answer_keys: tuple[str, ...],
    seed: int,
    *,
    content_key: str,
    letters: LetterPlanner,
) -> ShownAnswer:
    """The lettered options of a choice item and its answer letter(s).

    A shuffled single-choice item asks ``letters`` where its answer goes
    (which balances positions across a run); other items order by ``seed``.
    """
    position = None
    if subtask.option_order == "shuffled" and subtask.answer_type == "single_choice":
        position = letters.position(
            subtask_id=subtask.id,
            content_key=content_key,
            option_count=len(subtask.options),
            seed=seed,
        )
    ordered = order_options(subtask, answer_keys, seed, answer_position=position)
    options = {LETTERS[index]: option.text for index, option in enumerate(ordered)}
    answer_letters = [
        LETTERS[index] for index, option in enumerate(ordered) if option.key in answer_keys
    ]
    answer = answer_letters[0] if subtask.answer_type == "single_choice" else answer_letters
    return ShownAnswer(options, answer, "|".join(answer_keys), seed)


def item_id(
    subtask: Subtask, study_id: str, contents: list[list], question: str, shown: ShownAnswer
) -> str:
    """An item's id: the hash of everything it shows and rests on (not of its provenance)."""
    identity = json.dumps(
        [
            subtask.id,
            subtask.version,
            study_id,
            contents,
            question,
            list(shown.options.items()),
            shown.answer,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(identity.encode()).hexdigest()


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
