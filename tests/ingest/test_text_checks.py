"""What text ingest refuses to store: lone surrogates and NUL, the surrogateescape range apart."""

from __future__ import annotations

import pytest

from qaforge.ingest.text_checks import has_surrogates, unstorable_text


@pytest.mark.parametrize(
    ("text", "found", "found_undecodable_ok"),
    [
        ("LV normal.", None, None),
        ("a\x00b", "nul", "nul"),
        ("bad \ud800 escape", "surrogate", "surrogate"),
        ("\udfff", "surrogate", "surrogate"),
        # the edges of surrogateescape's U+DC80-U+DCFF
        ("\udc7f", "surrogate", "surrogate"),
        ("\udc80", "surrogate", None),
        ("\udcff", "surrogate", None),
        ("\udd00", "surrogate", "surrogate"),
        ("\udcff\x00", "surrogate", "nul"),
        ("\x00\ud800", "surrogate", "surrogate"),
    ],
)
def test_unstorable_text(text: str, found: str | None, found_undecodable_ok: str | None) -> None:
    assert unstorable_text(text) == found
    assert unstorable_text(text, undecodable_ok=True) == found_undecodable_ok
    assert has_surrogates(text) == (found == "surrogate")
