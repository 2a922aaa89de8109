"""Labeling configs: the Label Studio XML of each project, rendered from ``annotation/``."""

from __future__ import annotations

import hashlib

from qaforge.domain.annotation import REJECT_REASONS, Purpose
from qaforge.domain.qa import AnswerType
from qaforge.libs.templating import template_from_folder
from qaforge.resources import resource_dir

TEMPLATE = "review.xml.j2"


def labeling_config(answer_type: AnswerType, purpose: Purpose = "review") -> str:
    """The labeling config XML of a project of one answer type and purpose.

    Single-choice items get one-of options, multiple-choice items a
    multi-select, open items a text box for the corrected answer; an
    adjudication project also shows the verdicts being adjudicated.
    """
    template = template_from_folder(
        resource_dir("annotation"), TEMPLATE, autoescape=True, keep_trailing_newline=True
    )
    return template.render(answer_type=answer_type, purpose=purpose, reject_reasons=REJECT_REASONS)


def config_sha256(config: str) -> str:
    """Hash of a config's text, stored to tell when a project's config must be updated."""
    return hashlib.sha256(config.encode()).hexdigest()
