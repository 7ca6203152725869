"""Risk checklists as data, and scoring a completed one: pure, no database, no clock.

A checklist (cases/data/*.yaml) has numbered questions, an answer scale, the answer that scores, ordered levels
with the count of scoring answers each starts at, and optionally the MARAC referral criteria. The SafeLives Dash
risk identification checklist ships: 14 or more "yes" is visible high risk; the medium band (10 to 13 by
default) is a documented local rule. Professional judgement can raise a level, never lower it, and needs a
reason; potential escalation (3 or more police call-outs in 12 months) also meets the MARAC criteria.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wholeplace.files.reader import LineNumberedReader
from wholeplace.problems import InvalidInput, Problem

DATA = Path(__file__).resolve().parent / "data"
VISIBLE_HIGH_RISK = "visible high risk"
PROFESSIONAL_JUDGEMENT = "professional judgement"
POTENTIAL_ESCALATION = "potential escalation"


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    version: str
    source: str
    answers: tuple[str, ...]  # the answer scale, e.g. yes / no / not known
    scoring_answer: str
    levels: tuple[str, ...]  # lowest first
    starts_at: Mapping[str, int]  # level -> count of scoring answers it starts at (the lowest starts at 0)
    questions: Mapping[int, str]
    marac_level: str | None = None  # the level that meets the MARAC criteria by itself
    marac_police_callouts: int | None = None  # call-outs in 12 months that meet them (potential escalation)

    def level_for(self, count: int) -> str:
        return max((level for level in self.levels if count >= self.starts_at[level]), key=self.rank)

    def rank(self, level: str) -> int:
        return self.levels.index(level)


@dataclass(frozen=True)
class Score:
    checklist: str
    version: str
    yes_count: int  # answers that score ("yes" on the Dash checklist)
    not_known_count: int
    computed_level: str  # from the count alone
    level: str  # after professional judgement
    marac: bool
    marac_criteria: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Answers:
    """A completed checklist as given: answers by question number and what goes with them."""

    answers: Mapping[int, str]
    police_callouts_12_months: int | None = None
    judgement: str | None = None
    judgement_reason: str = ""


def _scalars(node: Node) -> list[str]:
    assert isinstance(node, SequenceNode)
    return [item.value for item in node.value if isinstance(item, ScalarNode)]


def _load(path: Path) -> Checklist:
    # Shipped data is read as text scalars (yaml.compose), so `yes` stays the word, never a YAML boolean.
    root = yaml.compose(path.read_text(encoding="utf-8"))
    assert isinstance(root, MappingNode)
    fields = {key.value: value for key, value in root.value}

    def text(key: str) -> str:
        return fields[key].value

    def numbers(key: str) -> dict[str, str]:
        node = fields[key]
        assert isinstance(node, MappingNode)
        return {k.value: v.value for k, v in node.value}

    levels = tuple(_scalars(fields["levels"]))
    thresholds = {level: int(count) for level, count in numbers("thresholds").items()}
    marac = numbers("marac") if "marac" in fields else {}
    return Checklist(
        id=text("id"),
        title=text("title"),
        version=text("version"),
        source=text("source"),
        answers=tuple(_scalars(fields["answers"])),
        scoring_answer=text("scoring_answer"),
        levels=levels,
        starts_at={level: thresholds.get(level, 0) for level in levels},
        questions={int(number): question for number, question in numbers("questions").items()},
        marac_level=marac.get("level"),
        marac_police_callouts=int(marac["police_callouts_12_months"]) if "police_callouts_12_months" in marac else None,
    )


@cache
def available_checklists() -> dict[str, Checklist]:
    """The checklists shipped with the service, by id."""
    loaded = (_load(path) for path in sorted(DATA.glob("*.yaml")))
    return {checklist.id: checklist for checklist in loaded}


def checklist_named(checklist_id: str, *, where: str = "checklist") -> Checklist:
    found = available_checklists().get(checklist_id)
    if found is None:
        known = ", ".join(sorted(available_checklists()))
        raise InvalidInput([Problem(where, f"There is no checklist '{checklist_id}'. Known checklists: {known}")])
    return found


def score(checklist: Checklist, given: Answers) -> Score:
    """Score a completed checklist; every fault is refused at once, each naming its question or field."""
    problems = _problems(checklist, given)
    if problems:
        raise InvalidInput(problems)
    count = sum(1 for answer in given.answers.values() if answer == checklist.scoring_answer)
    computed = checklist.level_for(count)
    word = checklist.scoring_answer
    reasons = [
        f"{count} of {len(checklist.questions)} questions answered {word}: "
        + _band_sentence(checklist, computed)
        + f" ({checklist.title}, {checklist.version})"
    ]
    level = computed
    if given.judgement is not None and checklist.rank(given.judgement) > checklist.rank(computed):
        level = given.judgement
        reasons.append(f"Professional judgement raised the level from {computed} to {level}: {given.judgement_reason}")
    criteria = []
    if checklist.marac_level is not None:
        if checklist.rank(computed) >= checklist.rank(checklist.marac_level):
            criteria.append(VISIBLE_HIGH_RISK)
        elif checklist.rank(level) >= checklist.rank(checklist.marac_level):
            criteria.append(PROFESSIONAL_JUDGEMENT)
    callouts = given.police_callouts_12_months
    threshold = checklist.marac_police_callouts
    if threshold is not None and callouts is not None and callouts >= threshold:
        criteria.append(POTENTIAL_ESCALATION)
        reasons.append(
            f"{callouts} police call-outs in the last 12 months: {threshold} or more meets the MARAC referral "
            "criteria (potential escalation)"
        )
    if criteria:
        reasons.append(f"Meets the MARAC referral criteria: {', '.join(criteria)}")
    not_known = sum(1 for answer in given.answers.values() if answer == "not known")
    return Score(
        checklist.id,
        checklist.version,
        count,
        not_known,
        computed,
        level,
        bool(criteria),
        tuple(criteria),
        tuple(reasons),
    )


def _band_sentence(checklist: Checklist, level: str) -> str:
    rank = checklist.rank(level)
    start = checklist.starts_at[level]
    if rank == len(checklist.levels) - 1:
        return f"{start} or more is {level}"
    end = checklist.starts_at[checklist.levels[rank + 1]] - 1
    if rank == 0:
        return f"{end} or fewer is {level}"
    return f"{start} to {end} is {level}"


def _problems(checklist: Checklist, given: Answers) -> list[Problem]:
    problems = []
    for number, answer in sorted(given.answers.items()):
        if number not in checklist.questions:
            problems.append(
                Problem(
                    f"question {number}",
                    f"There is no question {number}: the checklist has questions 1 to {len(checklist.questions)}",
                )
            )
        elif answer not in checklist.answers:
            problems.append(
                Problem(f"question {number}", f"'{answer}' is not an answer: use {', '.join(checklist.answers)}")
            )
    missing = [number for number in checklist.questions if number not in given.answers]
    if missing:
        listed = ", ".join(str(number) for number in missing)
        problems.append(Problem("answers", f"Answer every question ('not known' is an answer); missing: {listed}"))
    if given.police_callouts_12_months is not None and given.police_callouts_12_months < 0:
        problems.append(Problem("police_callouts_12_months", "Police call-outs must be 0 or more"))
    if given.judgement is not None:
        answers_valid = not problems
        if given.judgement not in checklist.levels:
            problems.append(
                Problem("judgement", f"'{given.judgement}' is not a level: use {', '.join(checklist.levels)}")
            )
        elif answers_valid and checklist.rank(given.judgement) < checklist.rank(_computed(checklist, given)):
            problems.append(Problem("judgement", "Professional judgement can raise the level, never lower it"))
        elif not given.judgement_reason.strip() and not (
            answers_valid and given.judgement == _computed(checklist, given)
        ):
            # a judgement equal to the computed level changes nothing, so it alone needs no reason
            problems.append(Problem("judgement_reason", "Give the reason for the professional judgement"))
    return problems


def _computed(checklist: Checklist, given: Answers) -> str:
    return checklist.level_for(sum(1 for answer in given.answers.values() if answer == checklist.scoring_answer))


class AnswersFileReader(LineNumberedReader):
    """The file `wholeplace cases score` reads: the checklist's id, the answers, and what goes with them."""

    example = "checklist: dash-ric"
    KEYS = ("checklist", "answers", "police_callouts_12_months", "judgement", "judgement_reason")

    def read(self, text: str) -> tuple[Checklist, Answers] | None:
        root = self.compose(text, when_empty="The file is empty: it needs 'checklist:' and 'answers:'")
        entries = self.mapping(root, "", self.KEYS, "The file") if root is not None else None
        if root is None or entries is None:
            return None
        checklist_node = self.required(entries, root, "", "checklist", "Name the checklist, like 'checklist: dash-ric'")
        answers_node = self.required(entries, root, "", "answers", "Give the answers, like '1: yes'")
        checklist = None
        if checklist_node is not None and (name := self.scalar(checklist_node, "checklist", "the checklist")):
            checklist = available_checklists().get(name)
            if checklist is None:
                known = ", ".join(sorted(available_checklists()))
                self.refuse(checklist_node, "checklist", f"There is no checklist '{name}'. Known checklists: {known}")
        answers = self._answers(answers_node, checklist) if answers_node is not None else {}
        callouts = self._count(entries, "police_callouts_12_months")
        judgement = self._optional(entries, "judgement")
        reason = self._optional(entries, "judgement_reason") or ""
        if checklist is None or self.problems:
            return None
        given = Answers(answers, callouts, judgement, reason)
        for problem in _problems(checklist, given):  # what only the whole file shows, such as a missing answer
            self.problems.append(Problem(self._where_for(problem.where, entries, answers_node), problem.message))
        return None if self.problems else (checklist, given)

    def _answers(self, node: Node, checklist: Checklist | None) -> dict[int, str]:
        if not isinstance(node, MappingNode):
            self.refuse(node, "answers", "Answers must be question numbers and answers, like '1: yes'")
            return {}
        answers: dict[int, str] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else ""
            if not key.isdigit():
                self.refuse(key_node, f"answers.{key}", f"'{key}' is not a question number")
                continue
            number = int(key)
            if number in answers:
                self.refuse(key_node, f"answers.{number}", f"Question {number} is answered twice")
                continue
            answer = self.scalar(value_node, f"answers.{number}", f"an answer to question {number}")
            if answer is None:
                continue
            if checklist is not None and number not in checklist.questions:
                self.refuse(
                    key_node,
                    f"answers.{number}",
                    f"There is no question {number}: the checklist has questions 1 to {len(checklist.questions)}",
                )
            elif checklist is not None and answer.lower() not in checklist.answers:
                self.refuse(
                    value_node, f"answers.{number}", f"'{answer}' is not an answer: use {', '.join(checklist.answers)}"
                )
            answers[number] = answer.lower()
        return answers

    def _count(self, entries: Mapping[str, tuple[Node, Node]], key: str) -> int | None:
        if key not in entries:
            return None
        node = entries[key][1]
        value = self.scalar(node, key, "the number of police call-outs")
        if value is None:
            return None
        if not value.isdigit():
            self.refuse(node, key, "Police call-outs must be a whole number, 0 or more")
            return None
        return int(value)

    def _optional(self, entries: Mapping[str, tuple[Node, Node]], key: str) -> str | None:
        if key not in entries:
            return None
        return self.text(entries[key][1], key, key.replace("_", " "))

    def _where_for(self, field: str, entries: Mapping[str, tuple[Node, Node]], answers: Node | None) -> str:
        node = entries[field][1] if field in entries else answers
        return self.where(node, field) if node is not None else self.filename


def read_answers_file(text: str, filename: str) -> tuple[Checklist, Answers]:
    """A completed checklist from its file; every problem names the file and line."""
    reader = AnswersFileReader(filename)
    read = reader.read(text)
    if read is None:
        raise InvalidInput(reader.problems)
    return read
