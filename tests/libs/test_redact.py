"""Secrets out of a server's text."""

from __future__ import annotations

from qaforge.libs.redact import redact


def test_the_key_and_every_bearer_token_are_replaced():
    text = "bad key sk-abc123 (header Authorization: Bearer sk-abc123; also bearer eyJ.x-y_z=)"
    assert redact(text, ["sk-abc123"]) == (
        "bad key [redacted] (header Authorization: Bearer [redacted]; also Bearer [redacted])"
    )


def test_nothing_to_remove_leaves_the_text_as_it_is():
    assert redact(None, ["k"]) is None
    assert redact("", ["k"]) == ""
    assert redact("LVEF 58%", [None, ""]) == "LVEF 58%"
