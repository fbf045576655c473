"""Backup and restore (scripts/backup, scripts/restore): dump, drop, restore, and the site works.

The round trip runs on a scratch database of its own on the PostgreSQL server of DATABASE_URL,
migrated and seeded by manage.py in subprocesses, with a temporary MEDIA_ROOT; the test database
is not involved. The scratch database is dropped at the end, also when the test fails.
"""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "backup-check-2026"

# Run in a subprocess against the restored database: what a visitor and a member see.
SITE_CHECK = """
import json, sys
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
slug, email, password = sys.argv[1:4]
visitor, member = Client(), Client()
pages = {path: visitor.get(path) for path in ("/ja/members/", f"/ja/members/{slug}/", "/healthz")}
signed_in = member.post("/ja/accounts/login/", {"login": email, "password": password})
print(json.dumps({
    "pages": {path: [r.status_code, r.content.decode()] for path, r in pages.items()},
    "sign_in": [signed_in.status_code, signed_in.get("Location", "")],
}))
"""


def server():
    db = settings.DATABASES["default"]
    return {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"],
            "password": db["PASSWORD"]}


def url_of(name: str) -> str:
    s = server()
    auth = quote(s["user"]) + (":" + quote(s["password"]) if s["password"] else "")
    return f"postgres://{auth}@{s['host']}:{s['port']}/{name}"


def admin_sql(*statements):
    """Run statements on the server's maintenance database (CREATE/DROP DATABASE need autocommit)."""
    import psycopg

    with psycopg.connect(dbname="postgres", autocommit=True, **server()) as conn:
        for statement in statements:
            conn.execute(statement)


def query(name: str, sql: str):
    import psycopg

    with psycopg.connect(dbname=name, **server()) as conn:
        return conn.execute(sql).fetchall()


def row_counts(name: str) -> dict[str, int]:
    tables = [t for (t,) in query(name, "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")]
    assert len(tables) > 30
    return {t: query(name, f'SELECT count(*) FROM "{t}"')[0][0] for t in tables}


def files_of(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def run(args, env, check=True, **kwargs):
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
                            timeout=600, **kwargs)
    if check:
        assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture
def scratch_database():
    name = f"coalition_backup_{uuid.uuid4().hex[:10]}"
    admin_sql(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
@pytest.mark.slow
def test_backup_drop_restore_gives_the_same_rows_files_and_site(scratch_database, tmp_path):
    name = scratch_database
    media = tmp_path / "media"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ENV", "PAGE_CACHE_SECONDS")}
    env.update(DATABASE_URL=url_of(name), MEDIA_ROOT=str(media), DEMO_PASSWORD=DEMO_PASSWORD,
               DJANGO_SETTINGS_MODULE="coalition.settings")
    python = sys.executable
    run([python, "manage.py", "migrate", "--noinput"], env)
    run([python, "manage.py", "seed_demo"], env)
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "議事録 第1回.pdf").write_bytes(b"%PDF-1.7\n" + os.urandom(50_000))
    (media / "logos").mkdir()
    (media / "logos" / "shinshu.png").write_bytes(bytes(range(256)) * 40)
    files = files_of(media)
    counts = row_counts(name)
    assert counts["members_institution"] > 50 and counts["working_groups_initiative"] > 50
    assert counts["meetings_registration"] > 0
    ((inst_name, slug),) = query(name, "SELECT name_ja, slug FROM members_institution WHERE status = 'active' "
                                       "ORDER BY name_kana, name_ja LIMIT 1")

    backup = tmp_path / "backup"
    made = run(["scripts/backup", str(backup)], env)
    assert made.stdout.strip() == str(backup)
    assert sorted(p.name for p in backup.iterdir()) == ["SHA256SUMS", "database.dump", "manifest.json",
                                                        "media.tar.gz"]
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["row_counts"] == counts
    assert (manifest["database"], manifest["media_files"]) == (name, 2)
    assert len(manifest["commit"]) == 40

    # the disaster: the database and the files are gone
    admin_sql(f'DROP DATABASE "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    subprocess.run(["rm", "-rf", str(media)], check=True)
    assert query(name, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") == [(0,)]

    restored = run(["scripts/restore", str(backup)], env)
    assert "every table has the rows the manifest lists" in restored.stderr
    assert row_counts(name) == counts
    assert files_of(media) == files

    run([python, "manage.py", "check"], env)
    site = run([python, "-c", SITE_CHECK, slug, "tanaka@u-tokyo.example", DEMO_PASSWORD], env)
    result = json.loads(site.stdout.strip().splitlines()[-1])
    directory, profile, health = result["pages"].values()
    assert (directory[0], profile[0], health[0]) == (200, 200, 200)
    assert inst_name in directory[1]
    assert inst_name in profile[1]
    assert result["sign_in"] == [302, "/ja/"]

    # restoring over a database that has tables asks first; --yes replaces them
    again = run(["scripts/restore", str(backup)], env, check=False)
    assert again.returncode == 1
    assert "pass --yes to replace them" in again.stderr
    run(["scripts/restore", "--yes", str(backup)], env)
    assert row_counts(name) == counts


def test_backup_and_restore_refuse_a_database_that_is_not_postgresql(tmp_path):
    sqlite = tmp_path / "db.sqlite3"
    sqlite.write_bytes(b"untouched")
    backup = tmp_path / "backup"
    backup.mkdir()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{sqlite}", "MEDIA_ROOT": str(tmp_path / "media")}
    refused = run(["scripts/restore", "--yes", str(backup)], env, check=False)
    assert refused.returncode == 1
    assert refused.stderr.startswith("restore: refusing: DATABASE_URL must name a PostgreSQL database")
    refused = run(["scripts/backup", str(tmp_path / "new")], env, check=False)
    assert refused.returncode == 1
    assert "DATABASE_URL must name a PostgreSQL database" in refused.stderr
    assert sqlite.read_bytes() == b"untouched"
    assert not (tmp_path / "new").exists() and not (tmp_path / "media").exists()


@pytest.mark.postgres
@pytest.mark.slow
def test_backup_run_many_times_under_load_never_loses_track_of_psql(scratch_database, tmp_path):
    """scripts/backup once kept psql as a bash coprocess, whose PG_PID bash unsets when it reaps the
    process: under load psql could exit and be reaped before `wait "$PG_PID"`, and the backup failed
    with "PG_PID: unbound variable" (here 1 run in 30 on a loaded machine). Forty backups of a
    small database, two at a time so that each is slowed by the other, must all succeed."""
    env = {**os.environ, "DATABASE_URL": url_of(scratch_database), "MEDIA_ROOT": str(tmp_path / "media")}
    env.pop("REDIS_URL", None)
    failures = []
    for round_ in range(20):
        runs = [subprocess.Popen(["scripts/backup", str(tmp_path / f"b-{round_}-{k}")], cwd=ROOT, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(2)]
        for k, proc in enumerate(runs):
            out, err = proc.communicate(timeout=120)
            if proc.returncode != 0:
                failures.append(err.strip()[-300:])
            else:
                assert sorted(p.name for p in (tmp_path / f"b-{round_}-{k}").iterdir()) == [
                    "SHA256SUMS", "database.dump", "manifest.json", "media.tar.gz"]
    assert failures == []
