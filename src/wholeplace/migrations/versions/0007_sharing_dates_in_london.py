"""Row-level security judges an agreement's dates by the date in London, as sharing.access does, not by the date in
the connection's time zone (UTC on a default server), so the two lines of defence agree around midnight

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 14:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SEES_ORGANISATION = """
CREATE OR REPLACE FUNCTION wholeplace_sees_organisation(owner integer) RETURNS boolean LANGUAGE sql STABLE AS
$$ SELECT owner = wholeplace_organisation() OR EXISTS (
     SELECT 1 FROM sharing_agreement_parties mine
     JOIN sharing_agreement_parties theirs ON theirs.agreement_id = mine.agreement_id
     JOIN sharing_agreements agreement ON agreement.id = mine.agreement_id
     WHERE mine.organisation_id = wholeplace_organisation() AND theirs.organisation_id = owner
       AND agreement.starts_on <= {today} AND (agreement.ends_on IS NULL OR agreement.ends_on >= {today})) $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEES_ORGANISATION.format(today="(now() AT TIME ZONE 'Europe/London')::date"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEES_ORGANISATION.format(today="current_date"))
