"""The index's match and review rates by agency and by group, read from the database for the overview page."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from wholeplace.linkage.index import source_record
from wholeplace.linkage.model import LinkagePair, LinkageRecord
from wholeplace.linkage.quality import Outcome, Rate, by_agency, by_group
from wholeplace.linkage.review import organisation_names, queue_condition


def quality(session: Session) -> tuple[list[Rate], list[Rate]]:
    """(rates by source agency, rates by group) over every linked record of the index."""
    records = session.scalars(select(LinkageRecord).where(LinkageRecord.person_id.is_not(None))).all()
    sizes = dict(session.execute(select(LinkageRecord.person_id, func.count()).group_by(LinkageRecord.person_id)).all())
    in_review: set[int] = set()
    for left, right in session.execute(
        select(LinkagePair.record_l_id, LinkagePair.record_r_id).where(queue_condition(session))
    ):
        in_review.update((left, right))
    names = organisation_names(session, {record.organisation_id for record in records})
    outcomes = [
        Outcome(
            f"{names[record.organisation_id]} ({record.source})",
            source_record(record).person,
            sizes.get(record.person_id, 1) > 1,
            record.id in in_review,
        )
        for record in records
    ]
    return by_agency(outcomes), by_group(outcomes)
