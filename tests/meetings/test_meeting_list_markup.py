"""The list of meetings, built in Python (meetings/templatetags/meeting_tags.py): what each row
says, in both languages, escaped."""

import datetime
import re

import pytest
from django.utils import timezone

from tests.factories import InstitutionFactory, MeetingFactory, WorkingGroupFactory, staff_of

pytestmark = pytest.mark.django_db


def _rows(html: str) -> list[str]:
    return re.findall(r'<li class="meeting-row[^"]*">.*?</li>', html, re.S)


def test_each_row_says_when_what_where_and_its_state_in_the_readers_language(client):
    group = WorkingGroupFactory(name_ja="水素ワーキンググループ", name_en="Hydrogen WG")
    start = timezone.make_aware(datetime.datetime(2031, 5, 17, 14, 0))
    MeetingFactory(group=group, title_ja="水素<研究>会", title_en="Hydrogen <research>", starts_at=start,
                   ends_at=start + datetime.timedelta(hours=2), format="in_person", visibility="public",
                   venue="東京大学本郷キャンパス 安田講堂 二階 大会議室（正面玄関から入って"
                         "右側の階段を上がった先の部屋）",
                   venue_en="")
    MeetingFactory(group=group, title_ja="中止の会", title_en="", visibility="public", status="cancelled",
                   starts_at=start + datetime.timedelta(days=1), ends_at=start + datetime.timedelta(days=1, hours=1))

    ja = client.get("/ja/meetings/").content.decode()
    first, cancelled = _rows(ja)
    assert ('<time datetime="2031-05-17T14:00:00+09:00">2031年5月17日（土） <strong>14:00–16:00</strong> JST</time>'
            in first)
    assert 'lang="ja">水素&lt;研究&gt;会</a>' in first
    assert "水素ワーキンググループ · " in first and "対面" in first
    venue = re.search(r'<span lang="ja">(.*?)</span>', first).group(1)
    assert len(venue) == 40 and venue.endswith("…")  # cut at 40 characters
    assert cancelled.startswith('<li class="meeting-row is-cancelled">')
    assert 'class="badge badge-danger">中止</span>' in cancelled

    en = client.get("/en/meetings/").content.decode()
    first, cancelled = _rows(en)
    assert "Sat 17 May 2031 <strong>14:00–16:00</strong> JST" in first
    assert 'lang="en">Hydrogen &lt;research&gt;</a>' in first
    assert "Hydrogen WG · " in first and "In person" in first
    assert 'lang="ja">中止の会</a>' in cancelled  # no English title: the Japanese one, marked as such
    assert "Cancelled</span>" in cancelled


def test_a_members_only_meeting_is_marked_and_an_empty_list_says_so(client):
    assert "<p>会議はありません。</p>" in client.get("/ja/meetings/").content.decode()
    meeting = MeetingFactory(group=None, kind="general", visibility="members", title_ja="総会", title_en="General")
    client.force_login(staff_of(InstitutionFactory()))
    (row,) = _rows(client.get("/en/meetings/").content.decode())
    assert f'href="/en/meetings/{meeting.pk}/"' in row
    assert '<p class="meta">General meeting · Online <span class="badge badge-muted">Members only</span></p>' in row
