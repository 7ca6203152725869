"""Scored pairs into clusters of records, one cluster per person, respecting analysts' decisions.

Pairs at or above the match probability threshold join their records, strongest first (a union-find).
An analyst's must-link joins two records whatever their score; a cannot-link keeps two records apart: a
join that would put them in one cluster is skipped, so the cluster is built from the strongest links
that respect it. Connected components alone (splink's own clustering) cannot honour a cannot-link.

Before an identifier is published a cluster is held for review when it is larger than a set size or
when one record holds it together (removing that record would split it, an articulation point): the
classic sign of two people chained through one record that looks like both. Pure: no database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Pair = tuple[int, int]


@dataclass(frozen=True)
class Edge:
    left: int
    right: int
    probability: float


@dataclass(frozen=True)
class Hold:
    """Why a cluster waits for an analyst before its identifier is published."""

    cluster: int  # the cluster's label: its smallest record id
    reason: str
    records: tuple[int, ...]
    bridging_record: int | None = None


@dataclass(frozen=True)
class Clustering:
    labels: dict[int, int]  # record id -> cluster label (the smallest record id in the cluster)
    skipped_for_cannot_link: tuple[Edge, ...]
    conflicting_must_links: tuple[Pair, ...]

    def members(self) -> dict[int, list[int]]:
        clusters: dict[int, list[int]] = defaultdict(list)
        for record, label in self.labels.items():
            clusters[label].append(record)
        return clusters


class UnionFind:
    """Records joined into clusters, each cluster remembering whom its records must never join."""

    def __init__(self, records: Iterable[int], cannot_link: Iterable[Pair]) -> None:
        self.parent = {record: record for record in records}
        self.apart: dict[int, set[int]] = defaultdict(set)
        for left, right in cannot_link:
            if left in self.parent and right in self.parent:
                self.apart[left].add(right)
                self.apart[right].add(left)
        # per root: the records in its cluster that have a cannot-link, so a join checks only those
        self.guarded: dict[int, list[int]] = {record: [record] for record in self.apart}

    def find(self, record: int) -> int:
        root = record
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[record] != root:  # path compression
            self.parent[record], record = root, self.parent[record]
        return root

    def allowed(self, left_root: int, right_root: int) -> bool:
        smaller, other = sorted((left_root, right_root), key=lambda root: len(self.guarded.get(root, ())))
        return not any(
            self.find(partner) == other for record in self.guarded.get(smaller, ()) for partner in self.apart[record]
        )

    def join(self, left: int, right: int) -> bool:
        """Join the two records' clusters unless a cannot-link forbids it; True when joined or already one."""
        left_root, right_root = self.find(left), self.find(right)
        if left_root == right_root:
            return True
        if not self.allowed(left_root, right_root):
            return False
        keep, merged = min(left_root, right_root), max(left_root, right_root)
        self.parent[merged] = keep
        if merged in self.guarded:
            self.guarded.setdefault(keep, []).extend(self.guarded.pop(merged))
        return True


def cluster(
    records: Iterable[int],
    edges: Sequence[Edge],
    *,
    threshold: float,
    must_link: Iterable[Pair] = (),
    cannot_link: Iterable[Pair] = (),
) -> Clustering:
    """Cluster records by the edges at or above `threshold`, must-links first, never across a cannot-link."""
    forest = UnionFind(records, cannot_link)
    conflicts = tuple((left, right) for left, right in sorted(must_link) if not forest.join(left, right))
    strongest_first = sorted(
        (edge for edge in edges if edge.probability >= threshold),
        key=lambda edge: (-edge.probability, edge.left, edge.right),
    )
    skipped = tuple(edge for edge in strongest_first if not forest.join(edge.left, edge.right))
    return Clustering({record: forest.find(record) for record in forest.parent}, skipped, conflicts)


def articulation_points(nodes: Sequence[int], links: Iterable[Pair]) -> list[int]:
    """Records whose removal splits a connected cluster (Hopcroft and Tarjan), without recursion."""
    adjacent: dict[int, list[int]] = defaultdict(list)
    for left, right in links:
        adjacent[left].append(right)
        adjacent[right].append(left)
    start = min(nodes)
    order = {start: 0}
    low = {start: 0}
    points: set[int] = set()
    root_children = 0
    stack = [(start, -1, iter(adjacent[start]))]
    while stack:
        node, parent, neighbours = stack[-1]
        for neighbour in neighbours:
            if neighbour not in order:
                order[neighbour] = low[neighbour] = len(order)
                stack.append((neighbour, node, iter(adjacent[neighbour])))
                if node == start:
                    root_children += 1
                break
            if neighbour != parent:
                low[node] = min(low[node], order[neighbour])
        else:
            stack.pop()
            if parent != -1:
                low[parent] = min(low[parent], low[node])
                if parent != start and low[node] >= order[parent]:
                    points.add(parent)
    if root_children > 1:
        points.add(start)
    return sorted(points)


def holds(
    clustering: Clustering,
    edges: Sequence[Edge],
    *,
    threshold: float,
    max_size: int,
    must_link: Iterable[Pair] = (),
) -> list[Hold]:
    """Clusters to review before publishing: too large, or held together by one record.

    A must-link counts as a link: an analyst has vouched for it, so a record it joins is not a bridge.
    """
    links: dict[int, list[Pair]] = defaultdict(list)
    for left, right in [*((e.left, e.right) for e in edges if e.probability >= threshold), *must_link]:
        label = clustering.labels.get(left)
        if label is not None and label == clustering.labels.get(right):
            links[label].append((left, right))
    found = []
    for label, members in sorted(clustering.members().items()):
        if len(members) < 3:
            continue
        ordered = tuple(sorted(members))
        if len(members) > max_size:
            found.append(
                Hold(label, f"{len(members)} records, more than the {max_size} allowed without review", ordered)
            )
        elif bridges := articulation_points(ordered, links[label]):
            found.append(
                Hold(label, "One record joins the others: without it they would not link", ordered, bridges[0])
            )
    return found
