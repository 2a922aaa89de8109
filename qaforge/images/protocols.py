"""Slice selection protocols under a budget of K images per item (pure).

Input is the routed series (primary first) with what their voxels told us
(:class:`SeriesFacts`); output is an ordered list of ``(series, z, t)``
picks, at most K, no repeats. The order is the rank recorded with each image.

- ``random``: K draws without replacement, uniform over every (z, t) of the
  routed series, from a generator seeded by the seed and the routed series.
- ``clinical``: what a reader looks at first.
  Cine: the end-diastolic frame of every short-axis slice, base to apex
  (of LV slices spread evenly from base to apex when K is smaller: the
  middles of K equal parts of the LV extent, so no pick shows no LV while
  LV slices remain);
  then the other frames of the basal, mid and apical key slices (end-systole
  first, then frames spread over the cycle), in turn (key slices: thirds of the LV extent); then the other slices'
  frames the same way; then the long-axis views (end-diastole, end-systole,
  then spread). When the subtask's primary view is a long axis, the long
  axes come first. LGE and T2: slices spread evenly from base to apex (all
  of them when K allows), then the other views. Perfusion: the frame of peak
  myocardial enhancement of every slice, then the frames around it
  (peak + 1, peak - 1, peak + 2, ...), slice by slice in turn.
- ``data-driven``: diversity. Every (z, t) is reduced to a 16 x 16
  thumbnail of its windowed intensities; the first pick is the thumbnail of
  highest intensity entropy, each next one the thumbnail farthest
  (Euclidean) from its nearest pick so far (greedy farthest-point sampling).

Diagnosis items route to several sequences. ``clinical`` and
``data-driven`` share the budget among the sequences in turn (cine, LGE,
perfusion, T2; one image each until K is spent or a sequence runs out) and
pick within each share; ``random`` stays uniform over the whole pool, so it
is the baseline that knows nothing about sequences.
All three are deterministic for a given seed and input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from qaforge.images.analysis import entropy

Protocol = Literal["random", "clinical", "data-driven"]
PROTOCOLS: tuple[Protocol, ...] = ("random", "clinical", "data-driven")
PROTOCOL_VERSION = 2
"""Bump when a protocol's picks change, so stored selections are redone."""


@dataclass(frozen=True)
class SeriesFacts:
    """A routed series and what the protocols need from its voxels.

    Attributes:
        series_id: The series' id.
        sequence: cine, lge, perfusion or t2.
        view: sax, 2ch, 3ch or 4ch.
        n_slices: Slices (Z).
        n_frames: Frames (T).
        ed_frame: End-diastolic frame (cine; 0 otherwise).
        es_frame: End-systolic frame (cine; 0 otherwise).
        peak_frames: Peak myocardial enhancement frame per slice (perfusion).
        thumbnails: ``(Z, T, 256)`` thumbnails (needed by ``data-driven`` only).
        slice_order: ``base_first`` / ``apex_first`` (short-axis stacks), None if unknown.
        lv_slices: ``(first, last)`` slices holding LV, None if unknown.
    """

    series_id: str
    sequence: str
    view: str
    n_slices: int
    n_frames: int
    ed_frame: int = 0
    es_frame: int = 0
    peak_frames: tuple[int, ...] = ()
    thumbnails: np.ndarray | None = field(default=None, compare=False, repr=False)
    slice_order: str | None = None
    lv_slices: tuple[int, int] | None = None

    def base_to_apex(self) -> list[int]:
        """Every slice, base first: the LV slices first, then the others (nearest the LV first)."""
        return stack_order(self.n_slices, self.slice_order, self.lv_slices)


@dataclass(frozen=True, order=True)
class Pick:
    """One selected image: series, slice index and frame index as stored in the file."""

    series_id: str
    z: int
    t: int


def select_slices(
    protocol: Protocol, routed: Sequence[SeriesFacts], budget: int, *, seed: int = 0
) -> list[Pick]:
    """Pick up to ``budget`` images from the routed series.

    Args:
        protocol: ``random``, ``clinical`` or ``data-driven``.
        routed: The routed series, primary first (see :mod:`qaforge.images.routing`).
        budget: K, the most images to pick (at least 1).
        seed: Seed of the ``random`` protocol (the others do not draw).

    Returns:
        The picks in rank order; fewer than K only when the series hold fewer images.

    Raises:
        ValueError: For an unknown protocol, a budget below 1, or a
            ``data-driven`` selection without thumbnails.
    """
    if budget < 1:
        raise ValueError(f"budget must be at least 1, got {budget}")
    if protocol == "random":
        return _random(routed, budget, seed)
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; choose from {', '.join(PROTOCOLS)}")
    groups = _sequence_groups(routed)
    shares = budget_shares([sum(f.n_slices * f.n_frames for f in g) for g in groups], budget)
    picks: list[Pick] = []
    for group, share in zip(groups, shares, strict=True):
        if share == 0:
            continue
        if protocol == "clinical":
            picks.extend(_clinical(group, share))
        else:
            picks.extend(_farthest_points(group, share))
    return picks


def budget_shares(sizes: Sequence[int], budget: int) -> list[int]:
    """Share a budget among groups one image at a time, in turn, within each group's size.

    Args:
        sizes: Images each group holds.
        budget: Images to share.

    Returns:
        The share of each group; they sum to ``min(budget, sum(sizes))``.
    """
    shares = [0] * len(sizes)
    left = min(budget, sum(sizes))
    while left:
        for index, size in enumerate(sizes):
            if left and shares[index] < size:
                shares[index] += 1
                left -= 1
    return shares


def stack_order(
    n_slices: int, slice_order: str | None, lv_slices: tuple[int, int] | None
) -> list[int]:
    """Slices from base to apex: the LV slices first, then the rest nearest the LV first.

    Args:
        n_slices: Slices in the stack.
        slice_order: ``apex_first`` reverses file order; anything else keeps it.
        lv_slices: ``(first, last)`` file slices holding LV, or None (all count as LV).

    Returns:
        Every slice index once.
    """
    slices = list(range(n_slices))
    if slice_order == "apex_first":
        slices.reverse()
    if lv_slices is None:
        return slices
    first, last = lv_slices
    inside = [z for z in slices if first <= z <= last]
    outside = sorted(
        (z for z in slices if not first <= z <= last),
        key=lambda z: min(abs(z - first), abs(z - last)),
    )
    return inside + outside


def _lv_count(facts: SeriesFacts) -> int:
    if facts.lv_slices is None:
        return facts.n_slices
    return facts.lv_slices[1] - facts.lv_slices[0] + 1


def key_slices(facts: SeriesFacts) -> tuple[int, ...]:
    """The middle slice of the basal, mid and apical thirds of the LV extent (base first)."""
    lv = facts.base_to_apex()[: _lv_count(facts)]
    keys: list[int] = []
    for part in np.array_split(np.arange(len(lv)), 3):
        if len(part) and lv[int(part[len(part) // 2])] not in keys:
            keys.append(lv[int(part[len(part) // 2])])
    return tuple(keys)


def temporal_order(n_frames: int, ed_frame: int, es_frame: int) -> list[int]:
    """Frames other than end-diastole: end-systole first, then spread over the cycle.

    Each next frame is the one farthest (cyclically) from the frames already
    taken, the earlier frame on ties.

    Args:
        n_frames: Frames per cycle.
        ed_frame: End-diastolic frame (taken before this list).
        es_frame: End-systolic frame.

    Returns:
        Every frame except ``ed_frame``, once.
    """
    taken = [ed_frame] + ([es_frame] if es_frame != ed_frame else [])
    order = taken[1:]
    frames = np.arange(n_frames)
    while len(taken) < n_frames:
        gaps = np.abs(frames[:, None] - np.array(taken)[None, :])
        nearest = np.minimum(gaps, n_frames - gaps).min(axis=1)
        nearest[taken] = -1
        best = int(np.argmax(nearest))
        taken.append(best)
        order.append(best)
    return order


def coverage_slices(facts: SeriesFacts, count: int) -> list[int]:
    """``count`` slices spread from base to apex over the LV extent (all when count allows).

    The picks are the middles of ``count`` equal parts of the LV slices, so
    an LV extent found one slice too long at either end still gives LV
    slices; slices without LV come only once every LV slice is taken.

    Args:
        facts: The stack (slice order and LV extent, where known).
        count: How many slices.

    Returns:
        Slice indices, base first.
    """
    ordered = facts.base_to_apex()
    lv_count = _lv_count(facts)
    if count >= lv_count:
        return ordered[: min(count, len(ordered))]
    lv = ordered[:lv_count]
    return [lv[(2 * index + 1) * lv_count // (2 * count)] for index in range(count)]


def _sequence_groups(routed: Sequence[SeriesFacts]) -> list[list[SeriesFacts]]:
    groups: dict[str, list[SeriesFacts]] = {}
    for facts in routed:
        groups.setdefault(facts.sequence, []).append(facts)
    return list(groups.values())


def _random(routed: Sequence[SeriesFacts], budget: int, seed: int) -> list[Pick]:
    candidates = [
        Pick(f.series_id, z, t)
        for f in routed
        for z in range(f.n_slices)
        for t in range(f.n_frames)
    ]
    if not candidates:
        return []
    routing_key = hashlib.sha256("\x1f".join(f.series_id for f in routed).encode()).digest()
    rng = np.random.default_rng(np.random.SeedSequence([seed, *routing_key[:8]]))
    drawn = rng.choice(len(candidates), size=min(budget, len(candidates)), replace=False)
    return [candidates[int(index)] for index in drawn]


def _clinical(group: Sequence[SeriesFacts], budget: int) -> list[Pick]:
    sequence = group[0].sequence
    if sequence == "cine":
        return _cine_order(group, budget)[:budget]
    if sequence == "perfusion":
        return [pick for facts in group for pick in _perfusion_order(facts)][:budget]
    return _coverage_order(group, budget)


def _cine_order(group: Sequence[SeriesFacts], budget: int) -> list[Pick]:
    stacks = [f for f in group if f.n_slices > 1]
    long_axes = [f for f in group if f.n_slices == 1]
    stack_block = [pick for facts in stacks for pick in _cine_stack_order(facts, budget)]
    long_axis_block = _round_robin(
        [
            [
                Pick(f.series_id, 0, t)
                for t in [f.ed_frame, *temporal_order(f.n_frames, f.ed_frame, f.es_frame)]
            ]
            for f in long_axes
        ]
    )
    if group[0].n_slices == 1:
        return long_axis_block + stack_block
    return stack_block + long_axis_block


def _cine_stack_order(facts: SeriesFacts, budget: int) -> list[Pick]:
    if budget < facts.n_slices:
        # fewer images than slices: end-diastole of slices spread from base to apex
        return [Pick(facts.series_id, z, facts.ed_frame) for z in coverage_slices(facts, budget)]
    frames = temporal_order(facts.n_frames, facts.ed_frame, facts.es_frame)
    keys = key_slices(facts)
    ordered = facts.base_to_apex()
    others = [z for z in ordered if z not in keys]
    end_diastole = [Pick(facts.series_id, z, facts.ed_frame) for z in ordered]
    key_frames = _round_robin([[Pick(facts.series_id, z, t) for t in frames] for z in keys])
    other_frames = _round_robin([[Pick(facts.series_id, z, t) for t in frames] for z in others])
    return end_diastole + key_frames + other_frames


def _perfusion_order(facts: SeriesFacts) -> list[Pick]:
    peaks = facts.peak_frames or (0,) * facts.n_slices
    per_slice = []
    for z, peak in enumerate(peaks):
        around = [peak + step * sign for step in range(1, facts.n_frames) for sign in (1, -1)]
        per_slice.append([Pick(facts.series_id, z, t) for t in around if 0 <= t < facts.n_frames])
    at_peak = [Pick(facts.series_id, z, peak) for z, peak in enumerate(peaks)]
    return at_peak + _round_robin(per_slice)


def _coverage_order(group: Sequence[SeriesFacts], budget: int) -> list[Pick]:
    picks: list[Pick] = []
    for facts in group:
        left = budget - len(picks)
        if left <= 0:
            break
        slices = coverage_slices(facts, left)
        picks.extend(Pick(facts.series_id, z, 0) for z in slices)
        later = [
            Pick(facts.series_id, z, t)
            for t in range(1, facts.n_frames)
            for z in facts.base_to_apex()
        ]
        picks.extend(later[: budget - len(picks)])
    return picks


def _farthest_points(group: Sequence[SeriesFacts], budget: int) -> list[Pick]:
    candidates: list[Pick] = []
    vectors: list[np.ndarray] = []
    for facts in group:
        if facts.thumbnails is None:
            raise ValueError(f"series {facts.series_id} has no thumbnails for data-driven")
        for z in range(facts.n_slices):
            for t in range(facts.n_frames):
                candidates.append(Pick(facts.series_id, z, t))
                vectors.append(facts.thumbnails[z, t])
    points = np.stack(vectors).astype(np.float64)
    first = int(np.argmax([entropy(vector) for vector in points]))
    chosen = [first]
    nearest = np.linalg.norm(points - points[first], axis=1)
    nearest[first] = -1.0
    while len(chosen) < min(budget, len(candidates)):
        best = int(np.argmax(nearest))
        chosen.append(best)
        nearest = np.minimum(nearest, np.linalg.norm(points - points[best], axis=1))
        nearest[chosen] = -1.0
    return [candidates[index] for index in chosen]


def _round_robin(lists: Sequence[Sequence[Pick]]) -> list[Pick]:
    """One from each list in turn until all are used."""
    merged: list[Pick] = []
    longest = max((len(items) for items in lists), default=0)
    for position in range(longest):
        merged.extend(items[position] for items in lists if position < len(items))
    return merged
