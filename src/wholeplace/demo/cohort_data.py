"""How the demo cohort's rows reach the database, and the fixed data its casework is made from.

The cohort is generated first as plain rows (dicts of column values) that cite each other by `Key`, then inserted
table by table in bulk: one INSERT of many rows per table and partner, the new ids returned in the order the rows
were given, so that later tables can cite them. Each partner's rows go in under that partner's row-level security
scope, so the load works as a plain database role as well as the console's superuser.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from wholeplace.cases.model import (
    AgencyReference,
    Assessment,
    Case,
    CaseIntervention,
    CaseKind,
    CaseMember,
    CaseNote,
    CaseOutcome,
    FamilyAgreement,
    FamilyAgreementSignature,
    Household,
    HouseholdMember,
    MaracAction,
    MaracReferral,
    MonitoringRecord,
    OutcomeKind,
    Person,
    PlanAction,
    PlanGoal,
    PlanReview,
    Referral,
)
from wholeplace.db import Base
from wholeplace.demo.cohort_place import COUNTY, HEALTH, POLICE, PROBATION
from wholeplace.sharing.model import Consent
from wholeplace.sharing.rls import enter_organisation

# The pilot's cohort (seed 002): 1,160 victims and 156 known perpetrators. A family team's caseload comes from the
# Essex full business case for family teams; the gateway's queue is a plausible morning's.
VICTIMS, PERPETRATORS, FAMILY_CASES, WAITING = 1160, 156, 135, 24
SEED = 2013
HOSPITAL_SHARE = 0.05  # victims found and held by the hospital IDVA service rather than referred to the gateway
SIGNPOSTED = 40  # referrals screened out of the gateway without a case (signposted, or no further action)
SOURCES = (POLICE, POLICE, POLICE, HEALTH, COUNTY, PROBATION)  # who refers to the gateway: mostly the police
PARTNERS = (POLICE, PROBATION, HEALTH, COUNTY)  # the order their rows are written: later rows cite earlier ones

# The interventions each kind of case draws from, by name in the catalogue (cohort_place.CATALOGUE).
MENUS: Mapping[CaseKind, tuple[str, ...]] = {
    CaseKind.DOMESTIC_ABUSE_VICTIM: (
        "Independent domestic violence advocate (IDVA)",
        "Independent domestic violence advocate (IDVA)",
        "Target hardening (locks, alarms, sanctuary)",
        "Refuge place",
        "Housing options and sanctuary advice",
        "Substance misuse treatment",
    ),
    CaseKind.PERPETRATOR: ("Perpetrator behaviour change programme", "Substance misuse treatment"),
    CaseKind.OFFENDER: ("Perpetrator behaviour change programme", "Substance misuse treatment"),
    CaseKind.FAMILY: (
        "Family support worker",
        "Parenting programme",
        "Therapeutic support for children",
        "Substance misuse treatment",
        "Housing options and sanctuary advice",
    ),
}
CHILDREN_SERVICE = "Therapeutic support for children"
HOSPITAL_IDVA = "Hospital IDVA"

# Each kind's single plan: goals, each with its actions as (owning agency, what, owner).
PLANS: Mapping[CaseKind, tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...]] = {
    CaseKind.DOMESTIC_ABUSE_VICTIM: (
        (
            "Feel and be safe at home",
            (
                (POLICE, "Flag the address for an urgent response", "Public protection unit"),
                (COUNTY, "Agree a safety plan with the victim", "Key worker"),
            ),
        ),
    ),
    CaseKind.PERPETRATOR: (
        (
            "Stop abusive behaviour",
            (
                (PROBATION, "Assess suitability for the behaviour change programme", "Programme manager"),
                (POLICE, "Check for breaches of bail conditions", "Public protection unit"),
            ),
        ),
    ),
    CaseKind.OFFENDER: (
        (
            "No further offending",
            (
                (PROBATION, "Fit the monitoring tag and explain the conditions", "Offender manager"),
                (POLICE, "Share intelligence at the fortnightly tasking meeting", "IOM police officer"),
            ),
        ),
    ),
    CaseKind.FAMILY: (
        (
            "Children at school every day",
            ((COUNTY, "Agree an attendance plan with the school", "Key worker"),),
        ),
        (
            "An adult in work or training",
            ((COUNTY, "Book a first appointment with the work coach", "Key worker"),),
        ),
    ),
}
CHILDREN_GOAL = (
    "Children safe and settled",
    ((COUNTY, "Refer the children for therapeutic support", "Key worker"),),
)
OUTCOMES: Mapping[CaseKind, tuple[tuple[OutcomeKind, float], ...]] = {  # each kind's outcomes and how often met
    CaseKind.DOMESTIC_ABUSE_VICTIM: ((OutcomeKind.NO_REPEAT_INCIDENT_6_MONTHS, 0.64),),
    CaseKind.PERPETRATOR: ((OutcomeKind.NO_REPEAT_INCIDENT_6_MONTHS, 0.52),),
    CaseKind.OFFENDER: ((OutcomeKind.NO_REOFFENCE_12_MONTHS, 0.55),),
    CaseKind.FAMILY: (
        (OutcomeKind.SCHOOL_ATTENDANCE_90, 0.58),
        (OutcomeKind.CHILD_PROTECTION_PLAN_AVOIDED, 0.8),
    ),
}
NOTES = (
    "Home visit: engaging well with the plan",
    "Telephone contact; no new concerns reported",
    "Missed appointment; rebooked for next week",
    "Joint visit with the police; safety plan reviewed",
)


@dataclass(frozen=True)
class Key:
    """A row not yet inserted: the partner whose row it is, its table, and its place in that partner's list."""

    organisation: str
    table: str
    index: int


# The tables in the order their foreign keys need, and the model each is inserted through.
TABLES: tuple[tuple[str, type[Base]], ...] = (
    ("people", Person),
    ("agency_references", AgencyReference),
    ("consents", Consent),
    ("households", Household),
    ("household_members", HouseholdMember),
    ("cases", Case),
    ("case_members", CaseMember),
    ("referrals", Referral),
    ("assessments", Assessment),
    ("marac_referrals", MaracReferral),
    ("repeat_marac_referrals", MaracReferral),  # after the referrals they repeat, which they cite
    ("marac_actions", MaracAction),
    ("plan_goals", PlanGoal),
    ("plan_actions", PlanAction),
    ("plan_reviews", PlanReview),
    ("family_agreements", FamilyAgreement),
    ("family_agreement_signatures", FamilyAgreementSignature),
    ("case_interventions", CaseIntervention),
    ("case_outcomes", CaseOutcome),
    ("monitoring_records", MonitoringRecord),
    ("case_notes", CaseNote),
)
_MODELS = dict(TABLES)


class Rows:
    """The cohort's rows by partner and table, generated before anything is written."""

    def __init__(self) -> None:
        self.by_partner: dict[str, dict[str, list[dict[str, object]]]] = {p: defaultdict(list) for p in PARTNERS}

    def add(self, organisation: str, table: str, **values: object) -> Key:
        if table not in _MODELS:
            raise KeyError(f"No table {table} in the cohort")
        rows = self.by_partner[organisation][table]
        rows.append(values)
        return Key(organisation, table, len(rows) - 1)

    def get(self, key: Key) -> Mapping[str, object]:
        return self.by_partner[key.organisation][key.table][key.index]

    def count(self, table: str) -> int:
        return sum(len(tables.get(table, ())) for tables in self.by_partner.values())

    def all(self, table: str) -> list[Mapping[str, object]]:
        return [row for tables in self.by_partner.values() for row in tables.get(table, ())]


def insert_all(session: Session, rows: Rows, organisation_ids: Mapping[str, int]) -> int:
    """Insert every row, partner by partner in `PARTNERS` order; returns how many rows went in."""
    ids: dict[Key, int] = {}
    inserted = 0
    for organisation, tables in rows.by_partner.items():
        # Row-level security checks each row against the transaction's partner (and its agreements).
        enter_organisation(session, organisation_ids[organisation])
        for table, model in TABLES:
            batch = tables.get(table)
            if not batch:
                continue
            values = [{k: ids[v] if isinstance(v, Key) else v for k, v in row.items()} for row in batch]
            target = cast(Table, model.__table__)
            if "id" in target.c:  # later rows may cite these: keep the new ids, in the order the rows were given
                made = session.scalars(insert(target).returning(target.c.id, sort_by_parameter_order=True), values)
                ids.update((Key(organisation, table, index), new_id) for index, new_id in enumerate(made))
            else:
                session.execute(insert(target), values)
            inserted += len(batch)
    return inserted
