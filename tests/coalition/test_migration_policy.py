"""The zero-downtime migration policy (docs/deploy.md): ``manage.py lint_migrations`` refuses a
migration that would break the release still running during a rolling upgrade, unless it carries a
``destructive`` marker saying why it is safe now. CI runs the command (.ci/run); these tests show it
accepts the project's migrations and catches each kind of breaking change."""

import pytest
from django.core.management import CommandError, call_command
from django.db import migrations, models
from django.db.migrations.loader import MigrationLoader

from coalition.management.commands.lint_migrations import migration_problems, unmarked


def state_before(app_label: str, name: str):
    """The project's state just before migration ``app_label.name``."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return loader, loader.project_state((app_label, name), at_end=False)


def migration(*operations, destructive=None):
    class Migration(migrations.Migration):
        pass

    result = Migration("9999_proposed", "members")
    result.operations = list(operations)
    if destructive is not None:
        result.destructive = destructive
    return result


def problems(*operations):
    _loader, state = state_before("members", "0012_media_lookups")
    return migration_problems(migration(*operations), state.clone())


def test_the_projects_migrations_pass(capsys):
    call_command("lint_migrations")
    assert "leaves the previous release working" in capsys.readouterr().out


@pytest.mark.parametrize(("operation", "expected"), [
    (migrations.RemoveField("institution", "website"), "drops the column members.institution.website"),
    (migrations.DeleteModel("EmailDomain"), "drops the table of members.EmailDomain"),
    (migrations.RenameField("institution", "website", "homepage"),
     "renames the column members.institution.website to homepage"),
    (migrations.RenameModel("EmailDomain", "Domain"), "renames the table of members.EmailDomain to Domain"),
    (migrations.AddField("institution", "fax", models.CharField(max_length=40, default="")),
     "adds the NOT NULL column members.institution.fax without a db_default"),
    (migrations.AlterField("institution", "target_year", models.PositiveSmallIntegerField(default=2050)),
     "makes the column members.institution.target_year NOT NULL"),
    (migrations.AlterField("institution", "name_ja", models.CharField(max_length=20)),
     "shortens the column members.institution.name_ja (200 → 20)"),
    (migrations.RunSQL("ALTER TABLE members_institution DROP COLUMN website"), "runs SQL that DROPs something"),
    (migrations.SeparateDatabaseAndState(database_operations=[migrations.RemoveField("institution", "website")]),
     "drops the column members.institution.website"),
])
def test_a_change_that_breaks_the_running_release_is_named(operation, expected):
    assert problems(operation) == [expected]


@pytest.mark.parametrize("operation", [
    migrations.AddField("institution", "fax", models.CharField(max_length=40, blank=True, null=True)),
    migrations.AddField("institution", "fax", models.CharField(max_length=40, db_default="")),
    migrations.AlterField("institution", "name_ja", models.CharField(max_length=400)),
    migrations.AddIndex("institution", models.Index(fields=["joined_on"], name="inst_joined_idx")),
    # a model handed to another app without touching its table
    migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel("EmailDomain")]),
])
def test_a_change_the_running_release_survives_passes(operation):
    assert problems(operation) == []


def test_a_breaking_migration_fails_the_check_unless_it_says_why(monkeypatch):
    loader, _state = state_before("members", "0012_media_lookups")
    key = ("members", "0012_media_lookups")
    original = loader.graph.nodes[key]
    drop = migration(migrations.RemoveField("institution", "website"))
    drop.dependencies = original.dependencies
    loader.graph.nodes[key] = drop
    assert unmarked(loader) == {"members.0012_media_lookups": ["drops the column members.institution.website"]}

    drop.destructive = "the previous release stopped reading Institution.website"
    assert unmarked(loader) == {}

    monkeypatch.setattr("coalition.management.commands.lint_migrations.unmarked",
                        lambda: {"members.0013_x": ["drops the column members.institution.website"]})
    with pytest.raises(CommandError, match="members.0013_x: drops the column members.institution.website"):
        call_command("lint_migrations")
