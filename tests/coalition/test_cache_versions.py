"""The cache namespaces' versions are read once a request (members.cache.versions_per_request):
all of them in one round trip, kept for the page's other keys, and moved on by the request's own
writes."""

from unittest import mock

import pytest
from django.core.cache import cache

from members.cache import NAMESPACES, bump, cached_fragment, versions, versions_per_request

pytestmark = pytest.mark.django_db


def test_a_request_reads_the_versions_once_and_sees_its_own_writes():
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many, versions_per_request():
        first = versions("members", "groups")
        assert versions("initiatives", "members").split(".")[2] == first.split(".")[1]
        assert versions(*NAMESPACES) and get_many.call_count == 1
        assert versions("progress") and get_many.call_count == 2  # a namespace no list names: read then

        bump("members")

        assert versions("members", "groups") != first and get_many.call_count == 2
    assert versions("members", "groups") == versions("members", "groups") != first  # outside: read each time


def test_a_fragment_computed_before_a_write_in_the_same_request_is_computed_again_after_it():
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    with versions_per_request():
        assert cached_fragment("versions-test", ("news",), ("x",), compute) == 1
        assert cached_fragment("versions-test", ("news",), ("x",), compute) == 1
        bump("news")
        assert cached_fragment("versions-test", ("news",), ("x",), compute) == 2


def test_a_page_with_several_fragments_reads_the_versions_once(client):
    with mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many:
        client.get("/ja/progress/?region=kanto")
        client.get("/ja/progress/?region=kanto&_=again")
    reads = [call for call in get_many.call_args_list if any("ns-version:" in key for key in call.args[0])]
    assert len(reads) == 2  # one a request (the page reads other fragments' values in get_many too)
