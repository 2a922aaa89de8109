"""What the leakage checks read of an item, made from its stored view (pure)."""

from __future__ import annotations

from qaforge.checks.leakage import CheckItem
from qaforge.domain.items import ItemView


def check_item(view: ItemView) -> CheckItem:
    """The checks' input for one item.

    Args:
        view: The item as the store gives it (images of the selection the
            near-duplicate check compares).

    Returns:
        A :class:`CheckItem` whose image key is the sorted hashes of its
        images, whose series hashes are those of every series of its study,
        and whose outgoing strings (scanned for PHI) are its evidence texts
        and its study's non-empty series descriptions; ``redacted_phi`` is
        what generation redacted from its answer.
    """
    outgoing = {f"evidence {i}": text for i, text in enumerate(view.evidence_texts)}
    outgoing.update(
        {
            f"series description {one.series_id[:8]}": one.description
            for one in view.study_series
            if one.description
        }
    )
    return CheckItem(
        item_id=view.id,
        study_id=view.study_id,
        patient_id=view.patient_id,
        split=view.split,
        subtask_id=view.subtask_id,
        question=view.question,
        options=dict(view.options),
        answer=view.answer,
        image_key=tuple(sorted(image.sha256 for image in view.images)),
        series_hashes=tuple(sorted(one.sha256 for one in view.study_series)),
        report_texts=tuple(view.report_texts),
        outgoing=outgoing,
        redacted_phi=tuple(view.provenance.redacted_phi or ()),
    )
