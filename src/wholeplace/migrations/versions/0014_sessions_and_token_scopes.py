"""Sessions with idle and absolute expiry, and API tokens with expiry and scopes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TOKEN_SCOPE = sa.Enum("read", "write", name="tokenscope", native_enum=False, length=10)


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("last_signed_in_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("scope", TOKEN_SCOPE, nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    # Sessions open now were last seen when they began; tokens made before scopes could write, so they keep
    # that, and expire a year after this upgrade (the longest a new token may last).
    op.execute("UPDATE web_sessions SET last_seen_at = created_at")
    tokens = sa.table(
        "api_tokens", sa.column("scope", TOKEN_SCOPE), sa.column("expires_at", sa.DateTime(timezone=True))
    )
    in_a_year = dt.datetime.now(dt.UTC) + dt.timedelta(days=365)
    op.execute(tokens.update().values(scope="write", expires_at=in_a_year))
    with op.batch_alter_table("users") as batch_op:
        batch_op.alter_column("must_change_password", server_default=None)
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=sa.DateTime(timezone=True), nullable=False)
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.alter_column("scope", existing_type=TOKEN_SCOPE, nullable=False)
        batch_op.alter_column("expires_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.drop_column("scope")
    with op.batch_alter_table("web_sessions") as batch_op:
        batch_op.drop_column("last_seen_at")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("last_signed_in_at")
        batch_op.drop_column("must_change_password")
