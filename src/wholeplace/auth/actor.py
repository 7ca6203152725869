"""Who is acting, and what their roles let them do.

Every service function takes an `Actor` first and checks permission itself: `allowed` answers
yes or no, `require` raises `AccessRefused` (and the refusal is audited by the unit of work).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from wholeplace.auth.model import Role, User
from wholeplace.problems import AccessRefused, Refusal

EVERYONE = frozenset(Role)

# Action -> roles that may do it. Organisation scope for case records comes with `sharing`.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "partners.view": EVERYONE,
    "partners.edit": frozenset({Role.ADMIN}),
    "users.view": frozenset({Role.ADMIN}),
    "users.manage": frozenset({Role.ADMIN}),
    "audit.view": frozenset({Role.ADMIN}),
    "funds.view": EVERYONE,
    "funds.manage": frozenset({Role.ADMIN, Role.FINANCE}),
    "funds.spend": frozenset({Role.FINANCE}),
    # posting happens only inside an approval, a spend or a reversal, each checked for its own role first
    "funds.post": frozenset({Role.DECISION_MAKER, Role.FINANCE, Role.ADMIN}),
    "decisions.view": EVERYONE,
    "decisions.draft": frozenset({Role.ADMIN, Role.FINANCE, Role.PROGRAMME}),
    "decisions.decide": frozenset({Role.DECISION_MAKER}),
    # scrutiny members calling a decision in (and recording the outcome) are viewers of the fund's papers
    "decisions.call_in": frozenset({Role.ADMIN, Role.DECISION_MAKER, Role.VIEWER}),
    # posting an approved decision's money once its call-in period is over
    "decisions.post": frozenset({Role.ADMIN, Role.FINANCE, Role.DECISION_MAKER}),
    "meetings.manage": frozenset({Role.ADMIN, Role.FINANCE, Role.PROGRAMME}),
    "business_cases.view": EVERYONE,
    "business_cases.edit": frozenset({Role.ADMIN, Role.FINANCE, Role.PROGRAMME, Role.ANALYST}),
    # the data and intelligence hub: importing extracts, linking, and ruling on links (records by `sharing`)
    "linkage.manage": frozenset({Role.ANALYST}),
    # the outcomes framework: everyone reads it; performance staff define it and record figures
    "outcomes.view": EVERYONE,
    "outcomes.manage": frozenset({Role.ADMIN, Role.PROGRAMME, Role.ANALYST}),
    "outcomes.measure": frozenset({Role.ADMIN, Role.PROGRAMME, Role.ANALYST}),
    "outcomes.returns": frozenset({Role.ADMIN, Role.PROGRAMME, Role.FINANCE}),
    "outcomes.claims": frozenset({Role.FINANCE, Role.PROGRAMME}),
    "outcomes.schemes": frozenset({Role.ADMIN, Role.FINANCE, Role.PROGRAMME}),
    # a claim's lines name families and people by reference: the officers who make, check and approve claims
    "outcomes.claim_lines": frozenset({Role.ADMIN, Role.FINANCE, Role.PROGRAMME, Role.ANALYST, Role.DECISION_MAKER}),
    # section 75 agreements: everyone reads them; the host's finance staff record them, receipts and settlements
    "section75.view": EVERYONE,
    "section75.manage": frozenset({Role.ADMIN, Role.FINANCE}),
}


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    organisation_id: int | None
    roles: frozenset[Role]

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.id, user.email, user.organisation_id, user.roles)

    @classmethod
    def console(cls) -> Actor:
        """The operator at the server's console, who already holds the database's keys."""
        return cls(None, f"console:{getpass.getuser()}", None, frozenset({Role.ADMIN}))

    @classmethod
    def anonymous(cls, label: str = "anonymous") -> Actor:
        return cls(None, label, None, frozenset())


def allowed(actor: Actor, action: str) -> bool:
    return bool(actor.roles & PERMISSIONS[action])


def require(actor: Actor, action: str, *, object_type: str | None = None, object_id: object = None) -> None:
    """Raise `AccessRefused` unless the actor's roles allow the action."""
    if allowed(actor, action):
        return
    needed = ", ".join(sorted(PERMISSIONS[action]))
    reason = f"Only a user with the role {needed} can do this"
    raise AccessRefused(
        reason,
        Refusal(actor, action, object_type, None if object_id is None else str(object_id), reason),
    )
