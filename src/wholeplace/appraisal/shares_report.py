"""Who pays, who gains and fair shares, ready to show: JSON, Rich tables and the who-gains Sankey.

`shares_json` is what `wholeplace appraise CASE --shares --format json` prints (money as strings to the
penny); `shares_tables` are the tables it prints otherwise; `who_gains_sankey` is the Plotly figure for the
results page, drawn with the funds Sankey's layout (pounds as floats, for drawing only, never for sums).
The figures come from `shares.py`; formulas: docs/appraisal-shares.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.markup import escape
from rich.table import Table

from wholeplace import figures
from wholeplace.appraisal.results import Appraisal
from wholeplace.appraisal.shares import (
    Basis,
    FairShares,
    Proposal,
    Rule,
    WhoPaysWhoGains,
    fair_shares,
    who_pays_who_gains,
)
from wholeplace.money import Money

ATTRIBUTION = "Each partner's benefits are attributed to the payers in proportion to what each pays"
RULE_TITLES = {
    Rule.PROPORTIONAL: "Fair shares in proportion to benefits",
    Rule.SHAPLEY: "Fair shares by Shapley value",
}
RULE_CAPTIONS = {
    Rule.PROPORTIONAL: "Each partner contributes the cost times its share of the benefits counted",
    Rule.SHAPLEY: "Each partner keeps its Shapley value of the surplus (Shapley 1953) and contributes the rest",
}


@dataclass(frozen=True)
class BasisWords:
    """How the tables name the benefits a basis counts."""

    title: str  # after the rule's title
    caption: str
    gains: str  # the gains column's heading
    benefits: str  # in "the benefits fall £20.00 short"


BASIS_WORDS = {
    Basis.ALL: BasisWords("", "Benefits of every kind count, for every partner (issue 4)", "Gains", "benefits"),
    Basis.FISCAL: BasisWords(
        ", counting fiscal benefits only",
        "Only fiscal benefits count, cashable and non-cashable: the money that lands in each partner's budget",
        "Fiscal gains",
        "fiscal benefits",
    ),
}
# GOV.UK colours (design-system.service.gov.uk/styles/colour): partners blue, gains green, a loss red.


# JSON


def shares_json(appraisal: Appraisal, *, basis: Basis = Basis.ALL) -> dict[str, object]:
    """Who pays, who gains (all benefits) and both fair-share proposals on `basis`; money as strings to the
    penny."""
    matrix = who_pays_who_gains(appraisal)
    shares = fair_shares(appraisal, basis=basis)
    return {"who_pays_who_gains": _matrix_json(matrix), "fair_shares": _fair_shares_json(shares)}


def _matrix_json(matrix: WhoPaysWhoGains) -> dict[str, object]:
    losing = set(matrix.losing_partners)
    return {
        "attribution": ATTRIBUTION,
        "npv_total": matrix.npv_total.plain(),
        "partners": [
            {
                "partner": position.partner,
                "pays": position.pv_costs.plain(),
                "gains": position.pv_benefits.plain(),
                "net": position.net.plain(),
                "benefits_bought": bought.plain(),
                "loses_on_a_good_case": position.partner in losing,
            }
            for position, bought in zip(matrix.positions, matrix.bought, strict=True)
        ],
        "matrix": [
            {
                "payer": payer,
                "to": {beneficiary: cell.plain() for beneficiary, cell in zip(matrix.partners, row, strict=True)},
            }
            for payer, row in zip(matrix.partners, matrix.cells, strict=True)
        ],
        "losing_partners": list(matrix.losing_partners),
    }


def _fair_shares_json(shares: FairShares) -> dict[str, object]:
    return {
        "basis": shares.basis.value,
        "cost": shares.cost.plain(),
        "benefits": shares.benefits.plain(),
        "shortfall": shares.shortfall.plain(),
        "leaves_everyone_whole": shares.shortfall.pence == 0,
        Rule.PROPORTIONAL.value: _proposal_json(shares.proportional),
        Rule.SHAPLEY.value: _proposal_json(shares.shapley) if shares.shapley else None,
        "shapley_refused": shares.shapley_refused.message if shares.shapley_refused else None,
    }


def _proposal_json(proposal: Proposal) -> list[dict[str, str]]:
    return [
        {
            "partner": share.partner,
            "benefits": share.benefits.plain(),
            "current": share.current.plain(),
            "contribution": share.contribution.plain(),
            "net": share.net.plain(),
            "transfer": share.transfer.plain(),
        }
        for share in proposal.shares
    ]


# Rich tables


def shares_tables(appraisal: Appraisal, *, basis: Basis = Basis.ALL) -> list[Table]:
    """Every table `wholeplace appraise CASE --shares` prints, in order: the matrix (all benefits), then each
    proposal on `basis`."""
    shares = fair_shares(appraisal, basis=basis)
    tables = [who_pays_table(who_pays_who_gains(appraisal))]
    tables += [fair_shares_table(proposal, shares) for proposal in (shares.proportional, shares.shapley) if proposal]
    return tables


def who_pays_table(matrix: WhoPaysWhoGains) -> Table:
    """Payers down, beneficiaries across; each partner's pays, gains and net at the right, losses in red."""
    losing = set(matrix.losing_partners)
    table = Table(
        "Paid by ↓  gains to →",
        *(escape(partner) for partner in matrix.partners),
        "Benefits bought",
        "Pays",
        "Gains",
        "Net",
        title="Who pays, who gains (present values)",
        caption=_who_pays_caption(matrix),
        show_footer=True,
    )
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    received = [Money.total(row[j] for row in matrix.cells) for j in range(len(matrix.positions))]
    totals = [*received, Money.total(matrix.bought), *_totals(matrix)]
    table.columns[0].footer = "Total"
    for column, total in zip(table.columns[1:], totals, strict=True):
        column.footer = str(total)
    for position, bought, row in zip(matrix.positions, matrix.bought, matrix.cells, strict=True):
        style = "bold red" if position.partner in losing else None
        amounts = [str(cell) for cell in row] + [str(bought), str(position.pv_costs), str(position.pv_benefits)]
        table.add_row(escape(position.partner), *amounts, position.net.signed(), style=style)
    return table


def _totals(matrix: WhoPaysWhoGains) -> tuple[Money, Money, Money]:
    pays = Money.total(position.pv_costs for position in matrix.positions)
    gains = Money.total(position.pv_benefits for position in matrix.positions)
    return pays, gains, gains - pays


def _who_pays_caption(matrix: WhoPaysWhoGains) -> str:
    caption = f"{ATTRIBUTION}."
    if matrix.losing_partners:
        names = ", ".join(escape(partner) for partner in matrix.losing_partners)
        caption += f" [bold red]Out of pocket on a case that is good for the place: {names}[/bold red]"
    return caption


def fair_shares_table(proposal: Proposal, shares: FairShares) -> Table:
    """One proposal: each partner's benefits counted, what it pays now, its contribution, the transfer and its
    net."""
    words = BASIS_WORDS[shares.basis]
    table = Table(
        "Partner",
        words.gains,
        "Pays now",
        "Contributes",
        "Transfer",
        "Net",
        title=f"{RULE_TITLES[proposal.rule]}{words.title}: {shares.cost} to share",
        caption=_fair_shares_caption(proposal, shares),
        show_footer=True,
    )
    for column in table.columns[1:]:
        column.justify, column.no_wrap = "right", True
    totals = (shares.benefits, shares.cost, shares.cost, Money(0), shares.benefits - shares.cost)
    table.columns[0].footer = "Total"
    for column, total in zip(table.columns[1:], totals, strict=True):
        column.footer = str(total)
    for share in proposal.shares:
        style = "bold red" if share.net.pence < 0 else None
        amounts = (str(share.benefits), str(share.current), str(share.contribution), share.transfer.signed())
        table.add_row(escape(share.partner), *amounts, share.net.signed(), style=style)
    return table


def _fair_shares_caption(proposal: Proposal, shares: FairShares) -> str:
    words = BASIS_WORDS[shares.basis]
    caption = (
        f"{RULE_CAPTIONS[proposal.rule]}. {words.caption}. A transfer above zero is paid in; below zero, paid back."
    )
    if shares.shortfall.pence > 0:
        caption += (
            f" [bold red]The {words.benefits} fall {shares.shortfall} short of the cost, so no rule can leave every"
            " partner whole.[/bold red]"
        )
    if proposal.rule is Rule.PROPORTIONAL and shares.shapley_refused:
        caption += f" No Shapley proposal: {escape(shares.shapley_refused.message)}."
    return caption


# The who-gains Sankey


@dataclass(frozen=True)
class Side:
    """A partner on one side of the chart: as a payer (left) or as a beneficiary (right)."""

    partner: str
    gains: bool


def who_gains_sankey(appraisal: Appraisal, *, title: str = "") -> dict[str, Any]:
    """The who-pays matrix as a Plotly Sankey figure dict: payers on the left, beneficiaries on the right.

    A link is the part of a beneficiary's gains bought by a payer's money; a payer's node is as tall as
    all it buys. Partners out of pocket on a case that is good for the place are red on both sides.
    """
    matrix = who_pays_who_gains(appraisal)
    losing = set(matrix.losing_partners)
    positions = {position.partner: position for position in matrix.positions}
    links = [
        figures.Link(Side(payer, gains=False), Side(beneficiary, gains=True), cell)
        for payer, row in zip(matrix.partners, matrix.cells, strict=True)
        for beneficiary, cell in zip(matrix.partners, row, strict=True)
        if cell.pence > 0
    ]
    payers = list(dict.fromkeys(link.source for link in links))
    beneficiaries = list(dict.fromkeys(link.target for link in links))

    def label(node: Side) -> str:
        position = positions[node.partner]
        amount = f"gains {position.pv_benefits}" if node.gains else f"pays {position.pv_costs}"
        loss = f"<br>net {position.net}" if node.partner in losing else ""
        return f"{figures.escaped(node.partner)}<br>{amount}{loss}"

    def colour(node: Side) -> str:
        if node.partner in losing:
            return figures.RED
        return figures.GREEN if node.gains else figures.BLUE

    def hover(link: figures.Link[Side]) -> str:
        payer, beneficiary = figures.escaped(link.source.partner), figures.escaped(link.target.partner)
        return f"{payer} pays for {link.amount} of {beneficiary}'s gains"

    return figures.sankey([payers, beneficiaries], links, label=label, colour=colour, link_hover=hover, title=title)
