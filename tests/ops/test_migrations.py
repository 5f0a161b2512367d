"""The schema is built by the migrations, on both engines, and matches the models."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from govshare.db import alembic_config, migrate
from govshare.models import include_object, metadata


def test_migrations_build_exactly_the_models(blank_url):
    migrate(blank_url)
    engine = create_engine(blank_url)
    with engine.connect() as conn:
        # The same filter as env.py: the engine-specific full-text index is not a model.
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        diff = compare_metadata(context, metadata)
    engine.dispose()
    assert diff == []


def test_migrations_go_down_and_up_again(blank_url):
    migrate(blank_url)
    command.downgrade(alembic_config(blank_url), "base")
    engine = create_engine(blank_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate(blank_url)
    engine = create_engine(blank_url)
    assert "evidence_audit_event" in inspect(engine).get_table_names()
    engine.dispose()


def test_constraint_names_follow_the_convention(blank_url):
    migrate(blank_url)
    engine = create_engine(blank_url)
    insp = inspect(engine)
    assert insp.get_pk_constraint("directory_agency")["name"] == "pk_directory_agency"
    fks = {fk["name"] for fk in insp.get_foreign_keys("directory_user")}
    assert "fk_directory_user_agency_id_directory_agency" in fks
    engine.dispose()
