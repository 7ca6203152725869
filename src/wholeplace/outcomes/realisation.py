"""Benefits realisation for business cases with approved funding, one case at a time and as a portfolio.

Which outcomes came is read from indicator measurements linked to the case's outcomes (`IndicatorLink` of kind
benefit): a count link takes a year's figures as outcomes achieved; a reduction link takes the fall below the
baseline (the baseline for each period measured, less the figures). Spend is what the ledger holds as spent from
the accounts that carry the case's funding (`CaseFunding`). `benefits.realise` does the arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.appraisal import service as appraisal_service
from wholeplace.appraisal.model import BusinessCase
from wholeplace.auth.actor import Actor, require
from wholeplace.business_dates import today
from wholeplace.funds.model import Account, Posting
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes.benefits import Achieved, Realisation, realise
from wholeplace.outcomes.grants import GRANT_KINDS, spend_path
from wholeplace.outcomes.model import Baseline, CaseFunding, Counting, IndicatorLink, LinkKind, Measurement
from wholeplace.problems import InvalidInput, NotFound, Problem


@dataclass(frozen=True)
class CaseRealisation:
    business_case: BusinessCase
    accounts: Sequence[Account]
    links: Sequence[IndicatorLink]
    realisation: Realisation
    appraised: appraisal_service.Appraised


def fund_case(session: Session, actor: Actor, *, business_case_id: int, account_id: int) -> CaseFunding:
    """Say which theme or project account carries a business case's approved funding."""
    require(actor, "outcomes.manage", object_type="business_case", object_id=business_case_id)
    appraisal_service.get_case(session, actor, business_case_id)
    account = session.get(Account, account_id)
    if account is None or account.kind not in GRANT_KINDS:
        raise InvalidInput([Problem("account", "Choose a theme or project account of a fund")])
    existing = session.scalar(
        select(CaseFunding).where(
            CaseFunding.business_case_id == business_case_id, CaseFunding.account_id == account_id
        )
    )
    if existing:
        return existing
    funding = CaseFunding(business_case_id=business_case_id, account_id=account_id)
    session.add(funding)
    session.flush()
    audit.record(
        session,
        actor,
        "business_case.funded",
        object_type="business_case",
        object_id=business_case_id,
        account=account.path,
    )
    return funding


def link_benefit(
    session: Session,
    actor: Actor,
    *,
    indicator_id: int,
    business_case_id: int,
    case_outcome: str,
    area_id: int,
    counting: Counting,
) -> IndicatorLink:
    """Say that an indicator, in one area, measures one of a business case's outcomes."""
    require(actor, "outcomes.manage", object_type="indicator", object_id=indicator_id)
    business_case = appraisal_service.get_case(session, actor, business_case_id)
    case = appraisal_service.read_source(business_case.current.source)
    names = [outcome.name for outcome in case.outcomes]
    if case_outcome not in names:
        raise InvalidInput(
            [Problem("case_outcome", f"The case has no outcome '{case_outcome}'. It has: {', '.join(names)}")]
        )
    existing = session.scalar(
        select(IndicatorLink).where(
            IndicatorLink.kind == LinkKind.BENEFIT,
            IndicatorLink.indicator_id == indicator_id,
            IndicatorLink.business_case_id == business_case_id,
            IndicatorLink.case_outcome == case_outcome,
            IndicatorLink.area_id == area_id,
        )
    )
    if existing is not None:  # linking again must not count the same outcomes twice
        existing.counting = counting
        return existing
    link = IndicatorLink(
        indicator_id=indicator_id,
        kind=LinkKind.BENEFIT,
        business_case_id=business_case_id,
        case_outcome=case_outcome,
        area_id=area_id,
        counting=counting,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor,
        "indicator.linked",
        object_type="indicator",
        object_id=indicator_id,
        business_case=business_case_id,
        case_outcome=case_outcome,
    )
    return link


def benefit_links(session: Session, business_case_id: int) -> list[IndicatorLink]:
    return list(
        session.scalars(
            select(IndicatorLink)
            .where(IndicatorLink.kind == LinkKind.BENEFIT, IndicatorLink.business_case_id == business_case_id)
            .order_by(IndicatorLink.id)
        )
    )


def achieved(session: Session, links: Sequence[IndicatorLink]) -> Achieved:
    """Outcomes achieved per case outcome and financial year, from the linked indicators' current figures."""
    result: dict[str, dict[FinancialYear, Decimal]] = {}
    for link in links:
        assert link.case_outcome is not None and link.area_id is not None
        by_year: dict[FinancialYear, list[Decimal]] = {}
        for starts, value in session.execute(
            select(Measurement.period_start, Measurement.value).where(
                Measurement.indicator_id == link.indicator_id,
                Measurement.area_id == link.area_id,
                Measurement.current.is_(True),
            )
        ):
            by_year.setdefault(FinancialYear.of(starts), []).append(value)
        baseline = session.scalar(
            select(Baseline.value).where(Baseline.indicator_id == link.indicator_id, Baseline.area_id == link.area_id)
        )
        years = result.setdefault(link.case_outcome, {})
        for year, values in by_year.items():
            if link.counting is Counting.COUNT:
                outcomes = sum(values, Decimal(0))
            elif baseline is None:
                continue  # a reduction needs a baseline; the page says so
            else:
                outcomes = baseline * len(values) - sum(values, Decimal(0))
            years[year] = years.get(year, Decimal(0)) + outcomes
    return result


def spend_by_year(session: Session, accounts: Sequence[Account]) -> dict[FinancialYear, Money]:
    """What the ledger holds as spent from these accounts, by the financial year it is profiled to."""
    if not accounts:
        return {}
    spend: dict[FinancialYear, Money] = {}
    for account in accounts:
        for year, pence in session.execute(
            select(Posting.financial_year, func.sum(Posting.amount_pence))
            .join(Account, Account.id == Posting.account_id)
            .where(Account.fund_id == account.fund_id, Account.path == spend_path(account))
            .group_by(Posting.financial_year)
        ):
            key = FinancialYear(year)
            spend[key] = spend.get(key, Money(0)) + Money(int(pence))
    return spend


def funding_accounts(session: Session, business_case_id: int) -> list[Account]:
    return list(
        session.scalars(
            select(Account)
            .join(CaseFunding, CaseFunding.account_id == Account.id)
            .where(CaseFunding.business_case_id == business_case_id)
        )
    )


def case_realisation(session: Session, actor: Actor, *, business_case_id: int) -> CaseRealisation:
    """Forecast beside realised for one business case with approved funding."""
    require(actor, "outcomes.view", object_type="business_case", object_id=business_case_id)
    business_case = appraisal_service.get_case(session, actor, business_case_id)
    accounts = funding_accounts(session, business_case_id)
    if not accounts:
        raise NotFound(f"{business_case.name} has no approved funding recorded, so there is nothing to realise")
    appraised = appraisal_service.appraise_version(business_case.current)
    links = benefit_links(session, business_case_id)
    realisation = realise(
        appraised.case,
        appraised.appraisal,
        achieved=achieved(session, links),
        spend=spend_by_year(session, accounts),
        current_year=FinancialYear.of(today()),
    )
    return CaseRealisation(business_case, accounts, links, realisation, appraised)


def portfolio(session: Session, actor: Actor) -> list[CaseRealisation]:
    """Every business case with approved funding, realised against forecast: the finance director's page."""
    require(actor, "outcomes.view", object_type="business_case")
    funded = session.scalars(select(CaseFunding.business_case_id).distinct()).all()
    return sorted(
        (case_realisation(session, actor, business_case_id=case_id) for case_id in funded),
        key=lambda item: item.business_case.name,
    )


def case_names(session: Session, case_ids: Sequence[int | None]) -> dict[int, str]:
    """Business cases' names by id, for pages that link to them."""
    wanted = [case_id for case_id in case_ids if case_id is not None]
    if not wanted:
        return {}
    return {
        row.id: row.name
        for row in session.execute(select(BusinessCase.id, BusinessCase.name).where(BusinessCase.id.in_(wanted)))
    }
