"""The line-numbered reader of YAML and JSON input: every value keeps its line, every problem names it.

A feature's reader subclasses `LineNumberedReader` and adds the parts of its own format (an allocation plan,
a business case, a summary table); the base reads the node tree, keys, single values and amounts, and collects
every problem as `file, line N, key.path: message` so the user sees all of them at once. Pure: no database,
no clock, no printing. CSV and xlsx tables are read by `files.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode

from wholeplace.money import Money, MoneyError
from wholeplace.problems import Problem

NULL_TAG = "tag:yaml.org,2002:null"

Entries = dict[str, tuple[Node, Node]]  # key -> (key node, value node)


# No file we read nests past a dozen levels; composing 10,000 nested brackets ran out of Python's stack.
MAX_DEPTH = 100


class NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (a few nested `*` references can make a tree of billions of nodes) and
    nesting deeper than MAX_DEPTH levels."""

    depth = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, "aliases (*) are not allowed: write each value out", mark)
        if self.depth >= MAX_DEPTH:
            mark = self.peek_event().start_mark
            raise yaml.composer.ComposerError(None, None, f"lists or keys nest deeper than {MAX_DEPTH} levels", mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def child(path: str, key: str) -> str:
    """The key path one level down: `lines[0]` and `amount` make `lines[0].amount`."""
    return f"{path}.{key}" if path else key


class LineNumberedReader:
    """Reads the YAML node tree (so every value has its line) and collects every problem.

    `example` is the key and value shown when something that must be keys and values is not.
    """

    example = "key: value"

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def where(self, node: Node, path: str) -> str:
        return ", ".join(part for part in (self.filename, f"line {node.start_mark.line + 1}", path) if part)

    def refuse(self, node: Node, path: str, message: str) -> None:
        self.problems.append(Problem(self.where(node, path), message))

    def compose(self, text: str, *, when_empty: str) -> Node | None:
        """The YAML (or JSON) node tree with line marks, or None with the problem recorded."""
        if text.lstrip().startswith("{"):
            # JSON may be indented with tabs, which YAML refuses; JSON strings cannot hold a raw tab.
            text = text.replace("\t", " ")
        try:
            root = yaml.compose(text, Loader=NoAliasLoader)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
            where = f"{self.filename}, line {mark.line + 1}" if mark else self.filename
            reason = getattr(error, "problem", None) or str(error)
            self.problems.append(Problem(where, f"This is not YAML or JSON that can be read: {reason}"))
            return None
        if root is None:
            self.problems.append(Problem(self.filename, when_empty))
        return root

    def mapping(self, node: Node, path: str, allowed: Sequence[str], what: str) -> Entries | None:
        """The keys and values of a mapping, refusing keys given twice and keys not in `allowed`."""
        if not isinstance(node, MappingNode):
            self.refuse(node, path, f"{what} must be keys and values, like '{self.example}'")
            return None
        entries: Entries = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else ""
            if key in entries:
                self.refuse(key_node, child(path, key), f"'{key}' is given twice: give each key once")
            elif key not in allowed:
                self.refuse(
                    key_node, child(path, key), f"'{key}' is not a key we know. {what} can have: {', '.join(allowed)}"
                )
            else:
                entries[key] = (key_node, value_node)
        return entries

    def required(self, entries: Entries, owner: Node, path: str, key: str, message: str) -> Node | None:
        """The value of a key that must be given; `message` says how to give it when it is not."""
        if key not in entries:
            self.refuse(owner, child(path, key), message)
            return None
        return entries[key][1]

    def scalar(self, node: Node, path: str, what: str) -> str | None:
        """One value as trimmed text; a list, keys, null or blank is refused with "Enter {what}"."""
        if not isinstance(node, ScalarNode):
            self.refuse(node, path, f"Write {what} as one value, not a list or keys")
            return None
        if node.tag == NULL_TAG or not node.value.strip():
            self.refuse(node, path, f"Enter {what}")
            return None
        return node.value.strip()

    def text(self, node: Node, where: str, what: str) -> str | None:
        """One value with its runs of white space made single spaces, as names are compared."""
        value = self.scalar(node, where, what)
        return " ".join(value.split()) if value is not None else None

    def money(self, node: Node, where: str, what: str) -> Money | None:
        """An amount of £0.00 or more, written as people write it: 1115160, £1,115,160.00."""
        text = self.scalar(node, where, what)
        if text is None:
            return None
        try:
            amount = Money.parse(text)
        except MoneyError as error:
            self.refuse(node, where, str(error))
            return None
        if amount.pence < 0:
            self.refuse(node, where, "Amount must be £0.00 or more")
            return None
        return amount
