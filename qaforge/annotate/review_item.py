"""What a radiologist sees of an item, made from its stored view (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from qaforge.domain.annotation import Evidence, ReviewItem, ReviewSlice
from qaforge.domain.items import ItemProvenance, ItemView


def model_version(provenance: ItemProvenance) -> str:
    """The label of an item's prediction: ``<template>@v<version>/run-<12 chars of the run>``."""
    template = provenance.template
    return f"{template.id}@v{template.version}/run-{provenance.extraction_run[:12]}"


def review_evidence(view: ItemView) -> tuple[Evidence, ...]:
    """Each distinct (report text, start, end) of an item's findings, by position in the report."""
    spans = {(view.reports[span.report_version_id], span.start, span.end) for span in view.evidence}
    return tuple(
        Evidence(report_text=text, start=start, end=end)
        for text, start, end in sorted(spans, key=lambda e: (e[1], e[2]))
    )


def review_slices(view: ItemView, image_paths: Sequence[str]) -> tuple[ReviewSlice, ...]:
    """An item's slices with the indices the reading view orders and captions them by.

    Args:
        view: The stored item (its images in rank order).
        image_paths: The same images' paths relative to the media root.

    Returns:
        One slice per image, in rank order; series are numbered by first
        appearance; a frame that is its series' ED or ES frame says so.
    """
    series: dict[str, int] = {}
    # ED is written last so that it wins where one frame is both (a single-frame file).
    phases = {s.series_id: {s.es_frame: "ES", s.ed_frame: "ED"} for s in view.study_series}
    return tuple(
        ReviewSlice(
            path=path,
            rank=image.rank,
            series=series.setdefault(image.series_id, len(series)),
            z=image.z,
            t=image.t,
            phase=phases.get(image.series_id, {}).get(image.t),
        )
        for image, path in zip(view.images, image_paths, strict=True)
    )


def review_item(view: ItemView, image_paths: Sequence[str]) -> ReviewItem:
    """An item as its review task shows it.

    Args:
        view: The stored item.
        image_paths: Its slices' paths relative to the media root, in rank order.

    Returns:
        The review item: question, options, proposed answer, evidence, images,
        prediction label, and whether its findings had a rules/LLM conflict.
    """
    return ReviewItem(
        item_id=view.id,
        study_id=view.study_id,
        subtask_id=view.subtask_id,
        tier=view.tier,
        sequence=view.sequence,
        answer_type=view.answer_type,
        question=view.question,
        options=dict(view.options),
        answer=view.answer,
        model_version=model_version(view.provenance),
        evidence=review_evidence(view),
        image_paths=tuple(image_paths),
        slices=review_slices(view, image_paths),
        conflict=view.conflict,
    )
