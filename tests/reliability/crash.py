"""Kill an operation with SIGKILL while it works, then check it is all there or not there at all.

Each attempt copies a database holding the demo (a SQLite file, or a PostgreSQL database made from a template),
starts one operation in a child interpreter (`python -c`, running `child()` below) and waits for the child to say
its transaction has begun. The parent then sleeps a delay drawn (from a seeded generator) between zero and the
operation's measured duration, and kills the child with SIGKILL: no handler, no rollback, no goodbye. A child
that finishes first waits to be killed, so every attempt is a kill. Afterwards the parent opens the database
again and checks three things:

- the operation is whole or absent, never partial (each operation says what "whole" means for it);
- every fund's trial balance is zero and every ledger transaction balances;
- the audit chain verifies.

`tests/reliability/test_crash_safety.py` runs 2 kills per operation per database; `bench/crash.py` runs 20.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn, Protocol

from sqlalchemy import Engine, create_engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from wholeplace import audit
from wholeplace.appraisal import service as appraisal_service
from wholeplace.appraisal.model import BusinessCase, BusinessCaseVersion
from wholeplace.audit import AuditEntry, unit_of_work
from wholeplace.auth.actor import Actor
from wholeplace.auth.model import User
from wholeplace.cases import gateway
from wholeplace.cases.model import Referral, ReferralConsent, Urgency
from wholeplace.cases.people import PersonDetails
from wholeplace.db import make_engine, normalise_url, session_factory
from wholeplace.decisions import service as decisions
from wholeplace.decisions.model import Decision, DecisionStatus
from wholeplace.decisions.service import DecisionIn, RecommendationIn
from wholeplace.funds import engine as funds_engine
from wholeplace.funds import ledger
from wholeplace.funds.model import Fund, LedgerTransaction, Posting
from wholeplace.linkage.model import LinkageRecord, LinkageRun
from wholeplace.models import import_all_models
from wholeplace.money import FinancialYear, Money
from wholeplace.outcomes import schemes
from wholeplace.outcomes.model import ClaimLineRecord, ClaimRecord
from wholeplace.outcomes.periods import Period
from wholeplace.partners import service as partners_service
from wholeplace.partners.model import Organisation

ROOT = Path(__file__).resolve().parents[2]
STARTED = "crash-harness: transaction begun"
DONE = "crash-harness: committed"
CONSOLE = Actor.console()
Params = dict[str, Any]


class Found(StrEnum):
    WHOLE = "whole"
    ABSENT = "absent"
    PARTIAL = "partial"


class HarnessError(RuntimeError):
    """The harness itself failed (the child died on its own, or never began): not a finding about the app."""


@dataclass(frozen=True)
class Operation:
    """One operation to kill: `prepare` runs in the parent (committed), `work` in the child in one transaction,
    `found` in the parent after the kill, saying whether the work is whole, absent or partial, and why."""

    name: str
    prepare: Callable[[Session, int], Params]
    work: Callable[[Session, Params], None]
    found: Callable[[Session, Params], tuple[Found, str]]


def _audited(session: Session, action: str, **detail: object) -> int:
    """How many audit entries of this action carry every item of `detail`."""
    entries = session.scalars(select(AuditEntry.detail).where(AuditEntry.action == action))
    return sum(1 for raw in entries if all(json.loads(raw).get(key) == value for key, value in detail.items()))


def _verdict(parts: dict[str, bool]) -> tuple[Found, str]:
    """Whole when every part is there, absent when none is, partial (naming what is there) otherwise."""
    if all(parts.values()):
        return Found.WHOLE, ""
    if not any(parts.values()):
        return Found.ABSENT, ""
    return Found.PARTIAL, "present: " + ", ".join(name for name, there in parts.items() if there)


# A large partner import: all N partners and the import's audit entry, or none of them.
PARTNER_FILE = "crash-partners.csv"


def partners_csv(rows: int) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["identifier", "name", "kind", "parent_identifier", "area_code"])
    for number in range(1, rows + 1):
        parent = "XI-CRASH-00001" if number > 1 else ""
        writer.writerow([f"XI-CRASH-{number:05d}", f"Crash Test Partner {number}", "voluntary_sector", parent, ""])
    return buffer.getvalue()


def _import_partners(session: Session, params: Params) -> None:
    partners_service.import_organisations(session, CONSOLE, text=partners_csv(params["rows"]), filename=PARTNER_FILE)


def _partners_found(session: Session, params: Params) -> tuple[Found, str]:
    imported = session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.identifier.like("XI-CRASH-%"))
    )
    return _verdict(
        {
            "some partners": bool(imported),
            f"all {params['rows']} partners": imported == params["rows"],
            "the audit entry": _audited(session, "organisations.imported", filename=PARTNER_FILE) == 1,
        }
    )


# An allocation approval: the decision approved with one ledger transaction per recommendation, or still a
# draft with none.
def _draft_allocation(session: Session, size: int) -> Params:
    fund = session.scalars(select(Fund).where(Fund.code == "wecb-2013-14")).one()
    contributor = "Police and Crime Commissioner for Essex"
    recommendations = [
        RecommendationIn(
            f"9.{number}",
            f"Allocation {number} of the crash test",
            Money(100 + number),
            f"Contributions:{contributor}",
            "Pool:Unallocated",
            FinancialYear(2013),
            None,
        )
        for number in range(1, size + 1)
    ]
    decision = decisions.draft_decision(
        session,
        CONSOLE,
        fund_id=fund.id,
        draft=DecisionIn(
            reference="CRASH/1",
            title="Crash test allocation",
            report_date=FinancialYear(2013).starts,
            author="Reliability test",
            decision_maker=contributor,
            recommendations=recommendations,
        ),
    )
    decider = session.scalars(select(User).where(User.email == "decision.maker@demo.wholeplace.test")).one()
    return {"decision_id": decision.id, "recommendations": size, "decider": decider.id}


def _approve(session: Session, params: Params) -> None:
    decider = session.get(User, params["decider"])
    assert decider is not None
    # decided on its report's day in 2013: long past any call-in period, so its money posts at once
    signature = decisions.Signature(decided_on=FinancialYear(2013).starts)
    decisions.approve_decision(session, Actor.of(decider), decision_id=params["decision_id"], signature=signature)


def _approval_found(session: Session, params: Params) -> tuple[Found, str]:
    decision = session.get(Decision, params["decision_id"])
    assert decision is not None
    posted = session.scalar(
        select(func.count()).select_from(LedgerTransaction).where(LedgerTransaction.decision_id == decision.id)
    )
    return _verdict(
        {
            "approved": decision.status is DecisionStatus.APPROVED,
            "some postings": bool(posted),
            f"all {params['recommendations']} transactions": posted == params["recommendations"],
            "the audit entry": _audited(session, "decision.approved", reference="CRASH/1") == 1,
        }
    )


# A business case save: the new version (its file and its figures) and its audit entry, or neither.
def _case_to_save(session: Session, size: int) -> Params:
    business_case = session.scalars(select(BusinessCase).order_by(BusinessCase.id)).first()
    assert business_case is not None, "the demo has a business case"
    return {"case_id": business_case.id, "based_on": business_case.current.number}


def _edited(source: str) -> str:
    return source + "\n# saved again by the crash test\n"


def _save_case(session: Session, params: Params) -> None:
    current = session.get(BusinessCase, params["case_id"])
    assert current is not None
    appraisal_service.save_version(
        session,
        CONSOLE,
        case_id=params["case_id"],
        source=_edited(current.current.source),
        based_on=params["based_on"],
        note="crash test",
    )


def _case_found(session: Session, params: Params) -> tuple[Found, str]:
    number = params["based_on"] + 1
    version = session.scalars(
        select(BusinessCaseVersion).where(
            BusinessCaseVersion.business_case_id == params["case_id"], BusinessCaseVersion.number == number
        )
    ).one_or_none()
    previous = session.scalars(
        select(BusinessCaseVersion).where(
            BusinessCaseVersion.business_case_id == params["case_id"],
            BusinessCaseVersion.number == params["based_on"],
        )
    ).one()
    return _verdict(
        {
            "the version": version is not None,
            "its file": version is not None and version.source == _edited(previous.source),
            "its figures": version is not None and version.pv_costs_pence == previous.pv_costs_pence,
            "the audit entry": _audited(session, "business_case.version_saved", version=number) == 1,
        }
    )


# A referral: the referral, the person it names and its audit entry, or none of them.
REFERRER = "Crash Test Referrer"


def _referrer(session: Session, size: int) -> Params:
    user = session.scalars(select(User).where(User.email == "key.worker@demo.wholeplace.test")).one()
    return {"user_id": user.id}


def _refer(session: Session, params: Params) -> None:
    user = session.get(User, params["user_id"])
    assert user is not None
    gateway.record_referral(
        session,
        Actor.of(user),
        gateway.ReferralDetails(
            referrer=REFERRER,
            reason="Concern for welfare, raised by the crash test",
            concerns="",
            consent=ReferralConsent.NOT_ASKED,
            urgency=Urgency.ROUTINE,
            person=PersonDetails(given_name="Crash", family_name="Testperson"),
        ),
    )


def _referral_found(session: Session, params: Params) -> tuple[Found, str]:
    referral = session.scalars(select(Referral).where(Referral.referrer == REFERRER)).one_or_none()
    people = session.scalar(text("SELECT count(*) FROM people WHERE family_name = 'Testperson'"))
    audited = referral is not None and _audited(session, "referral.received", reference=referral.reference) == 1
    return _verdict({"the referral": referral is not None, "the person": people == 1, "the audit entry": audited})


# A linkage run: the run recorded with every pending record linked and its audit entry, or no run and the
# records still pending.
def _pending_records(session: Session, size: int) -> Params:
    ids = list(session.scalars(select(LinkageRecord.id).order_by(LinkageRecord.id).limit(size)))
    session.execute(update(LinkageRecord).where(LinkageRecord.id.in_(ids)).values(pending=True))
    runs = session.scalar(select(func.count()).select_from(LinkageRun)) or 0
    analyst = session.scalars(select(User).where(User.email == "analyst@demo.wholeplace.test")).one()
    return {"records": ids, "runs_before": runs, "analyst": analyst.id}


def _run_linkage(session: Session, params: Params) -> None:
    from wholeplace.linkage import index  # splink: only the child that links pays for importing it

    analyst = session.get(User, params["analyst"])
    assert analyst is not None
    index.run(session, Actor.of(analyst))


def _linkage_found(session: Session, params: Params) -> tuple[Found, str]:
    runs = session.scalars(select(LinkageRun).order_by(LinkageRun.id).offset(params["runs_before"])).all()
    pending = session.scalar(
        select(func.count())
        .select_from(LinkageRecord)
        .where(LinkageRecord.id.in_(params["records"]), LinkageRecord.pending.is_(True))
    )
    run = runs[0] if runs else None
    return _verdict(
        {
            "the run": run is not None,
            "its records linked": pending == 0,
            "its count": run is not None and run.records_linked == len(params["records"]),
            "the audit entry": run is not None
            and _audited(session, "linkage.run", records_linked=run.records_linked) >= 1,
        }
    )


# A payment-by-results claim: the claim with every line its audit entry counts, or no claim at all.
CLAIM_PERIOD = "2026/27 Q1"


def _claim_period(session: Session, size: int) -> Params:
    return {"scheme": "families-pbr", "period": CLAIM_PERIOD}


def _claim(session: Session, params: Params) -> None:
    finance = session.scalars(select(User).where(User.email == "finance@demo.wholeplace.test")).one()
    period = Period.parse(params["period"])
    schemes.make_claim(session, Actor.of(finance), scheme_code=params["scheme"], period=period)


def _claim_found(session: Session, params: Params) -> tuple[Found, str]:
    period = Period.parse(params["period"])
    claim = session.scalars(
        select(ClaimRecord).where(ClaimRecord.period_start == period.starts, ClaimRecord.period_kind == period.kind)
    ).one_or_none()
    lines = (
        session.scalar(select(func.count()).select_from(ClaimLineRecord).where(ClaimLineRecord.claim_id == claim.id))
        if claim is not None
        else 0
    )
    audited = claim is not None and _audited(session, "claim.computed", period=str(period), lines=lines) == 1
    return _verdict({"the claim": claim is not None, "its lines": bool(lines), "the audit entry": audited})


OPERATIONS: dict[str, Operation] = {
    operation.name: operation
    for operation in (
        Operation("partner import", lambda session, size: {"rows": size}, _import_partners, _partners_found),
        Operation("allocation approval", _draft_allocation, _approve, _approval_found),
        Operation("business case save", _case_to_save, _save_case, _case_found),
        Operation("referral", _referrer, _refer, _referral_found),
        Operation("linkage run", _pending_records, _run_linkage, _linkage_found),
        Operation("claim", _claim_period, _claim, _claim_found),
    )
}
# How big each operation's input is, for the bench (the test may pass smaller ones).
FULL_SIZES = {
    "partner import": 5000,
    "allocation approval": 200,
    "business case save": 1,
    "referral": 1,
    "linkage run": 500,
    "claim": 1,
}


def books_problems(session: Session) -> list[str]:
    """Every fund whose trial balance is not zero, every transaction that does not balance, any chain break."""
    problems = []
    for fund in session.scalars(select(Fund)):
        _lines, difference = funds_engine.trial_balance(ledger.balances(session, fund.id))
        if difference.pence:
            problems.append(f"fund {fund.code}: trial balance is out by {difference}")
    unbalanced = session.scalars(
        select(Posting.transaction_id).group_by(Posting.transaction_id).having(func.sum(Posting.amount_pence) != 0)
    ).all()
    problems += [f"ledger transaction {number} does not balance" for number in unbalanced]
    if (chain_break := audit.verify(session)) is not None:
        problems.append(f"audit chain: {chain_break}")
    return problems


class Databases(Protocol):
    """Fresh copies of a database holding the demo, one per attempt."""

    kind: str

    def fresh(self, label: str) -> str: ...

    def settle(self, url: str) -> None: ...

    def drop(self, url: str) -> None: ...


@dataclass
class SqliteCopies:
    template: Path
    directory: Path
    kind: str = "SQLite"

    def fresh(self, label: str) -> str:
        path = self.directory / f"crash-{label}.db"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def settle(self, url: str) -> None:
        """Nothing to wait for: the killed process held the only connection, and its lock died with it."""

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@dataclass
class PostgresCopies:
    admin_url: str
    template: str  # a database holding the demo, with no connections
    kind: str = "PostgreSQL"

    def _admin(self) -> Engine:
        return create_engine(make_url(normalise_url(self.admin_url)), isolation_level="AUTOCOMMIT")

    def fresh(self, label: str) -> str:
        name = f"{self.template}_crash_{label}".replace(" ", "_")[:63]
        admin = self._admin()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        admin.dispose()
        return make_url(normalise_url(self.admin_url)).set(database=name).render_as_string(hide_password=False)

    def settle(self, url: str) -> None:
        """Wait until the server has noticed the killed client and ended its backend (so its transaction is
        over, committed or rolled back) before looking."""
        admin = self._admin()
        deadline = time.monotonic() + 30
        with admin.connect() as connection:
            while connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": make_url(url).database},
            ):
                if time.monotonic() > deadline:
                    raise HarnessError(f"the killed client's backend on {make_url(url).database} did not end")
                time.sleep(0.02)
        admin.dispose()

    def drop(self, url: str) -> None:
        admin = self._admin()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        admin.dispose()


@dataclass
class Tally:
    """What the kills of one operation on one database found."""

    operation: str
    database: str
    kills: int = 0
    whole: int = 0
    absent: int = 0
    partial: int = 0
    measured_seconds: float = 0.0  # the operation run to its end once, from its transaction's start to commit
    seconds: float = 0.0  # the whole run: copies, children, kills and checks
    faults: list[str] = field(default_factory=list)  # partial operations and broken books, with reasons

    def add(self, found: Found, reason: str, books: list[str]) -> None:
        self.kills += 1
        if found is Found.WHOLE:
            self.whole += 1
        elif found is Found.ABSENT:
            self.absent += 1
        else:
            self.partial += 1
            self.faults.append(f"partial ({reason})")
        self.faults += books


CHILD = "from tests.reliability.crash import child; child()"


class Child:
    """A child interpreter for one operation, started ahead (it imports while the parent copies a database) and
    told its database and parameters on standard input; its standard error goes to a file (splink is chatty)."""

    def __init__(self, operation: Operation) -> None:
        self.operation = operation
        self.errors = tempfile.TemporaryFile("w+")  # noqa: SIM115  (lives as long as the child; closed by kill)
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, operation.name],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

    def begin(self, url: str, params: Params) -> None:
        """Send the work and wait until the child says its transaction has begun."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"url": url, "params": params}) + "\n")
        self.process.stdin.flush()
        if self.process.stdout.readline().strip() != STARTED:
            self.fail("never began its transaction")

    def wait_for_commit(self) -> None:
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != DONE:
            self.fail("ended without committing")

    def kill(self) -> None:
        """SIGKILL; a child that is no longer there to be killed is a fault of the harness, not a kill."""
        if self.process.poll() is not None:
            self.fail("died on its own before it was killed")
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.errors.close()

    def fail(self, what: str) -> NoReturn:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.errors.seek(0)
        message = f"{self.operation.name} {what} ({self.process.returncode}):\n{self.errors.read()[-3000:]}"
        self.errors.close()
        raise HarnessError(message)


def _prepared(databases: Databases, operation: Operation, label: str, size: int) -> tuple[str, Params]:
    url = databases.fresh(label)
    engine = make_engine(url)
    with unit_of_work(session_factory(engine)) as session:
        params = operation.prepare(session, size)
    engine.dispose()
    return url, params


def _inspect(operation: Operation, url: str, params: Params) -> tuple[Found, str, list[str]]:
    engine = make_engine(url)
    with session_factory(engine)() as session, session.begin():
        found, reason = operation.found(session, params)
        books = books_problems(session)
    engine.dispose()
    return found, reason, books


def run_kills(databases: Databases, name: str, *, kills: int, size: int, seed: int = 2026) -> Tally:
    """Run the operation to its end once (timing it, and checking it whole), then kill it `kills` times, each at
    a random moment between its transaction beginning and the time that took."""
    began = time.monotonic()
    operation = OPERATIONS[name]
    tally = Tally(name, databases.kind)
    randomness = random.Random(f"{seed}:{name}:{databases.kind}")
    children = [Child(operation)]
    try:
        _attempts(databases, operation, tally, children, kills, size, randomness)
    finally:
        for child in children:
            if child.process.poll() is None:  # a harness error left it waiting: it must not outlive the run
                child.process.send_signal(signal.SIGKILL)
                child.process.wait()
    tally.seconds = time.monotonic() - began
    return tally


def _attempts(
    databases: Databases,
    operation: Operation,
    tally: Tally,
    children: list[Child],
    kills: int,
    size: int,
    randomness: random.Random,
) -> None:
    label = operation.name.replace(" ", "_")
    for attempt in range(-1, kills):  # -1: the timed run to the end
        url, params = _prepared(databases, operation, f"{label}_{attempt + 1}", size)
        child = children[-1]
        try:
            child.begin(url, params)
            if attempt < 0:
                started = time.monotonic()
                child.wait_for_commit()
                tally.measured_seconds = time.monotonic() - started
            else:
                time.sleep(randomness.uniform(0, tally.measured_seconds))
            child.kill()
            if attempt + 1 < kills:
                children.append(Child(operation))  # importing while this attempt is checked and the next copied
            databases.settle(url)
            found, reason, books = _inspect(operation, url, params)
            if attempt < 0 and (found is not Found.WHOLE or books):
                raise HarnessError(f"{operation.name} run to its end is not whole: {found} {reason} {books}")
            if attempt >= 0:
                tally.add(found, reason, books)
        finally:
            databases.drop(url)


def child() -> None:
    """In the child interpreter: wait for the work, run it in one transaction saying when it begins and commits,
    then wait to be killed (so a kill after the commit is still a kill)."""
    operation = OPERATIONS[sys.argv[1]]
    import_all_models()
    if operation.name == "linkage run":
        from wholeplace.linkage import index  # noqa: F401  (splink loads before the work arrives)
    work = json.loads(sys.stdin.readline())
    engine = make_engine(work["url"])
    with unit_of_work(session_factory(engine)) as session:
        session.execute(select(1))  # the transaction has begun
        print(STARTED, flush=True)
        operation.work(session, work["params"])
    print(DONE, flush=True)
    sys.stdin.read()
