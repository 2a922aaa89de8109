"""Item views carry each study series' ED and ES frames: a reader's override wins over the analysis."""

from __future__ import annotations

from qaforge.annotate.review_item import review_slices
from qaforge.pipeline.select import select_images
from qaforge.pipeline.series import apply_series_overrides, list_series
from qaforge.store.item_views import item_views

from ..pipeline.test_annotate import build  # noqa: TID252

BUDGET = 16  # enough for a cine selection to show several frames


def cine_view(engine):
    """An item whose selection shows several frames of one cine series."""
    with engine.connect() as connection:
        views = item_views(connection, protocol="clinical", budget=BUDGET)
    return next(v for v in views if v.sequence == "cine" and len({i.t for i in v.images}) > 1)


def test_study_series_phases_follow_the_analysis_then_a_readers_override(
    sqlite_engine, small_source, tmp_path
):
    build(sqlite_engine, small_source, tmp_path / "img")
    select_images(
        sqlite_engine,
        protocols=["clinical"],
        budgets=[BUDGET],
        images_dir=tmp_path / "img",
        workers=1,
    )
    view = cine_view(sqlite_engine)
    listed = {s.series_id: s for s in list_series(sqlite_engine)}
    for series in view.study_series:
        assert (series.ed_frame, series.es_frame) == (
            listed[series.series_id].ed_frame,
            listed[series.series_id].es_frame,
        )
    shown = view.images[0]
    assert listed[shown.series_id].ed_frame is not None, "the phantom cine was analysed"

    others = sorted({i.t for i in view.images if i.series_id == shown.series_id} - {shown.t})
    corrections = tmp_path / "corrections.csv"
    corrections.write_text(
        f"series_id,ed_frame,es_frame,slice_order\n{shown.series_id},{shown.t},{others[0]},\n",
        encoding="utf-8",
    )
    apply_series_overrides(sqlite_engine, corrections)

    after = next(v for v in item_views_of(sqlite_engine, view.id))
    (series,) = [s for s in after.study_series if s.series_id == shown.series_id]
    assert (series.ed_frame, series.es_frame) == (shown.t, others[0])
    phases = {
        (s.t, s.phase)
        for s in review_slices(after, [i.path for i in after.images])
        if s.series == 0
    }
    assert (shown.t, "ED") in phases and (others[0], "ES") in phases
    assert all(phase is None for t, phase in phases if t not in (shown.t, others[0]))


def item_views_of(engine, item_id):
    with engine.connect() as connection:
        return item_views(connection, protocol="clinical", budget=BUDGET, item_ids=[item_id])
