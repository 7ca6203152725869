"""The guided business case: question pages, one step at a time, then check your answers and save.

Thin, as `routes.py` is: each POST reads its step's fields (`guided_steps`), and on success redirects (303) to the
next step's page with the draft in its address (`guided_draft`), so a refresh shows the page again and posts
nothing. On a problem the step is shown again with a GOV.UK error summary and nothing changes. Saving reads the
draft's YAML like any case file (`service.add_case` or `service.save_version`), so the guided case, the pasted
YAML and the uploaded workbook are the same case underneath.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from wholeplace.appraisal import engine, guided_steps, service, workbook
from wholeplace.appraisal.guided_draft import Draft, decode, draft_of_source, encode, shown
from wholeplace.appraisal.guided_steps import ORDER, TITLES, Step
from wholeplace.appraisal.unit_costs import shipped_library
from wholeplace.auth.actor import Actor, require
from wholeplace.money import FinancialYear, FinancialYearError
from wholeplace.problems import Conflict, InvalidInput, Problem, WholeplaceError
from wholeplace.web.deps import CheckedForm, DbSession, PageActor
from wholeplace.web.form_fields import FormReader
from wholeplace.web.params import RecordId
from wholeplace.web.templating import error_summary, render

pages = APIRouter(include_in_schema=False)

READERS = {
    Step.ABOUT: guided_steps.about,
    Step.PARTNERS: guided_steps.partners,
    Step.COSTS: guided_steps.costs,
    Step.PEOPLE: guided_steps.people_step,
    Step.OUTCOMES: guided_steps.outcomes,
    Step.BENEFITS: guided_steps.benefits,
    Step.RANGES: guided_steps.ranges,
}
# Where a problem found on the check page is put right: by the first key of its key path.
STEP_OF_KEY = {
    "name": Step.ABOUT,
    "first_year": Step.ABOUT,
    "years": Step.ABOUT,
    "discount_rate": Step.ABOUT,
    "partners": Step.PARTNERS,
    "costs": Step.COSTS,
    "cohort": Step.PEOPLE,
    "outcomes": Step.OUTCOMES,
}


@pages.get("/business-cases/guided/{step}", response_class=HTMLResponse)
def step_page(request: Request, session: DbSession, actor: PageActor, step: Step, draft: str = "") -> HTMLResponse:
    require(actor, "business_cases.edit", object_type="business_case")
    current = _draft(request, draft)
    return _step(request, session, actor, step, current, values=_values(step, current))


@pages.post("/business-cases/guided/{step}", response_model=None)
def save_step(request: Request, session: DbSession, actor: PageActor, form: CheckedForm, step: Step) -> Response:
    require(actor, "business_cases.edit", object_type="business_case")
    current = _draft(request, str(form.get("draft", "")))
    reader = FormReader(form)
    if step is Step.CHECK:
        return _save(request, session, actor, current, note=reader.raw("note"))
    action = reader.raw("action")
    changed = READERS[step](reader, current, action)
    if reader.problems:
        typed = {name: reader.raw(name) for name in form if isinstance(form.get(name), str)}
        return _step(request, session, actor, step, current, values=typed, refused=reader.problems)
    # Adding or removing an item comes back to the same page; an answered question goes on to the next.
    following = step if action == "add" or action.startswith("remove-") else guided_steps.next_step(step)
    return RedirectResponse(_address(request, following, changed), status_code=303)


@pages.get("/business-cases/guided/{step}/workbook.xlsx")
def draft_workbook(request: Request, actor: PageActor, step: Step, draft: str = "") -> Response:
    """The draft as the Excel workings, once it reads as a whole case."""
    require(actor, "business_cases.edit", object_type="business_case")
    case = service.read_source(_draft(request, draft).yaml())
    return Response(
        workbook.write_workbook(case),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="business-case-draft-workings.xlsx"'},
    )


@pages.get("/business-cases/{case_id}/guided", response_model=None)
def edit_guided(request: Request, session: DbSession, actor: PageActor, case_id: RecordId) -> Response:
    """The current version as a draft, opened at check your answers, where each section can be changed."""
    business_case = service.get_case(session, actor, case_id)
    service.check_may_edit(session, business_case, actor)
    current = business_case.current
    draft = draft_of_source(current.source, case_id=case_id, based_on=current.number)
    return RedirectResponse(_address(request, Step.CHECK, draft), status_code=303)


def _save(request: Request, session: DbSession, actor: Actor, draft: Draft, *, note: str) -> Response:
    try:
        with session.begin_nested():
            if draft.case_id is None:
                business_case = service.add_case(session, actor, source=draft.yaml(), note=note)
                case_id, number = business_case.id, 1
            else:
                case_id = draft.case_id
                version = service.save_version(
                    session, actor, case_id=case_id, source=draft.yaml(), based_on=draft.based_on or 0, note=note
                )
                number = version.number
    except (InvalidInput, Conflict) as error:
        return _step(
            request, session, actor, Step.CHECK, draft, values={"note": note}, refused=error.problems, error=error
        )
    return RedirectResponse(f"/business-cases/{case_id}?version={number}&saved=1", status_code=303)


def _draft(request: Request, token: str) -> Draft:
    return decode(token, request.state.csrf_token) if token else Draft()


def _address(request: Request, step: Step, draft: Draft) -> str:
    return f"/business-cases/guided/{step}?draft={encode(draft, request.state.csrf_token)}"


def _step(
    request: Request,
    session: DbSession,
    actor: Actor,
    step: Step,
    draft: Draft,
    *,
    values: dict[str, str],
    refused: list[Problem] | None = None,
    error: WholeplaceError | None = None,
) -> HTMLResponse:
    token = encode(draft, request.state.csrf_token)
    context: dict[str, Any] = error_summary(refused) if refused else {}
    links = {each.value: f"/business-cases/guided/{each}?draft={token}" for each in ORDER}
    if step is Step.CHECK:
        # Problems of the whole case link to the step that puts each right; others (a newer version) are said.
        context = _check(draft)
        found = [
            {"text": f"{problem.message} ({problem.where.rsplit(', ', 1)[-1]})", "href": links[fix.value]}
            for problem, fix in context.get("case_problems", [])
        ]
        context["error_list"] = found or [{"text": problem.message} for problem in refused or []]
    status = (409 if isinstance(error, Conflict) else 422) if refused else 200
    number = ORDER.index(step) + 1
    return render(
        request,
        f"business_cases/guided/{step}.html",
        {
            "title": TITLES[step],
            "step": step,
            "number": number,
            "steps": len(ORDER),
            "draft": draft,
            "token": token,
            "values": values,
            "years": draft.years(),
            "partners": draft.partners(),
            "links": links,
            "back": f"/business-cases/guided/{ORDER[number - 2]}?draft={token}"
            if number > 1
            else "/business-cases/new",
            "shown": shown,
            "kind_label": guided_steps.kind_label,
            "per_year": guided_steps.per_year,
            "candidates": guided_steps.candidates(draft) if step in (Step.RANGES, Step.CHECK) else [],
            "library": _library(draft) if step is Step.BENEFITS else [],
            "cost_kinds": guided_steps.COST_KINDS,
            "benefit_kinds": guided_steps.BENEFIT_KINDS,
            "field_errors": context.get("errors", {}),
            **context,
        },
        status_code=status,
    )


def _check(draft: Draft) -> dict[str, Any]:
    """The whole draft read as a case file: its problems, each with the step that puts it right, or its figures."""
    try:
        case = service.read_source(draft.yaml())
    except InvalidInput as error:
        return {"case_problems": [(problem, _step_of(problem.where)) for problem in error.problems]}
    appraisal = engine.appraise(case)
    return {"case": case, "appraisal": appraisal}


def _step_of(where: str) -> Step:
    """`case file, line 12, costs[0].payer` -> costs; `outcomes[1].benefits[0].kind` -> benefits."""
    key_path = where.rsplit(", ", 1)[-1]
    if ".benefits" in key_path:
        return Step.BENEFITS
    return STEP_OF_KEY.get(key_path.split(".", 1)[0].split("[", 1)[0], Step.ABOUT)


def _library(draft: Draft) -> list[dict[str, str]]:
    """The unit costs to choose from, each at the case's first year's prices where the deflators reach it."""
    library = shipped_library()
    try:
        year: FinancialYear | None = FinancialYear.parse(str(draft.case.get("first_year", "")))
    except FinancialYearError:
        year = None
    options = []
    for cost in library:
        try:
            value = (
                f"{library.value_in(cost.name, year)} in {year} prices" if year else f"{cost.value} ({cost.price_year})"
            )
        except LookupError:
            value = f"{cost.value} ({cost.price_year})"
        options.append({"value": cost.name, "text": f"{cost.label}: {value}, {cost.unit}"})
    return options


def _values(step: Step, draft: Draft) -> dict[str, str]:
    """What a step's boxes show when it is opened: the draft's answers for questions, blank for an item to add."""
    case = draft.case
    if step is Step.ABOUT:
        return {key: str(case.get(key, "")) for key in ("name", "first_year", "years", "discount_rate")}
    if step is Step.PARTNERS:
        return {"partners": "\n".join(draft.partners())}
    if step is Step.PEOPLE:
        cohort = case.get("cohort") if isinstance(case.get("cohort"), dict) else {}
        sizes = guided_steps.per_year(cohort, draft.years(), "size")
        return {"engagement": str(cohort.get("engagement", "")), **{f"people-{i}": s for i, s in enumerate(sizes)}}
    if step is Step.RANGES:
        values = {}
        for index, candidate in enumerate(guided_steps.candidates(draft)):
            numbers = candidate.value.get("triangular") if isinstance(candidate.value, dict) else None
            if isinstance(numbers, list) and len(numbers) == 3:
                values |= {f"low-{index}": str(numbers[0]), f"high-{index}": str(numbers[2])}
        return values
    return {}
