"""Items made from findings: tiers, honesty of answers, silence, letters, balance, ids."""

from __future__ import annotations

from collections import Counter, defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from qaforge.domain.qa import GenerationConfig, QAItemDraft, SourcedFinding, StudyFindings
from qaforge.domain.vocabulary import Evidence, Finding, load_vocabulary
from qaforge.generate.balance import capped_item_ids, chi_square_uniform_p
from qaforge.generate.catalogue import Subtask, load_catalogue
from qaforge.generate.items import generate_study_items
from qaforge.generate.letters import LetterPlanner

from .conftest import option_key_of, sample_studies, study  # noqa: TID252

CATALOGUE = load_catalogue()
CONFIG = GenerationConfig(require_series=False)


def generate(studies, config=CONFIG) -> list[tuple[StudyFindings, QAItemDraft]]:
    """Items of several studies, generated as one run (one letter planner)."""
    letters = LetterPlanner()
    return [
        (one, item)
        for one in studies
        for item in generate_study_items(
            one, CATALOGUE, config, extraction_run_id="run", letters=letters
        ).items
    ]


def answer_keys(subtask: Subtask, item: QAItemDraft) -> set[str]:
    letters = [item.answer] if isinstance(item.answer, str) else item.answer
    return {option_key_of(subtask, item.options[letter]) for letter in letters}


def check_answer_agrees_with_findings(one: StudyFindings, item: QAItemDraft) -> None:
    """An independent reading of the findings that the item's answer must agree with."""
    subtask = CATALOGUE.subtask(item.subtask_id)
    ids = {found.finding_id for found in one.findings}
    assert set(item.finding_ids) <= ids and item.finding_ids
    if subtask.kind == "report":
        codes = {
            found.finding.code.split(".")[0]
            for found in one.findings
            if found.finding_id in item.finding_ids
        }
        assert codes == {subtask.sequence}
        for found in one.findings:
            if found.finding.code.startswith(subtask.sequence + "."):
                assert " ".join(found.finding.evidence.text.split()) in item.answer
        return
    keys = answer_keys(subtask, item)
    assert sorted(keys) == sorted(item.provenance["answer_keys"])
    relevant = [found.finding for found in one.findings if found.finding.code == subtask.code]
    assert relevant, f"{item.subtask_id} asked about a code the report is silent on"
    if subtask.kind == "numeric_range":
        (key,) = keys
        option = next(o for o in subtask.options if o.key == key)
        for found in relevant:
            assert (option.min is None or found.value >= option.min) and (
                option.max is None or found.value < option.max
            )
        return
    if subtask.kind == "location":
        places = {
            str(place)
            for found in relevant
            if found.value in subtask.values
            for place in getattr(found, subtask.attribute)
        }
        mapped = {o.key for o in subtask.options if set(o.finding_values) & places}
        assert mapped == keys
        return
    said = {o.key for found in relevant for o in subtask.options if found.value in o.finding_values}
    if subtask.dominant in keys:
        assert subtask.dominant in said
    else:
        assert said == keys, (item.subtask_id, said, keys)


def test_the_sample_gives_items_in_all_tiers_and_sequences_and_every_answer_agrees():
    pairs = generate(sample_studies())
    tiers = {item.tier for _, item in pairs}
    assert tiers == {"image_understanding", "report_generation", "diagnosis"}
    for tier in ("image_understanding", "report_generation"):
        sequences = {item.sequence for _, item in pairs if item.tier == tier}
        assert sequences == {"cine", "lge", "perfusion", "t2"}, tier
    assert len({item.subtask_id for _, item in pairs}) >= 35
    for one, item in pairs:
        check_answer_agrees_with_findings(one, item)


def test_a_report_silent_on_a_code_yields_no_item_about_it():
    codes = sorted(load_vocabulary().findings)
    for one in sample_studies():
        for code in codes:
            silent = StudyFindings(
                study_id=one.study_id,
                findings=tuple(f for f in one.findings if f.finding.code != code),
            )
            for _, item in generate([silent]):
                subtask = CATALOGUE.subtask(item.subtask_id)
                assert subtask.code != code, (one.study_id, code, item.subtask_id)


def test_a_no_answer_always_rests_on_an_explicit_negative():
    for one, item in generate(sample_studies()):
        subtask = CATALOGUE.subtask(item.subtask_id)
        if "no" in item.provenance["answer_keys"]:
            negatives = next(o for o in subtask.options if o.key == "no").finding_values
            assert any(
                found.finding.code == subtask.code and found.finding.value in negatives
                for found in one.findings
                if found.finding_id in item.finding_ids
            )


VOCABULARY = load_vocabulary()


@st.composite
def random_finding(draw) -> SourcedFinding:
    code = draw(st.sampled_from(sorted(VOCABULARY.findings)))
    spec = VOCABULARY.findings[code]
    value = (
        draw(st.sampled_from(spec.values))
        if spec.values
        else float(draw(st.integers(min_value=5, max_value=90)))
    )
    places = {}
    if spec.localized:
        places = {
            "levels": draw(st.lists(st.sampled_from(VOCABULARY.levels), unique=True, max_size=2)),
            "walls": draw(st.lists(st.sampled_from(VOCABULARY.walls), unique=True, max_size=2)),
            "segments": draw(st.lists(st.integers(1, 17), unique=True, max_size=2)),
        }
    number = draw(st.integers(min_value=0, max_value=10**6))
    return SourcedFinding(
        finding_id=f"h{number}",
        report_version_id=1,
        finding=Finding(
            code=code,
            value=value,
            certainty=draw(st.sampled_from(["definite", "probable", "possible"])),
            evidence=Evidence(start=0, end=5, text=f"s{number}"),
            extractor="test",
            **places,
        ),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(random_finding(), max_size=12, unique_by=lambda f: f.finding_id))
def test_any_findings_give_only_items_that_agree_with_them(findings):
    one = study(*findings)
    for _, item in generate([one]):
        check_answer_agrees_with_findings(one, item)
        assert all(
            found.finding.certainty != "possible"
            for found in one.findings
            if found.finding_id in item.finding_ids
        )


def test_options_are_the_whole_vocabulary_of_the_subtask_for_every_item():
    options = defaultdict(set)
    for _, item in generate(sample_studies(copies=3)):
        options[item.subtask_id].add(frozenset(item.options.values()))
    for subtask_id, sets in options.items():
        subtask = CATALOGUE.subtask(subtask_id)
        assert sets == {frozenset(o.text for o in subtask.options)} or subtask.kind == "report"


def test_letter_positions_are_uniform_per_subtask_over_five_thousand_items():
    pairs = generate(sample_studies(copies=20))
    assert len(pairs) >= 5000
    positions: dict[str, Counter] = defaultdict(Counter)
    sizes: dict[str, int] = {}
    for _, item in pairs:
        subtask = CATALOGUE.subtask(item.subtask_id)
        if subtask.answer_type == "single_choice" and subtask.option_order == "shuffled":
            positions[item.subtask_id][ord(item.answer) - ord("A")] += 1
            sizes[item.subtask_id] = len(item.options)
    tested = 0
    for subtask_id, counts in positions.items():
        total = sum(counts.values())
        if total < 5 * sizes[subtask_id]:
            continue  # too few items for the test's approximation
        tested += 1
        p_value = chi_square_uniform_p([counts[i] for i in range(sizes[subtask_id])])
        assert p_value >= 0.01, (subtask_id, dict(counts), p_value)
    assert tested >= 20


def test_with_the_cap_at_half_no_subtask_has_a_majority_above_half():
    pairs = generate(
        sample_studies(copies=20), GenerationConfig(require_series=False, majority_cap=0.5)
    )
    entries = [(item.id, item.subtask_id, item.answer_key) for _, item in pairs if item.answer_key]
    capped = capped_item_ids(entries, cap=0.5, seed=0)
    kept: dict[str, Counter] = defaultdict(Counter)
    for item_id, subtask_id, key in entries:
        if item_id not in capped:
            kept[subtask_id][key] += 1
    assert capped and kept
    for subtask_id, answers in kept.items():
        assert max(answers.values()) <= 0.5 * sum(answers.values()), (subtask_id, answers)


def test_ids_are_stable_and_follow_content():
    studies = sample_studies()
    first = {(item.study_id, item.subtask_id): item for _, item in generate(studies)}
    again = {(item.study_id, item.subtask_id): item.id for _, item in generate(studies)}
    assert {key: item.id for key, item in first.items()} == again
    assert len(set(again.values())) == len(again)
    reseeded = generate(studies, GenerationConfig(require_series=False, seed=7))
    changed = 0
    for _, item in reseeded:
        before = first[(item.study_id, item.subtask_id)]
        same = (item.question, item.options, item.answer) == (
            before.question,
            before.options,
            before.answer,
        )
        assert (item.id == before.id) == same
        changed += not same
    assert changed > len(reseeded) / 2


def test_a_stored_item_keeps_its_letters_when_regenerated():
    studies = sample_studies()
    first = generate(studies)
    known = {
        item.content_key: ord(item.answer) - ord("A")
        for _, item in first
        if item.answer_type == "single_choice"
    }
    # Regenerate in reverse study order with the stored positions known:
    # the planner would balance differently, but stored items keep theirs.
    letters = LetterPlanner(known)
    again = [
        item
        for one in reversed(studies)
        for item in generate_study_items(
            one, CATALOGUE, CONFIG, extraction_run_id="run", letters=letters
        ).items
    ]
    assert {item.id for item in again} == {item.id for _, item in first}


def test_items_need_a_series_of_their_sequence_in_a_fitting_view():
    one = sample_studies()[0]
    lge_only = StudyFindings(
        study_id=one.study_id, findings=one.findings, series_views={"lge": frozenset({"sax"})}
    )
    result = generate_study_items(lge_only, CATALOGUE, GenerationConfig(), extraction_run_id="run")
    assert result.items and {item.sequence for item in result.items} <= {"lge", "overall"}
    assert any(reason == "no_series" for (_, reason) in result.skipped)
    three_chamber = StudyFindings(
        study_id=one.study_id, findings=one.findings, series_views={"cine": frozenset({"3ch"})}
    )
    result = generate_study_items(
        three_chamber, CATALOGUE, GenerationConfig(), extraction_run_id="run"
    )
    for item in result.items:
        assert "3ch" in CATALOGUE.subtask(item.subtask_id).views
