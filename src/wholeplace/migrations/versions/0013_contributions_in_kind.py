"""Contributions recorded in cash or in kind, with the basis of an in-kind valuation

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 20:40:00
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
