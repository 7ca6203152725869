"""Person identifiers survive re-linking: kept by the largest part, merges and splits recorded, never reused."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from wholeplace.linkage.identifiers import assign, identifier, is_identifier


def test_identifiers_carry_a_check_digit_that_catches_a_typing_slip() -> None:
    assert identifier(123) == "WP-0000123-0"
    assert is_identifier("WP-0000123-0")
    assert not is_identifier("WP-0000132-0")  # two digits swapped
    assert not is_identifier("WP-0000123-1")


def test_first_run_creates_one_identifier_per_cluster() -> None:
    first = assign({"a": 1, "b": 1, "c": 2}, {}, issued=0)
    assert first.person_ids == {"a": "WP-0000001-8", "b": "WP-0000001-8", "c": "WP-0000002-6"}
    assert [(event.kind, event.person_id) for event in first.events] == [
        ("created", "WP-0000001-8"),
        ("created", "WP-0000002-6"),
    ]
    assert first.issued == 2


def test_a_merge_keeps_the_larger_persons_identifier_and_retires_the_other_into_it() -> None:
    before = {"a": "WP-0000001-8", "b": "WP-0000001-8", "c": "WP-0000002-6"}
    after = assign({"a": 1, "b": 1, "c": 1}, before, issued=2)
    assert set(after.person_ids.values()) == {"WP-0000001-8"}
    assert after.retired == {"WP-0000002-6": "WP-0000001-8"}
    (event,) = after.events
    assert (event.kind, event.person_id, event.related, event.records) == (
        "merged",
        "WP-0000001-8",
        ("WP-0000002-6",),
        3,
    )
    assert after.issued == 2


def test_a_split_keeps_the_identifier_on_the_larger_part_and_issues_a_new_one_with_lineage() -> None:
    before = dict.fromkeys("abc", "WP-0000001-8")
    after = assign({"a": 1, "b": 1, "c": 3}, before, issued=5)
    assert after.person_ids == {"a": "WP-0000001-8", "b": "WP-0000001-8", "c": "WP-0000006-7"}
    (event,) = after.events
    assert (event.kind, event.person_id, event.related) == ("split", "WP-0000001-8", ("WP-0000006-7",))
    assert after.issued == 6


def test_a_record_moving_between_existing_people_is_recorded() -> None:
    before = {"a": "WP-0000001-8", "b": "WP-0000001-8", "c": "WP-0000002-6", "d": "WP-0000002-6"}
    after = assign({"a": 1, "b": 2, "c": 2, "d": 2}, before, issued=2)
    assert after.person_ids["b"] == "WP-0000002-6"
    assert [(e.kind, e.person_id, e.related, e.records) for e in after.events] == [
        ("moved", "WP-0000001-8", ("WP-0000002-6",), 1)
    ]


clusterings = st.dictionaries(st.integers(0, 30), st.integers(0, 8), min_size=1)


@given(clusterings, clusterings)
def test_identifiers_are_never_reused_and_untouched_clusters_keep_theirs(first: dict, second: dict) -> None:
    one = assign(first, {}, issued=0)
    two = assign(second, {k: v for k, v in one.person_ids.items() if k in second}, issued=one.issued)
    # one identifier per cluster, one cluster per identifier
    pairs = {(second[key], person) for key, person in two.person_ids.items()}
    assert len(pairs) == len({label for label, _ in pairs}) == len({person for _, person in pairs})
    # a new identifier is numbered after every earlier one; a retired one is never handed out again
    earlier = set(one.person_ids.values())
    fresh = set(two.person_ids.values()) - earlier
    assert all(int(person.split("-")[1]) > one.issued for person in fresh)
    assert not set(two.retired) & set(two.person_ids.values())
    # a cluster whose records all had one identifier, and held all of that identifier's records, keeps it
    for label in set(second.values()):
        keys = {key for key, value in second.items() if value == label}
        olds = {one.person_ids[key] for key in keys if key in one.person_ids}
        if len(olds) == 1 and all(
            key in keys for key, person in one.person_ids.items() if person in olds and key in second
        ):
            assert {two.person_ids[key] for key in keys} == olds
