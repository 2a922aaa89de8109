"""View routing: primary view first, fallbacks after, missing views named, overall diagnosis."""

from __future__ import annotations

from qaforge.images.routing import Routing, SeriesRef, route


def _ref(sequence: str, view: str, name: str | None = None) -> SeriesRef:
    name = name or f"{sequence}_{view}"
    return SeriesRef(name, sequence, view, f"/data/{name}.nii.gz", "0" * 64)


STUDY = [
    _ref("lge", "sax"),
    _ref("cine", "4ch"),
    _ref("cine", "sax"),
    _ref("t2", "sax"),
    _ref("cine", "2ch"),
    _ref("perfusion", "sax"),
]


def _ids(routing: Routing) -> list[str]:
    return [ref.series_id for ref in routing.series]


def test_route_follows_the_order_of_the_views_not_of_the_study():
    routing = route("cine", ["4ch", "sax", "2ch"], STUDY)
    assert _ids(routing) == ["cine_4ch", "cine_sax", "cine_2ch"]
    assert routing.primary_view == "4ch"
    assert routing.missing_views == ()
    assert routing.key == ("cine_4ch", "cine_sax", "cine_2ch")


def test_route_falls_back_when_the_primary_view_is_missing():
    routing = route("cine", ["3ch", "sax"], STUDY)
    assert _ids(routing) == ["cine_sax"]
    assert routing.primary_view == "sax"
    assert routing.missing_views == ("3ch",)


def test_route_keeps_only_the_subtask_sequence():
    routing = route("lge", ["sax", "4ch"], STUDY)
    assert _ids(routing) == ["lge_sax"]
    assert routing.missing_views == ("4ch",)


def test_route_of_an_absent_sequence_routes_nothing():
    routing = route("lge", ["sax"], [_ref("cine", "sax")])
    assert routing.series == ()
    assert routing.primary_view is None
    assert routing.key == ()
    assert routing.missing_views == ("sax",)


def test_route_of_an_empty_study():
    assert route("cine", ["sax"], []) == Routing(series=(), missing_views=("sax",))


def test_route_picks_the_first_path_among_duplicates_whatever_the_input_order():
    first = SeriesRef("b-id", "cine", "sax", "/data/a_cine.nii.gz", "1" * 64)
    second = SeriesRef("a-id", "cine", "sax", "/data/b_cine.nii.gz", "2" * 64)
    assert _ids(route("cine", ["sax"], [second, first])) == ["b-id"]
    assert _ids(route("cine", ["sax"], [first, second])) == ["b-id"]


def test_overall_routes_every_sequence_in_the_fixed_order():
    """cine, LGE, perfusion, T2; within a sequence, the order of the views."""
    routing = route("overall", ["sax", "4ch"], STUDY)
    assert _ids(routing) == ["cine_sax", "cine_4ch", "lge_sax", "perfusion_sax", "t2_sax"]
    assert routing.primary_view == "sax"


def test_overall_names_missing_views_per_sequence_and_skips_absent_sequences():
    routing = route("overall", ["sax", "4ch"], [_ref("cine", "sax"), _ref("lge", "sax")])
    assert _ids(routing) == ["cine_sax", "lge_sax"]
    assert routing.missing_views == ("cine/4ch", "lge/4ch")


def test_overall_of_a_study_without_any_listed_view_names_the_views_missing():
    """Nothing routed for a diagnosis item: every listed view is reported missing, unqualified."""
    routing = route("overall", ["3ch", "2ch"], [_ref("lge", "sax"), _ref("t2", "sax")])
    assert routing.series == ()
    assert routing.primary_view is None
    assert routing.missing_views == ("3ch", "2ch")


def test_routing_key_differs_when_the_routed_series_differ():
    assert route("cine", ["sax", "4ch"], STUDY).key != route("cine", ["4ch", "sax"], STUDY).key
