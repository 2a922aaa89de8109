"""View routing: which of a study's series an item's images come from (pure).

A subtask names its sequence and an ordered list of views (the catalogue's
``views``). The first view present in the study is the primary one; the
views after it are the fallbacks, used when the primary is missing and, by
the protocols, after the primary is exhausted. An ``overall`` (diagnosis)
subtask takes the listed views of every sequence. No routed series means the
item cannot be answered from images.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SEQUENCE_ORDER = ("cine", "lge", "perfusion", "t2")


@dataclass(frozen=True)
class SeriesRef:
    """A stored series as routing and selection see it.

    Attributes:
        series_id: The series' id in the store.
        sequence: cine, lge, perfusion or t2.
        view: sax, 2ch, 3ch or 4ch.
        path: Absolute path of the NIfTI file.
        sha256: Hash of the file, so a changed file gives a new selection.
        ed_frame: End-diastolic frame in use (stored analysis or a reader's override).
        es_frame: End-systolic frame in use.
        peak_frames: Perfusion peak frame per slice.
        slice_order: ``base_first`` / ``apex_first`` for short-axis stacks.
        lv_slices: ``(first, last)`` file slices holding LV.
        analysed: Whether these facts come from a stored analysis (else the
            study job measures phases and peaks itself).
    """

    series_id: str
    sequence: str
    view: str
    path: str
    sha256: str
    ed_frame: int | None = None
    es_frame: int | None = None
    peak_frames: tuple[int, ...] | None = None
    slice_order: str | None = None
    lv_slices: tuple[int, int] | None = None
    analysed: bool = False

    @property
    def facts_key(self) -> str:
        """The facts a selection depends on, as text for the selection key."""
        return (
            f"ed={self.ed_frame},es={self.es_frame},order={self.slice_order},"
            f"lv={self.lv_slices},peaks={self.peak_frames}"
        )


@dataclass(frozen=True)
class Routing:
    """The series an item's images come from, in priority order.

    Attributes:
        series: Routed series: primary first, then fallbacks.
        missing_views: Views the subtask lists that the study lacks (per
            sequence for ``overall``, as ``"lge/4ch"``, or just the views
            when the study has no series at all).
    """

    series: tuple[SeriesRef, ...]
    missing_views: tuple[str, ...]

    @property
    def primary_view(self) -> str | None:
        """The view of the first routed series, ``None`` when nothing is routed."""
        return self.series[0].view if self.series else None

    @property
    def key(self) -> tuple[str, ...]:
        """The routed series ids, in order: items with the same key share their images."""
        return tuple(ref.series_id for ref in self.series)


def route(sequence: str, views: Sequence[str], study_series: Sequence[SeriesRef]) -> Routing:
    """Pick a study's series for a subtask.

    Args:
        sequence: The subtask's sequence, or ``overall`` for every sequence.
        views: The subtask's views, primary first.
        study_series: All series of the study.

    Returns:
        One series per (sequence, view) the study has, in the order of
        ``views`` (and, for ``overall``, sequences in the order cine, LGE,
        perfusion, T2). Of several series of the same sequence and view the
        one with the first path is used, so the choice is stable.
    """
    by_kind: dict[tuple[str, str], SeriesRef] = {}
    for ref in sorted(study_series, key=lambda ref: ref.path):
        by_kind.setdefault((ref.sequence, ref.view), ref)
    sequences = SEQUENCE_ORDER if sequence == "overall" else (sequence,)
    routed: list[SeriesRef] = []
    missing: list[str] = []
    for name in sequences:
        present = [by_kind[(name, view)] for view in views if (name, view) in by_kind]
        if sequence == "overall" and not present:
            continue  # a study without a sequence at all is not missing a view of it
        routed.extend(present)
        for view in views:
            if (name, view) not in by_kind:
                missing.append(f"{name}/{view}" if sequence == "overall" else view)
    if not routed and sequence == "overall":
        missing = list(views)
    return Routing(series=tuple(routed), missing_views=tuple(missing))
