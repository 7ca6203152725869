"""The cost-benefit engine: a business case in, its present values, ratios, payback and who gains out.

The engine is pure (no database, no clock, no printing) and lives in one module per idea; this module names
its public API, so `engine.appraise(case)` reads as it always has:

- `case.py`: the case records (costs, cohort, outcomes, benefits) and its uncertain inputs;
- `case_checks.py`: `check_case`, every reason a case cannot be appraised;
- `flows.py`: costs and benefits year by year, with optimism bias and discounting, in float pence;
- `rounding.py`: whole pence half-up, once, and ratios to 4 decimals;
- `results.py`: `appraise` and its `Appraisal`, and `to_json`.

Formulas and sources: docs/methodology.md.
"""

from wholeplace.appraisal.case import (
    CONFIDENCE_OPTIMISM_BIAS,
    FISCAL,
    KIND_LABELS,
    MAX_COST_OPTIMISM_BIAS,
    Benefit,
    BenefitKind,
    Case,
    Cohort,
    CostKind,
    CostLine,
    Measure,
    Outcome,
    Slot,
    SlotKind,
    UncertainInput,
    case_partners,
    slot_kind,
    slot_value,
)
from wholeplace.appraisal.case_checks import check_case
from wholeplace.appraisal.flows import BenefitRow, Flows, flows, kind_shares, outcomes_by_year
from wholeplace.appraisal.results import Appraisal, PartnerPosition, YearFlow, appraise, to_json

__all__ = [
    "CONFIDENCE_OPTIMISM_BIAS",
    "FISCAL",
    "KIND_LABELS",
    "MAX_COST_OPTIMISM_BIAS",
    "Appraisal",
    "Benefit",
    "BenefitKind",
    "BenefitRow",
    "Case",
    "Cohort",
    "CostKind",
    "CostLine",
    "Flows",
    "Measure",
    "Outcome",
    "PartnerPosition",
    "Slot",
    "SlotKind",
    "UncertainInput",
    "YearFlow",
    "appraise",
    "case_partners",
    "check_case",
    "flows",
    "kind_shares",
    "outcomes_by_year",
    "slot_kind",
    "slot_value",
    "to_json",
]
