"""Person identifiers that survive re-linking: old identifiers mapped onto new clusters, never reused.

Each new cluster keeps the identifier that most of its records had before. When two earlier people are
now one cluster, the one with more records (then the older) survives and the other is retired into it:
a merge. When an earlier person's records now fall in several clusters, the largest part keeps the
identifier and each other part gets a new one: a split. Each event names where it came from and where
it went, so any identifier ever published can be followed to today's. Pure: no database, no clock.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
PREFIX = "WP"


def identifier(number: int) -> str:
    """`WP-0000123-8`: a serial number with a Luhn check digit, so a mistyped identifier is caught."""
    digits = f"{number:07d}"
    total = 0
    for position, digit in enumerate(reversed(digits)):
        doubled = int(digit) * (2 if position % 2 == 0 else 1)
        total += doubled - 9 if doubled > 9 else doubled
    return f"{PREFIX}-{digits}-{(10 - total % 10) % 10}"


def is_identifier(text: str) -> bool:
    parts = text.split("-")
    return len(parts) == 3 and parts[0] == PREFIX and parts[1].isdigit() and identifier(int(parts[1])) == text


@dataclass(frozen=True)
class Event:
    """A change of identity. `kind` is created, merged, split or moved (records left one person for another)."""

    kind: str
    person_id: str  # the identifier the event is about: created, surviving a merge, or split from
    related: tuple[str, ...]  # merged: those retired into person_id; split: the new identifiers split off
    records: int  # records in the cluster that now carries person_id; for moved, the records that moved


@dataclass(frozen=True)
class Assignment(Generic[Key]):
    person_ids: dict[Key, str]
    events: tuple[Event, ...]
    retired: dict[str, str]  # identifier -> the identifier it was merged into
    issued: int  # how many identifiers have ever been issued, after this run


def assign(clusters: Mapping[Key, Hashable], previous: Mapping[Key, str], *, issued: int) -> Assignment[Key]:
    """Identifiers for every record's cluster, carrying over `previous` ones; `issued` numbers came before."""
    members: dict[Hashable, list[Key]] = defaultdict(list)
    for key, label in clusters.items():
        members[label].append(key)
    labels = sorted(members, key=lambda label: min(map(str, members[label])))
    position = {label: index for index, label in enumerate(labels)}
    holders: dict[Hashable, Counter[str]] = {
        label: Counter(previous[key] for key in members[label] if key in previous) for label in labels
    }
    spread: dict[str, Counter[Hashable]] = defaultdict(Counter)
    for label, counts in holders.items():
        for old, count in counts.items():
            spread[old][label] = count
    # An old identifier goes to the cluster with most of its records; a cluster claimed by several keeps the
    # one with most records there, ties to the earlier identifier.
    home = {old: min(places, key=lambda label: (-places[label], position[label])) for old, places in spread.items()}
    claimants: dict[Hashable, list[str]] = defaultdict(list)
    for old, label in home.items():
        claimants[label].append(old)
    kept: dict[Hashable, str] = {}
    retired: dict[str, str] = {}
    events: list[Event] = []
    for label, olds in claimants.items():
        survivor = min(olds, key=lambda old: (-holders[label][old], old))
        kept[label] = survivor
        if others := tuple(sorted(old for old in olds if old != survivor)):
            retired.update(dict.fromkeys(others, survivor))
            events.append(Event("merged", survivor, others, len(members[label])))
    split_parts: dict[str, list[str]] = defaultdict(list)
    for label in labels:
        if label in kept:
            continue
        issued += 1
        kept[label] = identifier(issued)
        sources = sorted(holders[label], key=lambda old: (-holders[label][old], old))
        if sources:
            split_parts[sources[0]].append(kept[label])
        else:
            events.append(Event("created", kept[label], (), len(members[label])))
    for old, parts in sorted(split_parts.items()):
        events.append(Event("split", old, tuple(parts), sum(spread[old].values())))
    for label in labels:  # records that left one person for another who already existed
        for old, count in sorted(holders[label].items()):
            if old != kept[label] and retired.get(old) != kept[label] and old not in split_parts:
                events.append(Event("moved", old, (kept[label],), count))
    person_ids = {key: kept[label] for label, keys in members.items() for key in keys}
    return Assignment(person_ids, tuple(events), retired, issued)
