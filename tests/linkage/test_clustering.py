"""Clusters from scored pairs: strongest links first, analysts' rulings kept, bridges and giants held."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wholeplace.linkage.clustering import Edge, articulation_points, cluster, holds


def groups(labels: dict[int, int]) -> list[list[int]]:
    found: dict[int, list[int]] = {}
    for record, label in sorted(labels.items()):
        found.setdefault(label, []).append(record)
    return sorted(found.values())


def test_pairs_at_or_above_the_threshold_join_their_records() -> None:
    edges = [Edge(0, 1, 0.99), Edge(1, 2, 0.95), Edge(3, 4, 0.94)]
    result = cluster(range(5), edges, threshold=0.95)
    assert groups(result.labels) == [[0, 1, 2], [3], [4]]


def test_a_cannot_link_keeps_two_records_apart_and_the_weaker_link_gives_way() -> None:
    # 0-1 strong, 1-2 weaker: an analyst says 0 and 2 are different people, so 2 stays out
    edges = [Edge(0, 1, 0.999), Edge(1, 2, 0.97)]
    result = cluster(range(3), edges, threshold=0.95, cannot_link=[(0, 2)])
    assert groups(result.labels) == [[0, 1], [2]]
    assert result.skipped_for_cannot_link == (Edge(1, 2, 0.97),)


def test_a_must_link_joins_records_whatever_their_score() -> None:
    result = cluster(range(3), [Edge(0, 1, 0.6)], threshold=0.95, must_link=[(0, 1)])
    assert groups(result.labels) == [[0, 1], [2]]


def test_must_links_that_would_break_a_cannot_link_are_reported() -> None:
    result = cluster(range(3), [], threshold=0.95, must_link=[(0, 1), (1, 2)], cannot_link=[(0, 2)])
    assert result.conflicting_must_links == ((1, 2),)
    assert groups(result.labels) == [[0, 1], [2]]


def test_one_record_joining_two_groups_is_a_bridge() -> None:
    # 0-1-2 form a triangle, 2-3 and 3-4: 2 and 3 each hold part of the cluster on
    links = [(0, 1), (1, 2), (0, 2), (2, 3), (3, 4)]
    assert articulation_points([0, 1, 2, 3, 4], links) == [2, 3]
    assert articulation_points([0, 1, 2], [(0, 1), (1, 2), (0, 2)]) == []


def test_clusters_held_before_publishing_name_the_reason() -> None:
    chain = [Edge(0, 1, 0.99), Edge(1, 2, 0.99)]  # 0 and 2 linked only through 1
    big = [Edge(10, other, 0.99) for other in range(11, 16)] + [
        Edge(a, b, 0.99) for a in range(11, 16) for b in range(a + 1, 16)
    ]
    edges = chain + big
    result = cluster([0, 1, 2, *range(10, 16)], edges, threshold=0.95)
    found = holds(result, edges, threshold=0.95, max_size=5)
    assert [(hold.cluster, hold.bridging_record) for hold in found] == [(0, 1), (10, None)]
    assert found[1].reason == "6 records, more than the 5 allowed without review"
    assert found[0].reason == "One record joins the others: without it they would not link"


def test_a_must_link_counts_as_a_link_when_looking_for_bridges() -> None:
    edges = [Edge(0, 1, 0.99), Edge(1, 2, 0.99)]
    result = cluster(range(3), edges, threshold=0.95, must_link=[(0, 2)])
    assert holds(result, edges, threshold=0.95, max_size=12, must_link=[(0, 2)]) == []


edge_lists = st.lists(
    st.tuples(st.integers(0, 14), st.integers(0, 14), st.floats(0.5, 1.0)).filter(lambda e: e[0] != e[1]),
    max_size=40,
)


@given(edge_lists, st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)).filter(lambda p: p[0] != p[1])))
def test_no_cluster_ever_holds_both_records_of_a_cannot_link(raw: list, apart: list) -> None:
    edges = [Edge(a, b, p) for a, b, p in raw]
    result = cluster(range(15), edges, threshold=0.8, cannot_link=apart)
    assert all(result.labels[a] != result.labels[b] for a, b in apart)
    # and with no cannot-links, clusters are exactly the connected components at the threshold
    plain = cluster(range(15), edges, threshold=0.8)
    for edge in edges:
        if edge.probability >= 0.8:
            assert plain.labels[edge.left] == plain.labels[edge.right]
    assert all(label == min(members) for label, members in plain.members().items())
