"""Audit entries in words: who did what, and when, as a sentence a partner's officer can read.

One table, `WORDS`, says every action code the service records as what was done ("approved decision PCC/038/13")
and as what was tried when it was refused ("approve decision PCC/038/13"). The codes refused by a permission
check are the permission names of `wholeplace.auth.actor.PERMISSIONS`. tests/web/test_audit_words.py finds every
code the source records and fails on one without words here. `TOPICS` groups the codes for the page's filter.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from wholeplace.audit import CONSOLE_PREFIX, AuditEntry, Verification
from wholeplace.auth.model import Role, User
from wholeplace.partners.model import Organisation
from wholeplace.web.templating import account_name, console_words, long_date, long_datetime


class Fields(dict[str, Any]):
    """An entry's detail with its record, for filling a sentence; a field an older entry lacks reads 'not recorded'."""

    def __missing__(self, key: str) -> str:
        return "(not recorded)"


Phrase = str | Callable[[Fields], str]


@dataclass(frozen=True)
class Wording:
    done: Phrase  # "approved decision {reference}"
    tried: Phrase  # "approve decision {reference}": said as "tried to ..." of a refused entry


def _pounds(amount: object) -> str:
    """'12000.00' as £12,000 and '12000.50' as £12,000.50: pence only where they add something."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}£{value:,.0f}" if value == value.to_integral_value() else f"{sign}£{value:,.2f}"


def _names(paths: Sequence[str]) -> str:
    names = [account_name(path) for path in paths]
    if len(names) <= 2:
        return " and ".join(names)
    return f"{names[0]}, {names[1]} and {len(names) - 2} more"


def _posted(fields: Fields) -> str:
    """A ledger transaction: how much went from which accounts to which, under which decision."""
    postings = fields.get("postings") or []
    to = [path for path, _year, amount in postings if Decimal(str(amount)) > 0]
    taken = [path for path, _year, amount in postings if Decimal(str(amount)) < 0]
    total = sum((Decimal(str(amount)) for _path, _year, amount in postings if Decimal(str(amount)) > 0), Decimal(0))
    return (
        f"posted {_pounds(total)} from {_names(taken)} to {_names(to)} in fund {fields['fund']}, "
        f"under decision {fields['decision']}"
    )


def _day(key: str) -> Callable[[Fields], str]:
    def shown(fields: Fields) -> str:
        try:
            return long_date(dt.date.fromisoformat(str(fields[key])[:10]))
        except ValueError:
            return str(fields[key])

    return shown


def _with(template: str, **derived: Callable[[Fields], str]) -> Callable[[Fields], str]:
    """A template whose named fields are worked out from the entry first (money in pounds, dates in words)."""

    def said(fields: Fields) -> str:
        return template.format_map(Fields(fields, **{name: work(fields) for name, work in derived.items()}))

    return said


def _money(key: str) -> Callable[[Fields], str]:
    return lambda fields: _pounds(fields[key])


def _account(key: str) -> Callable[[Fields], str]:
    return lambda fields: account_name(str(fields[key]))


def _both(phrase: str) -> Wording:
    """A code said the same way done or tried: 'a check of the audit chain'."""
    return Wording(phrase, phrase)


def _roles(codes: Sequence[str] | str) -> str:
    """Role codes as recorded ("decision_maker") said by their names ("Decision maker"); none as 'none'."""
    if isinstance(codes, str):  # "(not recorded)" in an older entry
        return codes
    known = {role.value: role.label for role in Role}
    return ", ".join(known.get(code, code) for code in codes) or "none"


def _permission(verb_phrase: str) -> Wording:
    """A permission name, recorded when a check refuses it: 'manage funds'."""
    return Wording(f"was let {verb_phrase}", verb_phrase)


WORDS: dict[str, Wording] = {
    # signing in and accounts
    "sign_in": Wording("signed in", "sign in"),
    "sign_out": Wording("signed out", "sign out"),
    "user.created": Wording("added the user {email} with the roles {roles}", "add the user {email}"),
    "sign_out.everywhere": Wording("signed out everywhere: {sessions} sessions ended", "sign out everywhere"),
    "password.changed": Wording("changed their password", "change their password"),
    "user.unlocked": Wording("unlocked the account of {email}", "unlock the account of {email}"),
    "user.roles_changed": Wording(
        lambda f: f"changed the roles of {f['email']}: added {_roles(f['added'])}, removed {_roles(f['removed'])}",
        "change the roles of {email}",
    ),
    "user.password_reset": Wording("gave {email} a new temporary password", "give {email} a new temporary password"),
    "user.reactivated": Wording("let {email} sign in again", "let {email} sign in again"),
    "user.deactivated": Wording("stopped {email} signing in", "stop {email} signing in"),
    "api_token.write": _permission("change something with a read-only API token"),
    "api_token.created": Wording("created the API token “{name}”", "create the API token “{name}”"),
    "api_token.revoked": Wording("revoked an API token", "revoke an API token"),
    # partners
    "organisation.created": Wording("added the partner {name}", "add the partner {name}"),
    "organisation.updated": Wording("changed the partner's {changed}", "change a partner"),
    "organisations.imported": Wording(
        "imported partners from {filename}: {created} added, {updated} changed", "import partners from {filename}"
    ),
    # funds and the ledger
    "fund.created": Wording("created fund {code}", "create fund {code}"),
    "fund.contribution_recorded": Wording(
        _with(
            "recorded {partner}'s contribution of {amount} ({kind}) to fund {fund} for {year}", amount=_money("amount")
        ),
        "record a contribution to fund {fund}",
    ),
    "fund_account.opened": Wording(
        _with("opened the account {name} in fund {fund}", name=_account("account")), "open an account in fund {fund}"
    ),
    "fund.running_balances_rebuilt": Wording(
        "rebuilt the running balances of fund {fund}: {corrected} corrected", "rebuild the running balances of {fund}"
    ),
    "ledger.posted": Wording(_posted, "post to the ledger under decision {decision}"),
    "balance.asserted": Wording(
        _with(
            "checked that {name} held {amount} on {day}",
            name=_account("account"),
            amount=_money("amount"),
            day=_day("date"),
        ),
        "check a balance",
    ),
    # decisions and meetings
    "decision.drafted": Wording(
        _with("drafted decision {reference}, recommending {total}", total=_money("total")),
        "draft decision {reference}",
    ),
    "decision.approved": Wording(
        _with("recorded decision {reference} as approved by {signed_by} on {day}", day=_day("decided_on")),
        "approve decision {reference}",
    ),
    "decision.rejected": Wording(
        _with("recorded decision {reference} as rejected by {signed_by} on {day}: “{reason}”", day=_day("decided_on")),
        "reject decision {reference}",
    ),
    "decision.money_posted": Wording(
        "posted the money of decision {reference}, its call-in period over", "post the money of decision {reference}"
    ),
    "decision.money_refused": Wording(
        "could not post the money of decision {reference}: {problems}", "post the money of decision {reference}"
    ),
    "decision.called_in": Wording(
        _with(
            "recorded decision {reference} as called in by {called_in_by} on {day}: “{reason}”",
            day=_day("called_in_on"),
        ),
        "record a call-in of decision {reference}",
    ),
    "decision.call_in_outcome": Wording(
        _with(
            "recorded the outcome of the call-in of decision {reference}: {outcome} on {day}", day=_day("outcome_on")
        ),
        "record the outcome of a call-in",
    ),
    "meeting.recorded": Wording("recorded a meeting of {body}", "record a meeting of {body}"),
    "meeting_action.updated": Wording("marked a meeting's action {status}", "change a meeting's action"),
    # section 75 agreements
    "s75_agreement.created": Wording(
        "created the section 75 agreement {reference} for fund {fund}", "create a section 75 agreement"
    ),
    "s75_receipt.recorded": Wording(
        _with("recorded the receipt of an instalment of {amount}", amount=_money("amount")),
        "record the receipt of an instalment",
    ),
    "s75_settlement.drafted": Wording(
        _with(
            "drafted the year-end settlement for {year} ({outcome} of {amount}) as decision {decision}",
            amount=_money("amount"),
        ),
        "draft a year-end settlement",
    ),
    # business cases and outcomes
    "business_case.added": Wording("added the business case “{name}”", "add the business case “{name}”"),
    "business_case.version_saved": Wording(
        "saved version {version} of a business case", "save a version of a business case"
    ),
    "business_case.funded": Wording(
        _with("recorded a business case as funded from {name}", name=_account("account")),
        "record a business case's funding",
    ),
    "indicator.linked": Wording("linked an indicator to what it measures", "link an indicator"),
    "framework.loaded": Wording("loaded the outcomes framework {code}", "load the outcomes framework {code}"),
    "measurements.imported": Wording(
        "imported {rows} measurements from {filename}: {new} new, {revised} revised, {unchanged} unchanged",
        "import measurements from {filename}",
    ),
    "grant_return.submitted": Wording(
        _with("submitted a grant's return for {period}, spend to date {spend}", spend=_money("spend_to_date")),
        "submit a grant's return",
    ),
    "scheme.loaded": Wording("loaded the payment-by-results scheme {code}", "load the scheme {code}"),
    "scheme.records_imported": Wording(
        "imported a scheme's records from {filename}: {members} members, {outcomes} outcomes, {relapses} relapses",
        "import a scheme's records",
    ),
    "claim.computed": Wording(
        _with("computed a claim for {period} of {total}", total=_money("total")), "compute a claim"
    ),
    "claim.sampled": Wording("drew lines of a claim for spot checks", "draw lines of a claim for spot checks"),
    "claim.checked": Wording("recorded a spot check of line {line} of a claim", "record a spot check"),
    "claim.submitted": Wording(
        _with("submitted a claim of {total} under decision {decision}", total=_money("total")), "submit a claim"
    ),
    # casework
    "referral.received": Wording("received referral {reference} ({urgency})", "receive a referral"),
    "referral.screened": Wording("screened a referral: {outcome_of_screening}", "screen a referral"),
    "case.opened": Wording("opened case {reference}", "open a case"),
    "case.member_added": Wording("added a person to a case", "add a person to a case"),
    "case.status_changed": Wording("changed a case from {before} to {after}", "change a case's status"),
    "case.moved": Wording("moved a case to another team", "move a case"),
    "case.intervention_given": Wording("gave a case the intervention {intervention}", "give an intervention"),
    "case.intervention_attendance": Wording(
        "recorded attendance at an intervention: {attended} of {offered}", "record attendance"
    ),
    "case.intervention_finished": Wording("recorded an intervention as finished", "finish an intervention"),
    "case.outcome_recorded": Wording("recorded a case's outcome {shared_outcome}", "record a case's outcome"),
    "intervention.added": Wording("added the intervention {name}", "add the intervention {name}"),
    "assessment.recorded": Wording("recorded a risk assessment: {level}", "record a risk assessment"),
    "marac.referred": Wording("referred a case to MARAC", "refer a case to MARAC"),
    "marac.meeting_scheduled": Wording("scheduled a MARAC meeting", "schedule a MARAC meeting"),
    "marac.listed": Wording("listed a referral at a MARAC meeting", "list a referral at MARAC"),
    "marac.action_recorded": Wording("recorded a MARAC action", "record a MARAC action"),
    "marac.action_done": Wording("marked a MARAC action done", "mark a MARAC action done"),
    "plan.goal_added": Wording("added a goal to a family's plan", "add a goal to a plan"),
    "plan.goal_achieved": Wording("marked a plan's goal achieved", "mark a goal achieved"),
    "plan.action_added": Wording("added an action to a family's plan", "add an action to a plan"),
    "plan.action_open": Wording("reopened a plan's action", "reopen a plan's action"),
    "plan.action_done": Wording("marked a plan's action done", "mark a plan's action done"),
    "plan.action_cancelled": Wording("cancelled a plan's action", "cancel a plan's action"),
    "plan.reviewed": Wording("reviewed a family's plan", "review a plan"),
    "plan.family_agreement_signed": Wording("recorded a family agreement as signed", "record a family agreement"),
    "plan.monitoring_added": Wording("added monitoring ({kind}) to a case", "add monitoring to a case"),
    "plan.monitoring_ended": Wording("ended a case's monitoring", "end a case's monitoring"),
    "person.rectified": Wording("corrected a person's record: “{reason}”", "correct a person's record"),
    "retention.case_erased": Wording("erased case {reference} under the rule {rule}", "erase a case"),
    "retention.referral_erased": Wording("erased referral {reference} under the rule {rule}", "erase a referral"),
    "retention.erased": Wording(
        "applied the retention rules: {cases} cases, {referrals} referrals and {people} people erased",
        "apply the retention rules",
    ),
    # information sharing and the person index
    "casework.read": Wording("read case records for {purpose}", "read case records for {purpose}"),
    "casework.write": Wording("changed case records for {purpose}", "change case records for {purpose}"),
    "consent.recorded": Wording("recorded a person's consent: {status}", "record a person's consent"),
    "sharing.agreement_created": Wording(
        "created the information sharing agreement “{title}”", "create an information sharing agreement"
    ),
    "sharing.agreement_ended": Wording(
        "ended an information sharing agreement", "end an information sharing agreement"
    ),
    "sharing.break_glass": Wording("opened a case by break-glass for {hours} hours", "open a case by break-glass"),
    "sharing.break_glass_reviewed": Wording("reviewed a break-glass", "review a break-glass"),
    "linkage.extract_imported": Wording(
        "imported the extract {filename} from {source}: {rows} rows", "import an extract into the person index"
    ),
    "linkage.run": Wording("linked the person index ({kind}): {records_linked} records", "link the person index"),
    "linkage.decided": Wording("ruled two records {verdict}", "rule on two records"),
    "linkage.decision_withdrawn": Wording("withdrew a ruling on two records", "withdraw a ruling"),
    "linkage.record_detached": Wording("detached a record from a person", "detach a record"),
    "linkage.published": Wording("published a linked person to the partners", "publish a linked person"),
    # the service itself
    "audit.verified": Wording(
        lambda fields: (
            f"checked the audit chain: all {fields['entries']} entries intact"
            if fields.get("chain_break") is None
            else f"checked the audit chain and found it broken at {fields['chain_break']}"
        ),
        "check the audit chain",
    ),
    "demo.loaded": _both("loaded the demonstration programme"),
    "demo.cohort_loaded": _both("loaded the demonstration's made-up casework"),
    # refused by a permission check: the permission's name is the action recorded
    "partners.view": _permission("see the partners"),
    "partners.edit": _permission("change the partners"),
    "users.view": _permission("see the users"),
    "users.manage": _permission("manage users"),
    "audit.view": _permission("read the audit trail"),
    "funds.view": _permission("see the funds"),
    "funds.manage": _permission("manage funds"),
    "funds.spend": _permission("record spending"),
    "funds.post": _permission("post to the ledger"),
    "decisions.view": _permission("see the decisions"),
    "decisions.draft": _permission("draft decisions"),
    "decisions.decide": _permission("take decisions"),
    "decisions.call_in": _permission("call in decisions"),
    "decisions.post": _permission("post a decision's money"),
    "meetings.manage": _permission("manage meetings"),
    "section75.view": _permission("see section 75 agreements"),
    "section75.manage": _permission("manage section 75 agreements"),
    "business_cases.view": _permission("see the business cases"),
    "business_cases.edit": _permission("change business cases"),
    "linkage.manage": _permission("work on the person index"),
    "outcomes.view": _permission("see the outcomes"),
    "outcomes.manage": _permission("manage the outcomes framework"),
    "outcomes.measure": _permission("record measurements"),
    "outcomes.returns": _permission("submit grant returns"),
    "outcomes.claims": _permission("make payment-by-results claims"),
    "outcomes.schemes": _permission("manage payment-by-results schemes"),
    "outcomes.claim_lines": _permission("see a claim's lines"),
    "interventions.add": _permission("add interventions"),
    "interventions.results": _permission("see the results of interventions"),
    "retention.dry_run": _permission("see what the retention rules would erase"),
    "retention.erase": _permission("apply the retention rules"),
    "sharing.oversight": _permission("oversee break-glass and refused access"),
}

# What the page's "what" filter offers: each topic is the codes starting with one of its prefixes.
TOPICS: dict[str, tuple[str, ...]] = {
    "Signing in and out": ("sign_in", "sign_out"),
    "Users, passwords and API tokens": ("user.", "users.", "api_token.", "password."),
    "Partners": ("organisation", "partners."),
    "Money: funds and the ledger": ("fund.", "fund_account.", "funds.", "ledger.", "balance."),
    "Decisions and meetings": ("decision.", "decisions.", "meeting.", "meeting_action.", "meetings."),
    "Section 75 agreements": ("s75_", "section75."),
    "Business cases": ("business_case.", "business_cases."),
    "Outcomes and payment by results": (
        "indicator.",
        "framework.",
        "measurements.",
        "grant_return.",
        "scheme.",
        "claim.",
        "outcomes.",
    ),
    "Casework": (
        "referral.",
        "case.",
        "intervention.",
        "interventions.",
        "assessment.",
        "marac.",
        "plan.",
        "person.",
        "retention.",
    ),
    "Information sharing": ("casework.", "consent.", "sharing."),
    "Person index": ("linkage.",),
    "The audit trail and the demonstration": ("audit.", "demo."),
}


def topic_of(code: str) -> str | None:
    return next((topic for topic, prefixes in TOPICS.items() if code.startswith(prefixes)), None)


@dataclass(frozen=True)
class AuditLine:
    """One entry as the page shows it."""

    seq: int
    who: str
    what: str
    when: str
    refused: bool
    reason: str | None


def _said(phrase: Phrase, fields: Fields) -> str:
    try:
        return phrase(fields) if callable(phrase) else phrase.format_map(fields)
    except (KeyError, IndexError, TypeError, ValueError, InvalidOperation):  # an entry older than its sentence
        return (phrase if isinstance(phrase, str) else "").split(" {")[0] or "did something the trail cannot say"


def sentence(entry: AuditEntry) -> str:
    """What the entry records, in words: 'approved decision PCC/038/13', or 'tried to manage funds'."""
    detail = json.loads(entry.detail or "{}")
    fields = Fields(detail if isinstance(detail, Mapping) else {})
    fields.setdefault("purpose", entry.purpose or "")
    wording = WORDS.get(entry.action)
    if wording is None:
        return f"did “{entry.action}” (a kind of entry the trail has no words for)"
    if entry.outcome == "refused":
        return f"tried to {_said(wording.tried, fields)}"
    return _said(wording.done, fields)


def who(entry: AuditEntry, people: Mapping[int, tuple[str, str | None]]) -> str:
    """The person by name and partner, the console by who ran it, anyone else by what they typed."""
    if entry.actor_user_id is not None and entry.actor_user_id in people:
        name, partner = people[entry.actor_user_id]
        return f"{name} ({partner})" if partner else name
    if entry.actor.startswith(CONSOLE_PREFIX):
        return console_words(entry.actor)
    if entry.actor == "anonymous":
        return "someone not signed in"
    return f"someone not signed in, as “{entry.actor}”"


def people_of(session: Session, user_ids: set[int]) -> dict[int, tuple[str, str | None]]:
    """Each user's name and their partner's name."""
    if not user_ids:
        return {}
    rows = session.execute(
        select(User.id, User.name, Organisation.name)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .where(User.id.in_(user_ids))
    )
    return {user_id: (name, partner) for user_id, name, partner in rows}


def everyone(session: Session) -> list[tuple[int, str]]:
    """Every user as the filter offers them: "Ann Finance (Essex County Council)", by name."""
    rows = session.execute(
        select(User.id, User.name, Organisation.name)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .order_by(User.name, User.id)
    )
    return [(user_id, f"{name} ({partner})" if partner else name) for user_id, name, partner in rows]


def checker(session: Session, checked: Verification) -> str:
    """Who made the last check of the chain, by name and partner."""
    entry = session.scalar(select(AuditEntry).where(AuditEntry.seq == checked.seq))
    if entry is None:
        return checked.by
    return who(entry, people_of(session, {entry.actor_user_id} if entry.actor_user_id is not None else set()))


def lines(session: Session, entries: Sequence[AuditEntry]) -> list[AuditLine]:
    """A page of entries in words."""
    people = people_of(session, {entry.actor_user_id for entry in entries if entry.actor_user_id is not None})
    said = []
    for entry in entries:
        detail = json.loads(entry.detail or "{}")
        reason = detail.get("reason") if entry.outcome == "refused" and isinstance(detail, Mapping) else None
        person = who(entry, people)
        said.append(
            AuditLine(
                entry.seq,
                person[:1].upper() + person[1:],
                sentence(entry),
                long_datetime(entry.at),
                entry.outcome == "refused",
                None if reason is None else str(reason),
            )
        )
    return said
