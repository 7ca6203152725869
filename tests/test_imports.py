"""No module reaches into another's private names (DESIGN.md: features use `files/`, never each other's privates).

Every module under src/wholeplace is parsed with `ast`: an import of another wholeplace module's underscore
name (`from wholeplace.funds.plan import _child`), or an attribute access to one through a module
(`plan._child`, `wholeplace.funds.plan._child`), is a failure naming the file and line. A module's own
underscore names, and dunders such as `__version__`, are its own business.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import wholeplace

SRC = Path(wholeplace.__file__).resolve().parent
MODULES = {
    ".".join(("wholeplace", *path.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__"): path
    for path in sorted(SRC.rglob("*.py"))
}


def private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The module an import names, with a relative import (`from .plan import x`) resolved against `module`."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def private_reaches(source: str, module: str, *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, what) for each use in `source` of another wholeplace module's private name."""
    tree = ast.parse(source)
    modules: dict[str, str] = {}  # a local name bound to a wholeplace module -> that module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not alias.name.startswith("wholeplace"):
                    continue
                if any(private(part) for part in alias.name.split(".")):
                    yield node.lineno, f"import {alias.name}"
                if alias.asname:
                    modules[alias.asname] = alias.name
                else:
                    modules[alias.name.split(".")[0]] = alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            source_module = absolute(node, module, is_package)
            if not source_module.startswith("wholeplace") or source_module == module:
                continue
            for alias in node.names:
                if private(alias.name) or any(private(part) for part in source_module.split(".")):
                    yield node.lineno, f"from {source_module} import {alias.name}"
                if f"{source_module}.{alias.name}" in MODULES:
                    modules[alias.asname or alias.name] = f"{source_module}.{alias.name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and private(node.attr):
            owner = _module_of(node.value, modules)
            if owner is not None and owner != module:
                yield node.lineno, f"{owner}.{node.attr}"


def _module_of(node: ast.expr, modules: dict[str, str]) -> str | None:
    """The wholeplace module an expression such as `plan` or `wholeplace.funds.plan` names, if it names one."""
    if isinstance(node, ast.Name):
        return modules.get(node.id)
    if isinstance(node, ast.Attribute):
        parent = _module_of(node.value, modules)
        return f"{parent}.{node.attr}" if parent is not None else None
    return None


def test_no_module_imports_or_reaches_another_modules_private_names() -> None:
    found = [
        f"{path.relative_to(SRC.parent)}:{line}: {what}"
        for module, path in MODULES.items()
        for line, what in private_reaches(
            path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
        )
    ]
    assert len(MODULES) > 80, f"walked only {len(MODULES)} modules: is the package where this test looks?"
    assert found == []


def test_the_check_finds_each_way_of_reaching_a_private_name() -> None:
    source = """
from wholeplace.funds.plan import _child, PlanLine
from wholeplace.funds import plan
from wholeplace.appraisal import engine as appraisal_engine
import wholeplace.funds.exports
import wholeplace.money as money
from .sibling import _helper

plan._child("a", "b")
appraisal_engine._ratio
wholeplace.funds.plan._child
money._AMOUNT
money.__name__
_mine = 1
"""
    found = sorted(what for _, what in private_reaches(source, "wholeplace.funds.example"))
    assert found == sorted(
        [
            "from wholeplace.funds.plan import _child",
            "from wholeplace.funds.sibling import _helper",
            "wholeplace.funds.plan._child",
            "wholeplace.appraisal.engine._ratio",
            "wholeplace.funds.plan._child",
            "wholeplace.money._AMOUNT",
        ]
    )


def imports_of(path: Path, module: str) -> set[str]:
    """The wholeplace modules a file imports (absolute and relative)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add(absolute(node, module, path.name == "__init__.py"))
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("wholeplace.")}


def test_no_funds_module_imports_decisions_in_any_way() -> None:
    """Decisions post to the funds ledger, so the dependency runs decisions -> funds only (DESIGN.md: "no two
    features import each other"). Every module under src/wholeplace/funds is parsed: an import of
    wholeplace.decisions in any spelling (absolute, relative, `from wholeplace import decisions`, under
    TYPE_CHECKING, or by `importlib.import_module`) is a failure naming the file and line. Pages and commands
    that need both features live in decisions (`fund_pages.py`, `cli.py`)."""

    def decisions_imports(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
        found = []
        for node in ast.walk(ast.parse(source)):
            named: list[str] = []
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                source_module = absolute(node, module, is_package)
                named = [source_module, *(f"{source_module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if called in ("import_module", "__import__") and isinstance(node.args[0].value, str):
                    named = [node.args[0].value]
            hits = [
                name for name in named if name == "wholeplace.decisions" or name.startswith("wholeplace.decisions.")
            ]
            found += [(node.lineno, hits[0])] if hits else []
        return found

    # The check finds each way, so an empty list below means something.
    sample = """
from typing import TYPE_CHECKING
import importlib
import wholeplace.decisions.model
from wholeplace.decisions import service
from wholeplace import decisions
from ..decisions.report import load_decision
from .. import decisions as d
from wholeplace.funds import ledger
if TYPE_CHECKING:
    from wholeplace.decisions.model import Decision
importlib.import_module("wholeplace.decisions.cli")
"""
    assert sorted(line for line, _ in decisions_imports(sample, "wholeplace.funds.example")) == [4, 5, 6, 7, 8, 11, 12]

    funds = {
        name: path
        for name, path in MODULES.items()
        if name == "wholeplace.funds" or name.startswith("wholeplace.funds.")
    }
    found = [
        f"{path.relative_to(SRC.parent)}:{line}: imports {what}"
        for module, path in funds.items()
        for line, what in decisions_imports(
            path.read_text(encoding="utf-8"), module, is_package=path.name == "__init__.py"
        )
    ]
    # 17 modules when this was written (funds/ and funds/exports/): fewer means the walk missed some.
    assert len(funds) >= 17, f"walked only {len(funds)} funds modules: {sorted(funds)}"
    assert found == []
