"""the kinds of a delegate's action are reference data, listed with their labels like the
others

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTION_KINDS = [
    ("meeting", "Entretien", "Meeting", "Gespräch"),
    ("call", "Appel téléphonique", "Phone call", "Telefonat"),
    ("advice", "Conseil", "Advice", "Beratung"),
    ("email", "Courriel", "E-mail", "E-Mail"),
    ("visit", "Visite sur place", "On-site visit", "Besuch vor Ort"),
    ("other", "Autre", "Other", "Andere"),
]


def upgrade() -> None:
    table = op.create_table(
        "action_kinds",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label_fr", sa.String(length=300), nullable=False),
        sa.Column("label_en", sa.String(length=300), nullable=False),
        sa.Column("label_de", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_action_kinds")),
    )
    op.bulk_insert(
        table,
        [
            {"code": code, "label_fr": fr, "label_en": en, "label_de": de, "position": position}
            for position, (code, fr, en, de) in enumerate(ACTION_KINDS, start=1)
        ],
    )


def downgrade() -> None:
    op.drop_table("action_kinds")
