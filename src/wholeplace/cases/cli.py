"""`wholeplace cases`: casework at the console; `score` needs no database."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from wholeplace.cases.checklists import Checklist, Score, read_answers_file, score
from wholeplace.cases.rights_cli import retention_app
from wholeplace.cli_support import out, read_text, refuse
from wholeplace.problems import InvalidInput

cases_app = typer.Typer(help="Casework: risk checklists, retention.", no_args_is_help=True)
cases_app.add_typer(retention_app, name="retention")


class Format(StrEnum):
    JSON = "json"
    TABLE = "table"


@cases_app.command("score")
def score_command(
    answers: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="YAML file: checklist, answers 1-24, optional call-outs/judgement",
        ),
    ],
    output: Annotated[Format, typer.Option("--format", help="json or table")] = Format.TABLE,
) -> None:
    """Score a completed risk checklist outside the app: level, yes count, MARAC and the reasons."""
    try:
        checklist, given = read_answers_file(read_text(answers), answers.name)
        result = score(checklist, given)
    except InvalidInput as error:
        refuse(error.problems)
    if output is Format.JSON:
        print(json.dumps(_as_json(result), indent=2))
    else:
        out.print(_as_table(checklist, result))


def _as_json(result: Score) -> dict[str, object]:
    return {
        "checklist": result.checklist,
        "version": result.version,
        "level": result.level,
        "computed_level": result.computed_level,
        "yes_count": result.yes_count,
        "marac": result.marac,
        "marac_criteria": list(result.marac_criteria),
        "reasons": list(result.reasons),
    }


def _as_table(checklist: Checklist, result: Score) -> Table:
    # a judgement's reason is free text: escaped, so brackets in it print as written, not as Rich markup
    table = Table(title=escape(checklist.citation), show_header=False)
    table.add_row("Level", result.level)
    table.add_row("Level from the answers", result.computed_level)
    answered = f"{result.yes_count} of {len(checklist.questions)}"
    table.add_row(f"Answered {escape(checklist.scoring_answer)}", answered)
    table.add_row("Answered not known", str(result.not_known_count))
    table.add_row("Meets the MARAC criteria", "yes: " + ", ".join(result.marac_criteria) if result.marac else "no")
    for number, reason in enumerate(result.reasons, start=1):
        table.add_row(f"Reason {number}", escape(reason))
    return table
