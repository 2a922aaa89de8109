"""Extraction: report text to findings of the vocabulary.

``assertion_status(text, start, end)`` is the DESIGN.md contract for
negation / uncertainty / history of any target; :class:`RuleExtractor`
(``qaforge.extract.rules.extractor``) is the rule-based extractor.
"""

from qaforge.extract.rules.assertion import assertion_status

__all__ = ["assertion_status"]
