"""docs/generation.md shows the catalogue as it is."""

from __future__ import annotations

from pathlib import Path

from qaforge.generate.catalogue import catalogue_table, load_catalogue

DOC = Path(__file__).resolve().parents[2] / "docs" / "generation.md"


def test_the_catalogue_table_in_the_docs_is_current():
    table = catalogue_table(load_catalogue())
    assert table in DOC.read_text(encoding="utf-8"), (
        "regenerate the table at the end of docs/generation.md with catalogue_table()"
    )


def test_the_docs_count_of_understanding_subtasks_is_current():
    count = sum(s.tier == "image_understanding" for s in load_catalogue().subtasks)
    assert f"**image_understanding**: {count} subtasks" in DOC.read_text(encoding="utf-8")
