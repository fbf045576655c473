"""The public pages of the general meeting: sessions, a session's motions, a motion with its tally
and resolution; what each reader sees; query counts that do not grow with motions or votes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.governance import services
from meetings.governance.models import Motion, Vote
from tests.factories import InstitutionFactory, staff_of

pytestmark = pytest.mark.django_db


def decided(c, votes=("for", "for", "against")):
    motion = c.motion(title_ja="声明の採択", title_en="Adoption of a statement", text_ja="声明の本文。",
                      text_en="The statement.")
    for n, choice in enumerate(votes):
        services.vote_cast(motion=motion, institution=c.institutions[n], by=c.reps[n], choice=choice)
    return services.motion_close_voting(motion=motion, by=c.secretariat).motion


def count(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
        assert response.status_code == 200
    return len(ctx)


def test_session_list_shows_general_sessions_in_both_languages(client, coalition):
    coalition.motion(status="agenda")
    ja = client.get("/ja/general-meeting/").content.decode()
    en = client.get("/en/general-meeting/").content.decode()
    assert "第9回総会" in ja and "1件の議案" in ja
    assert "9th general meeting" in en and "1 motion" in en


def test_session_page_lists_motions_with_the_tally_and_resolutions(client, coalition):
    motion = decided(coalition)
    page = client.get(f"/ja/general-meeting/{coalition.session.pk}/").content.decode()
    assert "声明の採択" in page
    assert "2 / 1 / 0" in page
    assert f"決議 {motion.resolution.number}" in page


def test_motion_page_shows_tally_publicly_and_votes_to_members_only(client, coalition):
    motion = decided(coalition)
    public = client.get(f"/ja/motions/{motion.pk}/").content.decode()
    assert all(w in public for w in ("賛成", "反対", "棄権", "可決"))
    assert "4機関中3機関が参加" in public
    assert coalition.institutions[0].name_ja not in public  # how each voted: members only
    client.force_login(staff_of(InstitutionFactory()))
    member = client.get(f"/ja/motions/{motion.pk}/").content.decode()
    assert "各機関の表決" in member and coalition.institutions[0].name_ja in member


def test_drafts_are_seen_by_the_secretariat_only(client, coalition):
    draft = coalition.motion(status="draft", title_ja="非公開の下書き")
    assert "非公開の下書き" not in client.get(f"/ja/general-meeting/{coalition.session.pk}/").content.decode()
    assert client.get(f"/ja/motions/{draft.pk}/").status_code == 302  # sign in
    client.force_login(staff_of(coalition.institutions[0]))
    assert client.get(f"/ja/motions/{draft.pk}/").status_code == 404
    client.force_login(coalition.secretariat)
    assert "非公開の下書き" in client.get(f"/ja/general-meeting/{coalition.session.pk}/").content.decode()
    assert client.get(f"/ja/motions/{draft.pk}/").status_code == 200


def test_representative_sees_the_ballot_and_the_recorded_vote_with_its_code(client, coalition):
    c = coalition
    motion = c.motion()
    client.force_login(c.reps[0])
    page = client.get(f"/ja/motions/{motion.pk}/").content.decode()
    assert "まだ表決していません" in page and 'name="choice"' in page
    response = client.post(f"/ja/motions/{motion.pk}/vote/", {"institution": c.institutions[0].pk, "choice": "against"})
    assert response.status_code == 302
    vote = Vote.objects.get()
    page = client.get(f"/ja/motions/{motion.pk}/").content.decode()
    assert services.receipt_code(vote) in page and "反対" in page


def test_session_page_query_count_does_not_grow_with_motions(client, coalition):
    c = coalition
    decided(c)
    client.force_login(c.reps[0])
    path = f"/ja/general-meeting/{c.session.pk}/"
    few = count(client, path)
    for _ in range(19):
        decided(c)
    assert Motion.objects.count() == 20
    assert count(client, path) == few


@pytest.mark.parametrize("who", ["visitor", "member", "secretariat"])
def test_motion_page_query_count_does_not_grow_with_votes(client, who):
    from tests.governance.conftest import make_coalition

    c = make_coalition(n=3)
    motion = c.motion()
    for n in range(3):
        services.vote_cast(motion=motion, institution=c.institutions[n], by=c.reps[n], choice="for")
    if who == "member":
        client.force_login(c.reps[0])
    elif who == "secretariat":
        client.force_login(c.secretariat)
    path = f"/ja/motions/{motion.pk}/"
    few = count(client, path)
    # 300 more institutions vote (rows written directly: the page is what is measured)
    more = InstitutionFactory.create_batch(300)
    Vote.objects.bulk_create([Vote(motion=motion, institution=i, choice="against", cast_by_label="代表者")
                              for i in more])
    assert count(client, path) == few
    services.motion_close_voting(motion=motion, by=c.secretariat)
    few = count(client, path)
    Vote.objects.filter(institution__in=more[:100]).delete()
    assert count(client, path) == few


def test_admin_shows_the_records_but_changes_go_through_the_services(client, coalition):
    motion = decided(coalition)
    client.force_login(coalition.secretariat)
    assert client.get(f"/ja/admin/governance/motion/{motion.pk}/change/").status_code == 200  # to read
    before = Motion.objects.get(pk=motion.pk).status
    response = client.post(f"/ja/admin/governance/motion/{motion.pk}/change/", {"status": "rejected"})
    assert response.status_code == 403
    assert client.post(f"/ja/admin/governance/vote/{Vote.objects.first().pk}/delete/", {"post": "yes"}).status_code \
        == 403
    assert client.get("/ja/admin/governance/motion/add/").status_code == 403
    assert Motion.objects.get(pk=motion.pk).status == before and Vote.objects.count() == 3


def test_session_list_query_count_does_not_grow_with_sessions(client, coalition):
    from tests.governance.conftest import make_coalition

    decided(coalition)
    few = count(client, "/ja/general-meeting/")
    for _ in range(5):
        other = make_coalition(n=1)
        other.motion()
    assert count(client, "/ja/general-meeting/") == few


def test_the_meeting_page_of_a_session_links_its_motions(client, coalition):
    page = client.get(f"/ja/meetings/{coalition.session.pk}/").content.decode()
    assert f'href="/ja/general-meeting/{coalition.session.pk}/"' in page
    assert "この会議の議案と議決" in page


def test_a_proposal_not_yet_on_the_agenda_says_voting_has_not_opened(client, coalition):
    """Found walking the journeys: the representative of a proposing institution, on its own draft
    proposal, read 表決は締め切られました (voting is closed) before voting had ever opened."""
    c = coalition
    contact = staff_of(c.institutions[0], role="contact")
    motion = services.motion_propose(by=contact, session=c.session, institution=c.institutions[0], data={
        "kind": "statement", "title_ja": "声明案", "text_ja": "本文", "proposer": "secretariat"})
    client.force_login(c.reps[0])
    for language, opens_later, closed in (("ja", "表決はまだ始まっていません", "表決は締め切られました"),
                                          ("en", "Voting has not opened yet.", "Voting is closed.")):
        page = client.get(f"/{language}/motions/{motion.pk}/").content.decode()
        assert 'id="vote"' in page and opens_later in page and closed not in page
    services.motion_return(motion=motion, by=c.secretariat, reason="日程が合いません")
    response = client.get(f"/ja/motions/{motion.pk}/")
    page = response.content.decode()
    assert response.status_code == 200 and "表決はまだ始まっていません" in page and "表決は締め切られました" not in page


def test_session_list_is_paginated_newest_first_with_each_sessions_own_count(client, coalition):
    """Twenty sessions a page; each counts its own published motions (a draft only for the
    secretariat); past the last page is 404."""
    import datetime

    from tests.factories import MeetingFactory

    coalition.motion(status="agenda")
    coalition.motion(status="draft")  # not counted for visitors
    start = coalition.session.starts_at
    for n in range(21):
        MeetingFactory(kind="general", group=coalition.general, visibility="public", title_ja=f"総会{n:02d}",
                       title_en=f"Session {n:02d}", starts_at=start + datetime.timedelta(days=n + 1))
    first = client.get("/ja/general-meeting/").content.decode()
    assert first.count('class="card"') == 20
    assert first.index("総会20") < first.index("総会19") and "総会00" not in first
    assert '<a href="?page=2" rel="next">' in first
    second = client.get("/ja/general-meeting/?page=2").content.decode()
    assert "総会00" in second and "第9回総会" in second and "1件の議案" in second
    assert client.get("/ja/general-meeting/?page=3").status_code == 404
    client.force_login(coalition.secretariat)
    assert "2件の議案" in client.get("/ja/general-meeting/?page=2").content.decode()
