"""Every action code the service records has words on the audit page, found by reading the source itself.

The codes are the action argument of each `audit.record(...)` call, of each `Refusal(...)` (recorded when a check
refuses), and of each function that passes its own parameter named `action` on to one of those (`require`, a
plan's `_saved`), followed until nothing new is found. An f-string code ("plan.action_{status.value}") must match
at least one worded code; a module constant (`VERIFIED`) is read from its module, a local name from what the
function assigns it.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import wholeplace
from wholeplace.audit import AuditEntry
from wholeplace.auth.actor import PERMISSIONS
from wholeplace.web.audit_words import TOPICS, WORDS, sentence, topic_of, who

SOURCE = Path(wholeplace.__file__).parent
RECORDERS = {"record": 2, "Refusal": 1}  # function name -> position of its action argument


@dataclass(frozen=True)
class Found:
    codes: dict[str, str]  # literal code -> where it was first found
    patterns: dict[str, str]  # regular expression from an f-string -> where
    unresolved: list[str]  # a code passed by a name that is neither a parameter followed up nor a constant


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return node.func.id if isinstance(node.func, ast.Name) else None


def _action_argument(node: ast.Call, position: int) -> ast.expr | None:
    keyword = next((k.value for k in node.keywords if k.arg == "action"), None)
    return keyword if keyword is not None else (node.args[position] if len(node.args) > position else None)


def _constants(tree: ast.Module) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _functions(tree: ast.Module) -> Iterator[tuple[ast.FunctionDef, ast.Call]]:
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef):
            for node in ast.walk(function):
                if isinstance(node, ast.Call):
                    yield function, node


def codes_in_source() -> Found:
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(SOURCE.rglob("*.py"))}
    recorders = dict(RECORDERS)
    codes: dict[str, str] = {}
    patterns: dict[str, str] = {}
    unresolved: list[str] = []
    while True:
        passed_on: dict[str, int] = {}
        codes, patterns, unresolved = {}, {}, []
        for path, tree in trees.items():
            constants = _constants(tree)
            for function, call in _functions(tree):
                name = _callee(call)
                if name not in recorders or (name == "record" and not _is_audit_record(call, path)):
                    continue
                argument = _action_argument(call, recorders[name])
                where = f"{path.relative_to(SOURCE)}:{call.lineno}"
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    codes.setdefault(argument.value, where)
                elif isinstance(argument, ast.JoinedStr):
                    patterns.setdefault(_pattern(argument), where)
                elif isinstance(argument, ast.Name) and argument.id in constants:
                    codes.setdefault(constants[argument.id], where)
                elif isinstance(argument, ast.Name) and (assigned := _assigned(function, argument.id)):
                    codes.update({code: where for code in assigned if code not in codes})
                elif isinstance(argument, ast.Name) and argument.id == "action" in parameters(function):
                    passed_on[function.name] = parameters(function).index("action")
                elif name in RECORDERS and ast.unparse(argument or ast.Constant(None)) != "refusal.action":
                    # a followed function's namesake elsewhere (sharing's own `require`) passes no code: only the
                    # trail's own recorders must always be given one that can be read
                    unresolved.append(f"{where}: {ast.unparse(argument) if argument else 'no action'}")
        if passed_on.items() <= recorders.items():
            return Found(codes, patterns, unresolved)
        recorders |= passed_on


def _assigned(function: ast.FunctionDef, name: str) -> list[str]:
    """The codes a local name is given in the function: `action = "user.reactivated" if active else ...`."""
    return [
        constant.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        for constant in ast.walk(node.value)
        if isinstance(constant, ast.Constant) and isinstance(constant.value, str)
    ]


def parameters(function: ast.FunctionDef) -> list[str]:
    return [argument.arg for argument in function.args.args]


def _is_audit_record(call: ast.Call, path: Path) -> bool:
    """`audit.record(...)`, or `record(...)` inside audit.py itself (another module's `record` is not the trail's)."""
    if isinstance(call.func, ast.Attribute):
        return isinstance(call.func.value, ast.Name) and call.func.value.id == "audit"
    return path.name == "audit.py"


def _pattern(fstring: ast.JoinedStr) -> str:
    return "".join(re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in fstring.values)


@pytest.fixture(scope="module")
def found() -> Found:
    return codes_in_source()


def test_every_action_code_the_source_records_has_words(found: Found) -> None:
    assert found.unresolved == []
    missing = {code: where for code, where in found.codes.items() if code not in WORDS}
    assert missing == {}
    unmatched = {p: where for p, where in found.patterns.items() if not any(re.fullmatch(p, c) for c in WORDS)}
    assert unmatched == {}
    # 121 codes written out, permissions a check refuses among them; 3 built in f-strings. A new code changes this.
    assert len(found.codes) == 121, sorted(found.codes)
    assert len(found.patterns) == 3, sorted(found.patterns)


def test_every_permission_has_words_and_every_worded_code_a_topic() -> None:
    assert set(PERMISSIONS) <= set(WORDS)
    assert {code: topic_of(code) for code in WORDS if topic_of(code) is None} == {}
    assert len(TOPICS) == 12


def test_no_words_are_kept_for_a_code_nothing_records(found: Found) -> None:
    recorded = set(found.codes) | set(PERMISSIONS)
    stale = {code for code in WORDS if code not in recorded and not any(re.fullmatch(p, code) for p in found.patterns)}
    assert stale == set()


def _entry(action: str, outcome: str = "allowed", actor: str = "finance@essex.example", **detail: object) -> AuditEntry:
    return AuditEntry(
        seq=1,
        at=dt.datetime(2026, 12, 5, 14, 3, tzinfo=dt.UTC),
        actor=actor,
        actor_user_id=7,
        action=action,
        outcome=outcome,
        detail=json.dumps(detail),
    )


def test_a_posting_says_how_much_went_where_under_which_decision() -> None:
    posted = _entry(
        "ledger.posted",
        fund="WECB",
        decision="PCC/038/13",
        postings=[
            ["Pool:Unallocated", "2013/14", "-12000.00"],
            ["Themes:Reducing Re-offending:Link Workers", "2013/14", "12000.00"],
        ],
    )
    assert sentence(posted) == (
        "posted £12,000 from Unallocated pool to Link Workers (Reducing Re-offending) in fund WECB, "
        "under decision PCC/038/13"
    )


def test_a_decision_and_a_refusal_read_as_sentences() -> None:
    approved = _entry("decision.approved", reference="PCC/038/13", decided_on="2013-03-20", signed_by="Nick Alston")
    assert sentence(approved) == "recorded decision PCC/038/13 as approved by Nick Alston on 20 March 2013"
    refused = _entry("funds.manage", outcome="refused", reason="Only a user with the role admin, finance can do this")
    assert sentence(refused) == "tried to manage funds"
    older = _entry("decision.drafted")  # an entry written before its detail held the reference
    assert sentence(older) == "drafted decision (not recorded), recommending (not recorded)"


def test_who_is_a_name_and_partner_the_console_or_what_a_stranger_typed() -> None:
    people = {7: ("Ann Finance", "Essex County Council")}
    assert who(_entry("sign_in"), people) == "Ann Finance (Essex County Council)"
    console = AuditEntry(actor="console:root", actor_user_id=None)
    assert who(console, people) == "the console (root)"
    stranger = AuditEntry(actor="nobody@example.com", actor_user_id=None)
    assert who(stranger, people) == "someone not signed in, as “nobody@example.com”"
