"""A web node's master answers a few pages before it forks its workers (coalition/warmup.py,
deploy/gunicorn.conf.py), so that every worker starts with what a first request builds."""

import logging

from django.core.wsgi import get_wsgi_application
from django.db import connections
from django.template import engines

from coalition import warmup


def cached_templates() -> set[str]:
    loader = engines["django"].engine.template_loaders[0]
    return {template.origin.template_name for template in loader.get_template_cache.values()
            if hasattr(template, "origin")}


def test_warming_answers_the_pages_in_both_languages_and_closes_its_connections(transactional_db):
    statuses = warmup.warm(get_wsgi_application())
    assert statuses == ["200 OK"] * len(warmup.PATHS)
    assert {"/ja/", "/en/"} <= set(warmup.PATHS)
    # what the workers inherit: the compiled templates of the pages...
    assert {"base.html", "working_groups/initiative_list.html"} <= cached_templates()
    # ...and no database connection (a forked worker sharing its socket would corrupt both); an
    # in-memory SQLite database (the embedded default's tests) is never closed, by Django's design
    assert all(connection.connection is None for connection in connections.all()
               if not (connection.vendor == "sqlite" and connection.is_in_memory_db()))


def test_a_failing_page_ends_the_warming_with_a_warning_and_starts_the_node_anyway(caplog):
    calls = []

    def database_down(environ, start_response):
        calls.append(environ["PATH_INFO"])
        raise ConnectionError("could not connect to server")

    with caplog.at_level(logging.WARNING, logger="coalition.warmup"):
        assert warmup.warm(database_down) == ["failed"]
    assert calls == [warmup.PATHS[0]]  # the other pages would wait for the database too
    assert "warming /ja/ failed" in caplog.text
