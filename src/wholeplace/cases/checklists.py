"""Risk checklists as data, and scoring a completed one: pure, no database, no clock.

A checklist (cases/data/*.yaml, or a partnership's own file read by `load_checklist`) has numbered questions, an
answer scale, the answer that scores, ordered levels with the count of scoring answers each starts at, and
optionally the MARAC referral criteria. The SafeLives Dash risk identification checklist ships: 14 or more "yes"
is visible high risk; the medium band (10 to 13 by default) is a documented local rule. Professional judgement
can raise a level, never lower it, and needs a reason; potential escalation (3 or more police call-outs in 12
months) also meets the MARAC criteria.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from wholeplace.files.reader import Entries, LineNumberedReader, child
from wholeplace.problems import InvalidInput, Problem

DATA = Path(__file__).resolve().parent / "data"
NOT_KNOWN = "not known"
VISIBLE_HIGH_RISK = "visible high risk"
PROFESSIONAL_JUDGEMENT = "professional judgement"
POTENTIAL_ESCALATION = "potential escalation"


@dataclass(frozen=True)
class Source:
    title: str
    publisher: str
    year: int | None = None  # a local checklist may have none

    def __str__(self) -> str:
        return ", ".join(part for part in (self.publisher, self.title, str(self.year or "")) if part)


@dataclass(frozen=True)
class Question:
    number: int
    text: str  # a short paraphrase for the form, never the published wording


@dataclass(frozen=True)
class Thresholds:
    """Where each level starts, as a count of scoring answers; the lowest level starts at 0."""

    starts_at: Mapping[str, int]
    basis: Mapping[str, str]  # level -> where its start comes from ("SafeLives' published threshold ...")
    local_rules: frozenset[str]  # levels whose start is a local rule a partnership may change, not a published one


@dataclass(frozen=True)
class Checklist:
    id: str
    title: str
    version: str
    source: Source
    answers: tuple[str, ...]  # the answer scale, e.g. yes / no / not known
    scoring_answer: str
    levels: tuple[str, ...]  # lowest first
    thresholds: Thresholds
    questions: Mapping[int, str]  # number -> short text, numbered 1 to N
    level_word: str = ""  # "risk" or "need", as in "14 or more is high risk"
    marac_level: str | None = None  # the computed level that meets the MARAC criteria (visible high risk)
    marac_police_callouts: int | None = None  # call-outs in 12 months that meet them (potential escalation)

    @property
    def starts_at(self) -> Mapping[str, int]:
        return self.thresholds.starts_at

    @property
    def question_list(self) -> tuple[Question, ...]:
        return tuple(Question(number, text) for number, text in self.questions.items())

    @property
    def citation(self) -> str:
        return f"{self.title}, {self.version}"

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
    answered: int  # questions answered, "not known" included: every question, once scoring succeeds
    computed_level: str  # from the count alone
    level: str  # after professional judgement
    marac: bool
    marac_criteria: tuple[str, ...]
    reasons: tuple[str, ...]  # plain English sentences, in the order the rules apply


@dataclass(frozen=True)
class Answers:
    """A completed checklist as given: answers by question number and what goes with them."""

    answers: Mapping[int, str]
    police_callouts_12_months: int | None = None
    judgement: str | None = None
    judgement_reason: str = ""


def score(
    checklist: Checklist,
    answers: Mapping[int, str] | Answers,
    *,
    police_callouts_12_months: int | None = None,
    judgement: str | None = None,
    judgement_reason: str | None = None,
) -> Score:
    """Score a completed checklist; every fault is refused at once, each naming its question or field.

    Give the answers by question number and the rest as keywords, or one `Answers` holding them all.
    """
    if isinstance(answers, Answers):
        if (police_callouts_12_months, judgement, judgement_reason) != (None, None, None):
            raise TypeError("Give the call-outs and judgement inside Answers or as keywords, not both")
        given = answers
    else:
        given = Answers(dict(answers), police_callouts_12_months, judgement, judgement_reason or "")
    if problems := _problems(checklist, given):
        raise InvalidInput(problems)
    count = _count(checklist, given)
    computed = checklist.level_for(count)
    level = computed if given.judgement is None else max(computed, given.judgement, key=checklist.rank)
    reasons = [
        f"{count} of {len(checklist.questions)} questions answered {checklist.scoring_answer}: "
        f"{_band_sentence(checklist, computed)} ({checklist.citation})"
    ]
    if level != computed:
        reasons.append(f"Professional judgement raised the level from {computed} to {level}: {given.judgement_reason}")
    criteria = []
    if checklist.marac_level is not None:
        if checklist.rank(computed) >= checklist.rank(checklist.marac_level):
            criteria.append(VISIBLE_HIGH_RISK)
        elif checklist.rank(level) >= checklist.rank(checklist.marac_level):
            criteria.append(PROFESSIONAL_JUDGEMENT)
    callouts, threshold = given.police_callouts_12_months, checklist.marac_police_callouts
    if threshold is not None and callouts is not None and callouts >= threshold:
        criteria.append(POTENTIAL_ESCALATION)
        reasons.append(
            f"{callouts} police call-outs in the last 12 months: {threshold} or more meets the MARAC referral "
            "criteria (potential escalation)"
        )
    if criteria:
        reasons.append(f"Meets the MARAC referral criteria: {', '.join(criteria)}")
    return Score(
        checklist=checklist.id,
        version=checklist.version,
        yes_count=count,
        not_known_count=sum(1 for answer in given.answers.values() if answer == NOT_KNOWN),
        answered=len(given.answers),
        computed_level=computed,
        level=level,
        marac=bool(criteria),
        marac_criteria=tuple(criteria),
        reasons=tuple(reasons),
    )


def _count(checklist: Checklist, given: Answers) -> int:
    return sum(1 for answer in given.answers.values() if answer == checklist.scoring_answer)


def _band_sentence(checklist: Checklist, level: str) -> str:
    """The band the count fell in, in words: "10 to 13 is medium risk, a documented local rule"."""
    rank = checklist.rank(level)
    start = checklist.starts_at[level]
    named = f"{level} {checklist.level_word}".strip()
    if rank == len(checklist.levels) - 1:
        band = f"{start} or more is {named}"
    elif rank == 0:
        band = f"{checklist.starts_at[checklist.levels[1]] - 1} or fewer is {named}"
    else:
        band = f"{start} to {checklist.starts_at[checklist.levels[rank + 1]] - 1} is {named}"
    return band + (", a documented local rule" if level in checklist.thresholds.local_rules else "")


def _is_whole_number(value: object) -> bool:
    # bool is a subclass of int, but True call-outs is a mistake, not 1
    return isinstance(value, int) and not isinstance(value, bool)


def _by_number(item: tuple[object, object]) -> tuple[int, int, str]:
    """Answers in question order; keys that are not numbers (named as faults) come last, never compared with them."""
    number = item[0]
    return (0, number, "") if isinstance(number, int) and _is_whole_number(number) else (1, 0, repr(number))


def _problems(checklist: Checklist, given: Answers) -> list[Problem]:
    problems = []
    for number, answer in sorted(given.answers.items(), key=_by_number):
        if not _is_whole_number(number) or number not in checklist.questions:
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
    if missing := [number for number in checklist.questions if number not in given.answers]:
        listed = ", ".join(str(number) for number in missing)
        problems.append(Problem("answers", f"Answer every question ('not known' is an answer); missing: {listed}"))
    callouts = given.police_callouts_12_months
    if callouts is not None and not (_is_whole_number(callouts) and callouts >= 0):
        problems.append(Problem("police_callouts_12_months", "Police call-outs must be a whole number, 0 or more"))
    if given.judgement is not None:
        problems += _judgement_problems(checklist, given, answers_valid=not problems)
    return problems


def _judgement_problems(checklist: Checklist, given: Answers, *, answers_valid: bool) -> list[Problem]:
    judgement = given.judgement
    if judgement not in checklist.levels:
        return [Problem("judgement", f"'{judgement}' is not a level: use {', '.join(checklist.levels)}")]
    # until the answers are valid the computed level is unknown, so neither lowering nor confirming can be told
    computed = checklist.level_for(_count(checklist, given)) if answers_valid else None
    if computed is not None and checklist.rank(judgement) < checklist.rank(computed):
        return [Problem("judgement", "Professional judgement can raise the level, never lower it")]
    if judgement != computed and not given.judgement_reason.strip():
        # a judgement equal to the computed level changes nothing, so only that one needs no reason
        return [Problem("judgement_reason", "Give the reason for the professional judgement")]
    return []


class _DefinitionReader(LineNumberedReader):
    """Reads a checklist definition: shipped data, or a partnership's own checklist."""

    example = "id: dash-ric"
    REQUIRED = ("id", "title", "version", "source", "answers", "scoring_answer", "levels", "thresholds", "questions")
    KEYS = (*REQUIRED, "level_word", "marac")

    def read(self, text: str) -> Checklist | None:
        root = self.compose(text, when_empty="The checklist file is empty")
        entries = self.mapping(root, "", self.KEYS, "A checklist") if root is not None else None
        if root is None or entries is None:
            return None
        for key in self.REQUIRED:
            self.required(entries, root, "", key, f"Give the checklist's {key}")
        if any(key not in entries for key in self.REQUIRED):
            return None
        node = {key: value for key, (_, value) in entries.items()}
        names = {key: self.text(node[key], key, f"the {key}") for key in ("id", "title", "version", "scoring_answer")}
        source = self._source(node["source"])
        answers = self._words(node["answers"], "answers")
        levels = self._words(node["levels"], "levels")
        if names["scoring_answer"] is not None and answers and names["scoring_answer"] not in answers:
            self.refuse(node["scoring_answer"], "scoring_answer", f"Choose one of the answers: {', '.join(answers)}")
        thresholds = self._thresholds(node["thresholds"], levels) if levels else None
        marac = self._marac(node["marac"], levels) if "marac" in node else {}
        questions = self._questions(node["questions"])
        level_word = self.text(node["level_word"], "level_word", "the level word") if "level_word" in node else ""
        if self.problems or source is None or thresholds is None:
            return None
        return Checklist(
            id=str(names["id"]),
            title=str(names["title"]),
            version=str(names["version"]),
            source=source,
            answers=answers,
            scoring_answer=str(names["scoring_answer"]),
            levels=levels,
            thresholds=thresholds,
            questions=questions,
            level_word=level_word or "",
            marac_level=marac.get("level"),
            marac_police_callouts=marac.get("police_callouts_12_months"),
        )

    def _words(self, node: Node, path: str) -> tuple[str, ...]:
        if not isinstance(node, SequenceNode) or not node.value:
            self.refuse(node, path, f"Give the {path} as a list, like '[yes, no, not known]'")
            return ()
        # every scalar is read as its text, so `yes` stays the word, never a YAML 1.1 boolean
        found = [
            self.text(item, f"{path}[{index}]", f"item {index + 1} of {path}") for index, item in enumerate(node.value)
        ]
        words = tuple(word for word in found if word is not None)
        if len(set(words)) != len(words):
            self.refuse(node, path, f"Give each of the {path} once")
        return words

    def _source(self, node: Node) -> Source | None:
        entries = self.mapping(node, "source", ("title", "publisher", "year"), "The source")
        if entries is None:
            return None
        found = {}
        for key in ("title", "publisher"):
            given = self.required(entries, node, "source", key, f"Give the source's {key}")
            found[key] = self.text(given, child("source", key), f"the source's {key}") if given is not None else None
        year = self._whole_number(entries["year"][1], "source.year", "the year") if "year" in entries else None
        if found["title"] is None or found["publisher"] is None:
            return None
        return Source(found["title"], found["publisher"], year)

    def _thresholds(self, node: Node, levels: tuple[str, ...]) -> Thresholds | None:
        """Where each level above the lowest starts; each must start above the one below it."""
        entries = self.mapping(node, "thresholds", levels[1:], "The thresholds")
        if entries is None:
            return None
        starts_at, basis, local_rules = {levels[0]: 0}, {}, set()
        for level in levels[1:]:
            path = child("thresholds", level)
            how = f"Give where {level} starts, like 'starts_at: 14'"
            owner = self.required(entries, node, "thresholds", level, how)
            parts = self.mapping(owner, path, ("starts_at", "basis", "local_rule"), "A threshold") if owner else None
            if owner is None or parts is None:
                continue
            below = max(starts_at.values())
            given = self.required(parts, owner, path, "starts_at", how)
            start = self._whole_number(given, child(path, "starts_at"), "starts_at") if given is not None else None
            if given is not None and start is not None and start <= below:
                self.refuse(
                    given, child(path, "starts_at"), f"Start {level} above the level below, at {below + 1} or more"
                )
            starts_at[level] = start if start is not None else below + 1
            if "basis" in parts:
                basis[level] = self.text(parts["basis"][1], child(path, "basis"), "the basis") or ""
            if "local_rule" in parts and self._flag(parts["local_rule"][1], child(path, "local_rule")):
                local_rules.add(level)
        return Thresholds(starts_at, basis, frozenset(local_rules))

    def _flag(self, node: Node, path: str) -> bool:
        value = self.scalar(node, path, "true or false")
        if value is not None and value.lower() not in ("true", "false"):
            self.refuse(node, path, "Write true or false")
        return value is not None and value.lower() == "true"

    def _marac(self, node: Node, levels: tuple[str, ...]) -> dict[str, Any]:
        entries = self.mapping(node, "marac", ("level", "police_callouts_12_months"), "The MARAC criteria") or {}
        found: dict[str, Any] = {}
        if "level" in entries and (level := self.text(entries["level"][1], "marac.level", "the level")) is not None:
            if level in levels:
                found["level"] = level
            else:
                self.refuse(entries["level"][1], "marac.level", f"Choose one of the levels: {', '.join(levels)}")
        if "police_callouts_12_months" in entries:
            value = entries["police_callouts_12_months"][1]
            found["police_callouts_12_months"] = self._whole_number(
                value, "marac.police_callouts_12_months", "call-outs"
            )
        return found

    def _questions(self, node: Node) -> dict[int, str]:
        if not isinstance(node, MappingNode) or not node.value:
            self.refuse(node, "questions", "Give the questions by number, like '1: Was anyone injured?'")
            return {}
        questions = {}
        for expected, (key_node, value_node) in enumerate(node.value, start=1):
            key = key_node.value if isinstance(key_node, ScalarNode) else ""
            if key != str(expected):
                self.refuse(key_node, f"questions.{key}", f"Number the questions 1, 2, 3 in order: expected {expected}")
            elif (text := self.text(value_node, f"questions.{key}", f"the text of question {key}")) is not None:
                questions[expected] = text
        return questions

    def _whole_number(self, node: Node, path: str, what: str) -> int | None:
        value = self.scalar(node, path, what)
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()):
            self.refuse(node, path, f"Write {what} as a whole number, 0 or more")
            return None
        return int(value)


def load_checklist(text: str, filename: str) -> Checklist:
    """A checklist definition from its YAML text (how a partnership loads its own); every fault names the line."""
    reader = _DefinitionReader(filename)
    checklist = reader.read(text)
    if checklist is None:
        raise InvalidInput(reader.problems)
    return checklist


@cache
def available_checklists() -> dict[str, Checklist]:
    """The checklists shipped with the service, by id."""
    loaded = (load_checklist(path.read_text(encoding="utf-8"), path.name) for path in sorted(DATA.glob("*.yaml")))
    return {checklist.id: checklist for checklist in loaded}


def checklist_named(checklist_id: str, *, where: str = "checklist") -> Checklist:
    found = available_checklists().get(checklist_id)
    if found is None:
        known = ", ".join(sorted(available_checklists()))
        raise InvalidInput([Problem(where, f"There is no checklist '{checklist_id}'. Known checklists: {known}")])
    return found


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
        callouts = self._callouts(entries)
        judgement = self._optional(entries, "judgement")
        reason = self._optional(entries, "judgement_reason") or ""
        if checklist is None:
            return None
        given = Answers(answers, callouts, judgement.lower() if judgement else None, reason)
        for problem in _problems(checklist, given):
            if problem.where.startswith("question "):
                continue  # a wrong answer or an unknown number is already named at its own line
            self.problems.append(Problem(self._where_for(problem.where, entries, answers_node), problem.message))
        return None if self.problems else (checklist, given)

    def _answers(self, node: Node, checklist: Checklist | None) -> dict[int, str]:
        if not isinstance(node, MappingNode):
            self.refuse(node, "answers", "Answers must be question numbers and answers, like '1: yes'")
            return {}
        answers: dict[int, str] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else ""
            if not (key.isascii() and key.isdigit()):
                self.refuse(key_node, f"answers.{key}", f"'{key}' is not a question number")
                continue
            number = int(key)
            if number in answers:
                self.refuse(key_node, f"answers.{number}", f"Question {number} is answered twice")
                continue
            # the node's text, so an unquoted yes or no is the word, not the boolean a YAML 1.1 loader makes of it
            answer = self.text(value_node, f"answers.{number}", f"an answer to question {number}")
            if answer is None:
                continue
            answers[number] = answer.lower()
            if checklist is not None and number not in checklist.questions:
                self.refuse(
                    key_node,
                    f"answers.{number}",
                    f"There is no question {number}: the checklist has questions 1 to {len(checklist.questions)}",
                )
            elif checklist is not None and answers[number] not in checklist.answers:
                self.refuse(
                    value_node, f"answers.{number}", f"'{answer}' is not an answer: use {', '.join(checklist.answers)}"
                )
        return answers

    def _callouts(self, entries: Entries) -> int | None:
        key = "police_callouts_12_months"
        if key not in entries:
            return None
        node = entries[key][1]
        value = self.scalar(node, key, "the number of police call-outs")
        if value is None:
            return None
        if not (value.isascii() and value.isdigit()):
            self.refuse(node, key, "Police call-outs must be a whole number, 0 or more")
            return None
        return int(value)

    def _optional(self, entries: Entries, key: str) -> str | None:
        if key not in entries:
            return None
        return self.text(entries[key][1], key, key.replace("_", " "))

    def _where_for(self, field: str, entries: Entries, answers: Node | None) -> str:
        """The line a whole-file problem belongs to: its own key, else the judgement a reason is missing for."""
        if field in entries:
            node: Node | None = entries[field][1]
        elif field == "judgement_reason" and "judgement" in entries:
            node = entries["judgement"][0]
        else:
            node = answers
        return self.where(node, field) if node is not None else self.filename


def read_answers_file(text: str, filename: str) -> tuple[Checklist, Answers]:
    """A completed checklist from its file; every problem names the file and line."""
    reader = AnswersFileReader(filename)
    read = reader.read(text)
    if read is None:
        raise InvalidInput(reader.problems)
    return read
