"""The reference pages generated from the code itself: every command and every setting.

`make docs` writes them to docs/cli.md and docs/settings.md; a test fails when they are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from wholeplace.settings import Settings


def cli_reference() -> str:
    from wholeplace.cli import app

    root = typer.main.get_command(app)
    lines = ["# The `wholeplace` command", "", "Generated from the code by `make docs`; do not edit by hand.", ""]
    lines += _command_lines(root, "wholeplace")
    return "\n".join(lines) + "\n"


def _command_lines(command: Any, path: str) -> list[str]:
    """Typer ships its own copy of click, so commands are read by their attributes, not their classes."""
    if hasattr(command, "commands"):
        lines: list[str] = []
        for name in sorted(command.commands):
            lines += _command_lines(command.commands[name], f"{path} {name}")
        return lines
    arguments = [param for param in command.params if param.param_type_name == "argument"]
    options = [param for param in command.params if param.param_type_name == "option"]
    usage = " ".join([path, *(param.name.upper() for param in arguments), *(["[OPTIONS]"] if options else [])])
    lines = [f"## `{path}`", "", (command.help or "").strip(), "", f"Usage: `{usage}`", ""]
    if options:
        lines += ["| option | meaning |", "|---|---|"]
        for option in options:
            names = ", ".join(f"`{name}`" for name in option.opts)
            lines.append(f"| {names} | {option.help or ''} |")
        lines.append("")
    return lines


def settings_reference() -> str:
    lines = [
        "# Settings",
        "",
        "Generated from the code by `make docs`; do not edit by hand. Each setting is read from the",
        "environment variable shown.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    package = Path(__file__).resolve().parent
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, Path):
            default = f"(package)/{default.relative_to(package)}" if default.is_relative_to(package) else default
        lines.append(f"| `WHOLEPLACE_{name.upper()}` | `{default}` | {field.description} |")
    return "\n".join(lines) + "\n"


PAGES = {"docs/cli.md": cli_reference, "docs/settings.md": settings_reference}


def write(root: Path) -> None:
    for relative, generate in PAGES.items():
        (root / relative).write_text(generate(), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
