"""``manage.py lint_migrations``: refuse a migration that would break the release still running
while an upgrade rolls out (docs/deploy.md, "Zero-downtime upgrades").

During a rolling upgrade the new schema is migrated first, then the web nodes and workers restart one
by one, so for a while the previous release runs on the new schema. A migration must therefore leave
that release working: it may add a table, a nullable column or one with a database default
(``db_default``), an index or a constraint; it may not drop or rename a column or a table, make a
column NOT NULL, add a NOT NULL column without a database default (the previous release's INSERTs
leave it out), or shorten a column. Such a change is split over two releases (stop using it, then
drop it) and the migration that completes it says so with a marker on its class::

    class Migration(migrations.Migration):
        # the release before this one stopped reading and writing Institution.fax
        destructive = "Institution.fax unused since release 2026.10"

Only this project's apps are checked; raw SQL that drops, renames or alters is flagged too.
"""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import migrations
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import ProjectState
from django.db.models import NOT_PROVIDED

RAW_SQL = re.compile(r"\b(DROP|RENAME|ALTER\s+COLUMN\s+\S+\s+SET\s+NOT\s+NULL)\b", re.IGNORECASE)


def _field(state: ProjectState, app_label: str, model_name: str, name: str):
    model = state.models.get((app_label, model_name.lower()))
    return model.fields.get(name) if model else None


def operation_problems(operation, app_label: str, state: ProjectState) -> list[str]:
    """Why ``operation`` (about to be applied to ``state``) would break the previous release."""
    where = f"{app_label}.{getattr(operation, 'model_name', getattr(operation, 'name', ''))}"
    match operation:
        case migrations.SeparateDatabaseAndState():
            # Only what reaches the database matters; state-only moves (an app taking over a model)
            # change no table.
            return [p for op in operation.database_operations for p in operation_problems(op, app_label, state)]
        case migrations.RemoveField():
            return [f"drops the column {where}.{operation.name}"]
        case migrations.DeleteModel():
            return [f"drops the table of {app_label}.{operation.name}"]
        case migrations.RenameField():
            return [f"renames the column {where}.{operation.old_name} to {operation.new_name}"]
        case migrations.RenameModel():
            return [f"renames the table of {app_label}.{operation.old_name} to {operation.new_name}"]
        case migrations.AlterModelTable():
            return [f"renames the table of {where}"]
        case migrations.AddField():
            field = operation.field
            if field.many_to_many or field.null or field.db_default is not NOT_PROVIDED:
                return []
            return [f"adds the NOT NULL column {where}.{operation.name} without a db_default"]
        case migrations.AlterField():
            old, new = _field(state, app_label, operation.model_name, operation.name), operation.field
            if old is None:
                return []
            problems = []
            if old.null and not new.null:
                problems.append(f"makes the column {where}.{operation.name} NOT NULL")
            old_length, new_length = getattr(old, "max_length", None), getattr(new, "max_length", None)
            if old_length and new_length and new_length < old_length:
                problems.append(f"shortens the column {where}.{operation.name} ({old_length} → {new_length})")
            return problems
        case migrations.RunSQL():
            sql = operation.sql if isinstance(operation.sql, str) else " ".join(map(str, operation.sql))
            return [f"runs SQL that {m.group(1).upper()}s something"] if (m := RAW_SQL.search(sql)) else []
    return []


def migration_problems(migration, state: ProjectState) -> list[str]:
    """The problems of every operation of ``migration``; ``state`` is moved past it."""
    problems = []
    for operation in migration.operations:
        problems += operation_problems(operation, migration.app_label, state)
        operation.state_forwards(migration.app_label, state)
    return problems


def own_apps() -> set[str]:
    """The labels of this project's apps (not Django's or a library's, wherever they are installed)."""
    return {config.label for config in apps.get_app_configs()
            if Path(config.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in Path(config.path).parts}


def unmarked(loader: MigrationLoader | None = None) -> dict[str, list[str]]:
    """{"app.migration": [problem, ...]} for each of the project's migrations that breaks the
    previous release and carries no ``destructive`` marker."""
    loader = loader or MigrationLoader(None, ignore_no_migrations=True)
    ours, plan, seen = own_apps(), [], set()
    for leaf in sorted(loader.graph.leaf_nodes()):
        for key in loader.graph.forwards_plan(leaf):
            if key not in seen:
                seen.add(key)
                plan.append(key)
    state, found = ProjectState(real_apps=loader.unmigrated_apps), {}
    for key in plan:
        migration = loader.graph.nodes[key]
        problems = migration_problems(migration, state)
        if key[0] in ours and problems and not str(getattr(migration, "destructive", "")).strip():
            found[f"{key[0]}.{key[1]}"] = problems
    return found


class Command(BaseCommand):
    help = "Refuse migrations that would break the previous release during a rolling upgrade."

    def handle(self, *args, **options):
        found = unmarked()
        if found:
            lines = [f"{name}: {problem}" for name, problems in sorted(found.items()) for problem in problems]
            raise CommandError(
                "These migrations would break the release still running during a rolling upgrade "
                "(docs/deploy.md: split the change over two releases, and mark the migration that "
                "completes it with destructive = \"<why it is safe now>\"):\n  " + "\n  ".join(lines)
            )
        self.stdout.write("Every migration leaves the previous release working (or says why it may not).")
