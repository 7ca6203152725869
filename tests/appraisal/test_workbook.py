"""Business case workbooks: recalculated to the engine's penny, read back to the same case, refused cell by cell.

The tests named `test_recalculated_...` recalculate a whole exported workbook with the `formulas` package, as
Excel would (a few seconds each); select them with `pytest -k recalculated`.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import formulas
import pytest
from openpyxl import Workbook, load_workbook

from wholeplace.appraisal.case_file import read_case
from wholeplace.appraisal.discounting import Discounting
from wholeplace.appraisal.engine import (
    Appraisal,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Outcome,
    appraise,
)
from wholeplace.appraisal.workbook import template_workbook, write_workbook
from wholeplace.appraisal.workbook_import import read_workbook
from wholeplace.files.xlsx import MONEY_FORMAT
from wholeplace.money import FinancialYear, Money
from wholeplace.problems import Problem

D = Decimal
DEMO = Path(__file__).resolve().parents[2] / "src/wholeplace/demo/cases/domestic-abuse-hub.yaml"
WORKING_SHEETS = ["Inputs", "Discounting", "Costs", "Outcomes", "Benefits", "Summary"]


def demo_case() -> Case:
    case, problems = read_case(DEMO.read_text(encoding="utf-8"), DEMO.name)
    assert problems == [] and case is not None
    return case


def pounds(*amounts: str) -> tuple[Money, ...]:
    return tuple(Money.parse(amount) for amount in amounts)


# A case built by hand to reach every step: a lag, drop-off, a partly cashable benefit, a health value on the
# Green Book health schedule beside a constant 5% for everything else, an empty cohort year, pence in the inputs.
HAND_BUILT = Case(
    name="Troubled families, hand-built",
    first_year=FinancialYear(2014),
    years=4,
    costs=(
        CostLine("Key workers", "Council", CostKind.REVENUE, pounds("120000", "80000.50", "80000", "0"), D("0.25")),
        CostLine("Office fit-out", "Police", CostKind.CAPITAL, pounds("30000.33", "0", "0", "0")),
    ),
    cohort=Cohort((D(100), D(120), D(0), D(80)), D("0.75")),
    outcomes=(
        Outcome(
            "Fewer arrests",
            D("0.4"),
            (
                Benefit("Police", BenefitKind.FISCAL_CASHABLE, Money.parse("1500"), cashable_share=D("0.5")),
                Benefit("Families", BenefitKind.SOCIAL, Money.parse("2750.75"), health=True),
            ),
            deadweight=D("0.1"),
            optimism_bias=D("0.2"),
            lag_years=1,
            duration_years=3,
            drop_off=D("0.4"),
        ),
        Outcome(
            "Back in work",
            D("0.15"),
            (
                Benefit("DWP", BenefitKind.FISCAL_NONCASHABLE, Money.parse("6000")),
                Benefit("Families", BenefitKind.ECONOMIC, Money.parse("4000")),
            ),
            lag_years=2,
            duration_years=2,
        ),
    ),
    discounting=Discounting(rate=D("0.05")),
    partners=("Council", "Police", "DWP", "Families"),
)

# Costs only, for 32 years, so that the Green Book's second band (3.0% from year 31) is reached.
THIRTY_TWO_YEARS = Case(
    "Long lease",
    FinancialYear(2013),
    32,
    (CostLine("Lease", "Council", CostKind.REVENUE, (Money.parse("1000.01"),) * 32),),
)


# Recalculation, as Excel would


def recalculated(book: bytes, directory: Path) -> dict[str, object]:
    """Every cell's value after the `formulas` package recalculates the workbook, by 'Sheet!A1' and by name."""
    path = directory / "case.xlsx"
    path.write_bytes(book)
    solution = formulas.ExcelModel().loads(str(path)).finish().calculate()
    values: dict[str, object] = {}
    for key, found in solution.items():
        if match := re.fullmatch(r"'\[case\.xlsx\](\w+)'!([A-Z]+[0-9]+)", key):
            values[f"{match[1].title()}!{match[2]}"] = found.value[0, 0]
    for name, defined in load_workbook(path).defined_names.items():
        values[name] = values.get(defined.attr_text.replace("$", ""))
    return values


def summary_rows(book: bytes) -> dict[str, int]:
    """The Summary's rows by their label in column A (the first, where a label is used twice)."""
    rows: dict[str, int] = {}
    for row in load_workbook(io.BytesIO(book))["Summary"].iter_rows(min_row=5):
        if row[0].value:
            rows.setdefault(row[0].value.strip(), row[0].row)
    return rows


def money(value: object) -> Money:
    assert isinstance(value, float | int), value
    return Money(round(value * 100))


def assert_same_results(values: dict[str, object], appraisal: Appraisal) -> None:
    assert money(values["PV_Costs"]) == appraisal.pv_costs
    assert money(values["NPV_Fiscal"]) == appraisal.npv_fiscal
    assert money(values["NPV_Total"]) == appraisal.npv_total
    assert money(values["PV_Fiscal_Benefits"]) == appraisal.pv_fiscal_benefits
    assert money(values["PV_Benefits"]) == appraisal.pv_benefits_total
    assert D(str(values["Benefit_Cost_Ratio"])) == appraisal.bcr
    assert D(str(values["Financial_ROI"])) == appraisal.financial_roi
    assert values["Payback_Year"] == (str(appraisal.payback_year) if appraisal.payback_year else "none")


def test_recalculated_demo_case_gives_the_engines_npv_and_present_values_to_the_penny(tmp_path: Path) -> None:
    case = demo_case()
    appraisal = appraise(case)
    book = write_workbook(case)
    values, rows = recalculated(book, tmp_path), summary_rows(book)

    assert_same_results(values, appraisal)
    assert money(values["NPV_Fiscal"]) == Money.parse("6975929.99")  # docs/appraisal.md
    assert values["Payback_Year"] == "2014/15"
    # Each kind is split from the rounded totals as the engine splits it, so the kinds add up to the totals.
    for label, kind in (
        ("Fiscal, cashable", BenefitKind.FISCAL_CASHABLE),
        ("Fiscal, non-cashable", BenefitKind.FISCAL_NONCASHABLE),
        ("Economic", BenefitKind.ECONOMIC),
        ("Social", BenefitKind.SOCIAL),
    ):
        assert money(values[f"Summary!B{rows[label]}"]) == appraisal.pv_benefits[kind]
    # Partners are each rounded on their own: within a penny of the engine's split, which adds up exactly.
    for position in appraisal.by_partner:
        pays, gains, net = (money(values[f"Summary!{column}{rows[position.partner]}"]) for column in "BCD")
        assert abs(pays.pence - position.pv_costs.pence) <= 1
        assert abs(gains.pence - position.pv_benefits.pence) <= 1
        assert net == gains - pays


def test_recalculated_hand_built_case_with_lag_drop_off_health_and_a_cashable_share_matches_the_engine(
    tmp_path: Path,
) -> None:
    values = recalculated(write_workbook(HAND_BUILT), tmp_path)
    assert_same_results(values, appraise(HAND_BUILT))
    # Fewer arrests: the 2014/15 cohort achieves 100 x 0.75 x 0.4 x (1 - 0.1) x (1 - 0.2) = 21.6 outcomes and the
    # 2015/16 cohort 120 x 0.75 x 0.4 x 0.9 x 0.8 = 25.92. A lag of 1 and a drop-off of 0.4: 2016/17 (column G)
    # counts the first cohort's second year and the second's first, 21.6 x 0.6 + 25.92 = 38.88.
    assert values["Outcomes!G11"] == pytest.approx(38.88)
    # Police's cashable half of £1,500 each, 38.88 x 1,500 x 0.5 = £29,160, discounted at the constant 5% for
    # two years; the families' health value, 38.88 x £2,750.75, at the Green Book's 1.5%.
    assert values["Benefits!G14"] == pytest.approx(29160 / 1.05**2)
    assert values["Benefits!G16"] == pytest.approx(38.88 * 2750.75 / 1.015**2)


def test_recalculated_discounting_crosses_into_the_green_books_second_band_at_year_31(tmp_path: Path) -> None:
    # Year 31 is discounted at 3.0% on top of thirty years at 3.5%: 1 / (1.035^30 x 1.03) = 0.345901.
    book = write_workbook(THIRTY_TWO_YEARS)
    values = recalculated(book, tmp_path)
    assert_same_results(values, appraise(THIRTY_TWO_YEARS))
    assert load_workbook(io.BytesIO(book))["Discounting"]["AJ4"].value == "2044/45"  # column E + 31
    assert values["Discounting!AJ6"] == 0.03
    assert round(values["Discounting!AJ7"], 6) == 0.345901  # type: ignore[call-overload]


def test_recalculated_half_penny_rounds_up_as_the_engine_rounds_it(tmp_path: Path) -> None:
    # 15p x (1 + 0.5) = 22.5p, which rounds up to 23p. In pounds, 0.15 x 1.5 x 100 is 22.499999999999996 in
    # floating point, so a plain ROUND would give 22p: the sheet first snaps to a millionth of a penny, as the
    # engine does.
    case = Case(
        "Half a penny",
        FinancialYear(2013),
        1,
        (CostLine("Stamps", "Council", CostKind.REVENUE, pounds("0.15"), D("0.5")),),
    )
    assert appraise(case).pv_costs == Money(23)
    assert money(recalculated(write_workbook(case), tmp_path)["PV_Costs"]) == Money(23)


def test_recalculated_workbook_follows_an_input_changed_in_the_sheet(tmp_path: Path) -> None:
    # A finance officer changes the first outcome's success rate on the Inputs sheet (B29): the NPVs follow.
    changed = fill(write_workbook(HAND_BUILT), {"B29": 0.2})
    first, second = HAND_BUILT.outcomes
    halved = replace(HAND_BUILT, outcomes=(replace(first, success_rate=D("0.2")), second))
    assert read_workbook(changed, "changed.xlsx") == (halved, [])
    assert_same_results(recalculated(changed, tmp_path), appraise(halved))


# What the workbook holds


def test_every_working_figure_is_a_formula_and_money_is_formatted_in_pounds(demo_book: bytes) -> None:
    book = demo_book
    workbook = load_workbook(io.BytesIO(book))
    assert workbook.sheetnames == WORKING_SHEETS
    for name in ("Costs", "Outcomes", "Benefits"):
        sheet = workbook[name]
        assert sheet.freeze_panes == "E5"
        figures = [cell for row in sheet.iter_rows(min_row=5, min_col=4) for cell in row if cell.value is not None]
        assert figures and all(cell.data_type == "f" for cell in figures), name
    costs = workbook["Costs"]
    assert costs["E6"].value == "=Inputs!E21*(1+Inputs!$D$21)"
    assert costs["E14"].value == "=E6*Discounting!E$7"
    assert all(cell.number_format == MONEY_FORMAT for cell in costs[14][3:])
    rows = summary_rows(book)
    results = [workbook["Summary"][f"B{row}"] for row in range(rows["Costs"], rows["Discounted payback year"] + 1)]
    assert all(cell.data_type == "f" for cell in results if cell.value is not None)
    assert len([cell for cell in results if cell.value is not None]) == 20  # 5 exact values, 15 results
    for name in ("PV_Costs", "NPV_Fiscal", "NPV_Total", "Benefit_Cost_Ratio", "Financial_ROI", "Payback_Year"):
        assert workbook.defined_names[name].attr_text.startswith("Summary!$B$")


def test_the_same_case_always_gives_the_same_bytes() -> None:
    assert write_workbook(HAND_BUILT) == write_workbook(HAND_BUILT)


# Import: round trip and the template


@pytest.mark.parametrize("case", [demo_case(), HAND_BUILT, THIRTY_TWO_YEARS], ids=["demo", "hand-built", "32-years"])
def test_an_exported_workbook_reads_back_to_the_same_case_and_appraisal(case: Case) -> None:
    read, problems = read_workbook(write_workbook(case), "hub.xlsx")
    assert problems == []
    assert read == case
    assert read is not None and appraise(read) == appraise(case)


def fill(book: bytes, cells: dict[str, object]) -> bytes:
    workbook = load_workbook(io.BytesIO(book))
    for cell, value in cells.items():
        workbook["Inputs"][cell] = value
    return saved(workbook)


def saved(workbook: Workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# A user's filling-in of the blank template: the layout rows are the template's.
FILLED_TEMPLATE = {
    "B5": "Hub",
    "B6": "2013/14",
    "B7": 2,
    "A13": "Essex County Council",
    "A14": "Essex Police",
    "E23": "2013/14",
    "F23": "2014/15",
    "A24": "Hub staff",
    "B24": "Essex County Council",
    "C24": "revenue",
    "D24": "10%",
    "E24": 260000,
    "F24": "£398,000.00",
    "E38": "2013/14",
    "F38": "2014/15",
    "D39": 0.8,
    "E39": 1160,
    "F39": 1160,
    "A43": "Fewer repeat incidents",
    "B43": 0.25,
    "C43": 0.1,
    "D43": 0.2,
    "F43": 2,
    "G43": 0.5,
    "A52": "Fewer repeat incidents",
    "B52": "Essex Police",
    "C52": "fiscal_cashable",
    "D52": 1200,
}


def test_a_filled_in_template_reads_as_the_case_it_describes() -> None:
    case, problems = read_workbook(fill(template_workbook(), FILLED_TEMPLATE), "hub.xlsx")
    assert problems == []
    assert case == Case(
        name="Hub",
        first_year=FinancialYear(2013),
        years=2,
        costs=(CostLine("Hub staff", "Essex County Council", CostKind.REVENUE, pounds("260000", "398000"), D("0.1")),),
        cohort=Cohort((D(1160), D(1160)), D("0.8")),
        outcomes=(
            Outcome(
                "Fewer repeat incidents",
                D("0.25"),
                (Benefit("Essex Police", BenefitKind.FISCAL_CASHABLE, Money.parse("1200")),),
                deadweight=D("0.1"),
                optimism_bias=D("0.2"),
                duration_years=2,
                drop_off=D("0.5"),
            ),
        ),
        partners=("Essex County Council", "Essex Police"),
    )


def test_the_template_has_every_table_and_blank_yellow_cells_to_fill() -> None:
    sheet = load_workbook(io.BytesIO(template_workbook()))["Inputs"]
    titles = ["Case", "Partners", "Costs", "Cohort", "Outcomes", "Benefits"]
    assert [row[0].value for row in sheet.iter_rows() if row[0].value in titles] == titles
    assert sheet["B5"].value is None and sheet["B5"].fill.start_color.rgb.endswith("FFF2CC")
    assert sheet["E23"].number_format == "@"  # so Excel keeps 2011/12 as text, not a date
    lists = {str(validation.sqref): validation.formula1 for validation in sheet.data_validations.dataValidation}
    assert lists["C24:C35"] == '"revenue,capital,in_kind"'
    assert lists["B24:B35"] == "$A$13:$A$20"  # payers from the partners listed above
    assert lists["A52:A67"] == "$A$43:$A$48"  # a benefit's outcome from the outcomes listed above
    assert read_workbook(template_workbook(), "blank.xlsx")[1] == [
        Problem("blank.xlsx, Inputs!B5", "Enter the case's name"),
        Problem("blank.xlsx, Inputs!B6", "Enter the first year, like 2013/14"),
        Problem("blank.xlsx, Inputs!B7", "Enter the appraisal period in years, like 5"),
    ]


# Import: every refusal names file, sheet, cell and reason; nothing is returned


@pytest.fixture(scope="module")
def demo_book() -> bytes:
    return write_workbook(demo_case())


# The demo's Inputs: costs on rows 21-25 under year headings on row 20 (E20 = 2013/14 .. I20 = 2017/18),
# the cohort on row 29, outcomes on rows 33-36, benefits on rows 40-47.
REFUSALS = {
    "a year heading outside the period": (
        {"I20": "2018/19"},
        "Inputs!I20",
        "2018/19 is outside the appraisal period, 2013/14 to 2017/18",
    ),
    "a year heading given twice": (
        {"I20": "2016/17"},
        "Inputs!I20",
        "2016/17 also heads column H: give each year once",
    ),
    "a year heading Excel turned into a date": (
        {"E28": FinancialYear(2013).starts},
        "Inputs!E28",
        "Excel has read this year as a date: format the cell as Text and type 2013/14",
    ),
    "a first year that is not one": (
        {"B6": "2013/15"},
        "Inputs!B6",
        "'2013/15' is not a financial year: 2013/14 follows 2013",
    ),
    "a rate above 1": ({"B33": 1.5}, "Inputs!B33", "Success rate must be between 0 and 1"),
    "a rate above 1, as a percentage": ({"G34": "150%"}, "Inputs!G34", "Drop off must be between 0 and 1"),
    "a cost's optimism bias above 2": ({"D22": 3}, "Inputs!D22", "Optimism bias on a cost must be between 0 and 2"),
    "an engagement above 1": ({"D29": 2}, "Inputs!D29", "Engagement must be between 0 and 1"),
    "a discount rate above 1": ({"B8": 3.5}, "Inputs!B8", "The discount rate must be between 0 and 1, not 3.5"),
    "a beneficiary not in partners": (
        {"B41": "NHS Cheshire"},
        "Inputs!B41",
        "'NHS Cheshire' is not a partner in this case",
    ),
    "a payer not in partners": ({"B24": "Probation"}, "Inputs!B24", "'Probation' is not a partner in this case"),
    "text where an amount should be": (
        {"F21": "lots"},
        "Inputs!F21",
        "'lots' is not an amount of money. Write it like £1,234.56",
    ),
    "an amount finer than a penny": (
        {"F21": 1000.005},
        "Inputs!F21",
        "'1000.005' has more than 2 decimal places. Amounts are in pounds and pence",
    ),
    "a negative amount": ({"G23": -5}, "Inputs!E23:I23", "Amounts must be £0.00 or more"),
    "text where a rate should be": ({"C33": "some"}, "Inputs!C33", "The deadweight is a number like 0.10, not 'some'"),
    "text where a cohort size should be": (
        {"F29": "many"},
        "Inputs!F29",
        "The number of people is a number like 1160, not 'many'",
    ),
    "a negative cohort size": ({"F29": -1}, "Inputs!E29:I29", "Cohort sizes must be 0 or more"),
    "a lag that is not a whole number": (
        {"E35": 1.5},
        "Inputs!E35",
        "Enter the lag in years as a whole number, like 2, not '1.5'",
    ),
    "a negative lag": ({"E35": -1}, "Inputs!E35", "The lag must be 0 years or more"),
    "an effect lasting no years": ({"F36": 0}, "Inputs!F36", "The effect must last 1 year or more"),
    "a cost kind not on the list": (
        {"C21": "salaries"},
        "Inputs!C21",
        "A cost's kind is one of revenue, capital, in_kind, not 'salaries'",
    ),
    "a cost without a name": ({"A23": None}, "Inputs!A23", "Enter the cost's name"),
    "a success rate left blank": ({"B34": None}, "Inputs!B34", "Enter the success rate, like 0.25"),
    "a benefit of an outcome not listed": (
        {"A47": "Fewer children in care"},
        "Inputs!A47",
        "'Fewer children in care' is not an outcome listed under Outcomes: check the spelling",
    ),
    "an outcome with no benefits left": (
        {"A45": "Fewer repeat victims"},
        "Inputs!A35",
        "Give the outcome at least one benefit",
    ),
    "a cashable share on a social benefit": (
        {"E42": 0.5},
        "Inputs!E42",
        "A cashable share is between 0 and 1, on fiscal_cashable",
    ),
    "a health value that is not social": ({"F43": "yes"}, "Inputs!F43", "Only social benefits can be health values"),
    "a health value that is neither yes nor no": ({"F42": "maybe"}, "Inputs!F42", "Write yes or no, not 'maybe'"),
    "a partner listed twice": (
        {"A17": "Cheshire Constabulary"},
        "Inputs!A17",
        "'Cheshire Constabulary' is listed twice: list each partner once",
    ),
    "an appraisal period of no years": (
        {"B7": 0},
        "Inputs!B7",
        "Enter the appraisal period as a whole number from 1 to 1000",
    ),
}


@pytest.mark.parametrize(("cells", "where", "message"), REFUSALS.values(), ids=REFUSALS.keys())
def test_bad_input_is_refused_naming_file_sheet_cell_and_reason(
    demo_book: bytes, cells: dict[str, object], where: str, message: str
) -> None:
    case, problems = read_workbook(fill(demo_book, cells), "hub.xlsx")
    assert case is None
    assert Problem(f"hub.xlsx, {where}", message) in problems, problems


def test_every_problem_is_reported_at_once(demo_book: bytes) -> None:
    case, problems = read_workbook(fill(demo_book, {"F21": "lots", "B33": "high", "C24": "wages"}), "hub.xlsx")
    assert case is None
    assert [problem.where for problem in problems] == [
        "hub.xlsx, Inputs!F21",
        "hub.xlsx, Inputs!C24",
        "hub.xlsx, Inputs!B33",
    ]


def test_a_file_that_is_not_a_workbook_or_has_no_inputs_sheet_is_refused() -> None:
    assert read_workbook(b"name: Hub\n", "hub.yaml") == (
        None,
        [Problem("hub.yaml", "This is not an Excel workbook: save it as .xlsx (Excel Workbook) and try again")],
    )
    other = Workbook()
    other.active.title = "Sheet1"
    assert read_workbook(saved(other), "other.xlsx") == (
        None,
        [Problem("other.xlsx", "The workbook has no Inputs sheet: start from the template, or from an exported case")],
    )
