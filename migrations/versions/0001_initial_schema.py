"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 20:30:53.622704+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("parent_code", sa.String(length=40), nullable=True),
        sa.Column("is_official", sa.Boolean(), nullable=False),
        sa.Column("bps_code", sa.String(length=20), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["parent_code"], ["areas.code"], name=op.f("fk_areas_parent_code")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_areas")),
    )
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_areas_parent_code"), ["parent_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_areas_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "organizations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("acronym", sa.String(length=40), nullable=True),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_organizations_area_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organizations_area_code"), ["area_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organizations_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "participants",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("gender", sa.String(length=16), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("group_type", sa.String(length=60), nullable=True),
        sa.Column("consent_given", sa.Boolean(), nullable=False),
        sa.Column("consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_basis", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_participants_area_code")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_participants")),
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_participants_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_participants_gender"), ["gender"], unique=False)
        batch_op.create_index(batch_op.f("ix_participants_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_participants_updated_at"), ["updated_at"], unique=False
        )
        batch_op.create_index(
            "uq_participants_nik_live",
            ["nik"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )

    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"], ["participants.id"], name=op.f("fk_group_members_group_id")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["participants.id"], name=op.f("fk_group_members_member_id")
        ),
        sa.PrimaryKeyConstraint("group_id", "member_id", name=op.f("pk_group_members")),
    )
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_members_member_id"), ["member_id"], unique=False)

    op.create_table(
        "infrastructure_projects",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=True),
        sa.Column("project_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("location", sa.JSON(), nullable=True),
        sa.Column("budget_idr", sa.BigInteger(), nullable=True),
        sa.Column("funding_sources", sa.JSON(), nullable=False),
        sa.Column("implementing_organization_id", sa.Uuid(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("progress_percent", sa.Integer(), nullable=False),
        sa.Column("beneficiaries_count", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["implementing_organization_id"],
            ["organizations.id"],
            name=op.f("fk_infrastructure_projects_implementing_organization_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infrastructure_projects")),
    )
    with op.batch_alter_table("infrastructure_projects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_infrastructure_projects_implementing_organization_id"),
            ["implementing_organization_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_infrastructure_projects_project_type"), ["project_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_infrastructure_projects_status"), ["status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_infrastructure_projects_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "programs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lead_organization_id", sa.Uuid(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("budget_idr", sa.BigInteger(), nullable=True),
        sa.Column("target_participants", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_organization_id"],
            ["organizations.id"],
            name=op.f("fk_programs_lead_organization_id"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
    )
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_programs_category"), ["category"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_programs_lead_organization_id"), ["lead_organization_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_programs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_programs_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "consultations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("location_name", sa.String(length=200), nullable=True),
        sa.Column("participants_count", sa.Integer(), nullable=False),
        sa.Column("women_count", sa.Integer(), nullable=False),
        sa.Column("summary", sa.String(length=5000), nullable=True),
        sa.Column("decisions", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["infrastructure_projects.id"], name=op.f("fk_consultations_project_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultations_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultations_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "contributions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=True),
        sa.Column("contributed_on", sa.Date(), nullable=True),
        sa.Column("contributors_count", sa.Integer(), nullable=True),
        sa.Column("person_days", sa.Float(), nullable=True),
        sa.Column("value_idr", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["infrastructure_projects.id"], name=op.f("fk_contributions_project_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributions")),
    )
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contributions_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contributions_project_id"), ["project_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contributions_updated_at"), ["updated_at"], unique=False
        )

    op.create_table(
        "enrollments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("participant_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("enrolled_on", sa.Date(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("baseline_monthly_income_idr", sa.BigInteger(), nullable=True),
        sa.Column("latest_monthly_income_idr", sa.BigInteger(), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["participants.id"], name=op.f("fk_enrollments_participant_id")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_enrollments_program_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrollments_participant_id"), ["participant_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_enrollments_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollments_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrollments_updated_at"), ["updated_at"], unique=False)
        batch_op.create_index(
            "uq_enrollments_program_participant_live",
            ["program_id", "participant_id"],
            unique=True,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("program_id", sa.Uuid(), nullable=True),
        sa.Column("infrastructure_project_id", sa.Uuid(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("comment", sa.String(length=5000), nullable=True),
        sa.Column("area_code", sa.String(length=40), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("client_ref", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response_note", sa.String(length=5000), nullable=True),
        sa.CheckConstraint(
            "(program_id IS NULL) <> (infrastructure_project_id IS NULL)",
            name=op.f("ck_feedback_one_subject"),
        ),
        sa.ForeignKeyConstraint(["area_code"], ["areas.code"], name=op.f("fk_feedback_area_code")),
        sa.ForeignKeyConstraint(
            ["infrastructure_project_id"],
            ["infrastructure_projects.id"],
            name=op.f("fk_feedback_infrastructure_project_id"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_feedback_program_id")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_area_code"), ["area_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_client_ref"), ["client_ref"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_feedback_infrastructure_project_id"),
            ["infrastructure_project_id"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_feedback_program_id"), ["program_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "infrastructure_project_areas",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_infrastructure_project_areas_area_code")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["infrastructure_projects.id"],
            name=op.f("fk_infrastructure_project_areas_project_id"),
        ),
        sa.PrimaryKeyConstraint(
            "project_id", "area_code", name=op.f("pk_infrastructure_project_areas")
        ),
    )
    with op.batch_alter_table("infrastructure_project_areas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_infrastructure_project_areas_area_code"), ["area_code"], unique=False
        )

    op.create_table(
        "program_areas",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("area_code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_code"], ["areas.code"], name=op.f("fk_program_areas_area_code")
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_program_areas_program_id")
        ),
        sa.PrimaryKeyConstraint("program_id", "area_code", name=op.f("pk_program_areas")),
    )
    with op.batch_alter_table("program_areas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_program_areas_area_code"), ["area_code"], unique=False)

    op.create_table(
        "program_partners",
        sa.Column("program_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_program_partners_organization_id"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"], ["programs.id"], name=op.f("fk_program_partners_program_id")
        ),
        sa.PrimaryKeyConstraint(
            "program_id", "organization_id", "role", name=op.f("pk_program_partners")
        ),
    )
    with op.batch_alter_table("program_partners", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_program_partners_organization_id"), ["organization_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("program_partners", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_partners_organization_id"))

    op.drop_table("program_partners")
    with op.batch_alter_table("program_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_program_areas_area_code"))

    op.drop_table("program_areas")
    with op.batch_alter_table("infrastructure_project_areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_infrastructure_project_areas_area_code"))

    op.drop_table("infrastructure_project_areas")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_updated_at"))
        batch_op.drop_index(batch_op.f("ix_feedback_status"))
        batch_op.drop_index(batch_op.f("ix_feedback_program_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_infrastructure_project_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_client_ref"))
        batch_op.drop_index(batch_op.f("ix_feedback_area_code"))

    op.drop_table("feedback")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_enrollments_program_participant_live",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_enrollments_updated_at"))
        batch_op.drop_index(batch_op.f("ix_enrollments_status"))
        batch_op.drop_index(batch_op.f("ix_enrollments_program_id"))
        batch_op.drop_index(batch_op.f("ix_enrollments_participant_id"))

    op.drop_table("enrollments")
    with op.batch_alter_table("contributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contributions_updated_at"))
        batch_op.drop_index(batch_op.f("ix_contributions_project_id"))
        batch_op.drop_index(batch_op.f("ix_contributions_kind"))

    op.drop_table("contributions")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_updated_at"))
        batch_op.drop_index(batch_op.f("ix_consultations_project_id"))

    op.drop_table("consultations")
    with op.batch_alter_table("programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_programs_updated_at"))
        batch_op.drop_index(batch_op.f("ix_programs_status"))
        batch_op.drop_index(batch_op.f("ix_programs_lead_organization_id"))
        batch_op.drop_index(batch_op.f("ix_programs_category"))

    op.drop_table("programs")
    with op.batch_alter_table("infrastructure_projects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_infrastructure_projects_updated_at"))
        batch_op.drop_index(batch_op.f("ix_infrastructure_projects_status"))
        batch_op.drop_index(batch_op.f("ix_infrastructure_projects_project_type"))
        batch_op.drop_index(batch_op.f("ix_infrastructure_projects_implementing_organization_id"))

    op.drop_table("infrastructure_projects")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_members_member_id"))

    op.drop_table("group_members")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_participants_nik_live",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_participants_updated_at"))
        batch_op.drop_index(batch_op.f("ix_participants_kind"))
        batch_op.drop_index(batch_op.f("ix_participants_gender"))
        batch_op.drop_index(batch_op.f("ix_participants_area_code"))

    op.drop_table("participants")
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organizations_updated_at"))
        batch_op.drop_index(batch_op.f("ix_organizations_area_code"))

    op.drop_table("organizations")
    with op.batch_alter_table("areas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_areas_updated_at"))
        batch_op.drop_index(batch_op.f("ix_areas_parent_code"))

    op.drop_table("areas")
