"""The general meeting's notices through the outbox, in the recipient's language: voting opened,
the receipt of a vote (with the code the motion page shows), the decision."""

import pytest
from django.core import mail

from meetings.governance import services
from meetings.governance.models import Vote

pytestmark = pytest.mark.django_db


def test_receipt_in_japanese_names_the_choice_and_the_code_the_page_shows(client, deliver, coalition):
    c = coalition
    motion = c.motion(title_ja="声明の採択")
    client.force_login(c.reps[0])
    mail.outbox.clear()
    with deliver():
        client.post(f"/ja/motions/{motion.pk}/vote/", {"institution": c.institutions[0].pk, "choice": "abstain"})
    vote = Vote.objects.get()
    [message] = mail.outbox
    assert message.to == [c.reps[0].email]
    assert message.subject == "表決を記録しました：声明の採択"
    assert "表決: 棄権" in message.body
    assert f"受領番号: {services.receipt_code(vote)}" in message.body
    assert f"http://testserver/ja/motions/{motion.pk}/" in message.body
    assert services.receipt_code(vote) in client.get(f"/ja/motions/{motion.pk}/").content.decode()


def test_receipt_in_english_for_an_english_reader(deliver, coalition):
    c = coalition
    c.reps[1].language = "en"
    c.reps[1].save()
    motion = c.motion(title_ja="声明の採択", title_en="Adoption of a statement")
    mail.outbox.clear()
    with deliver():
        services.vote_cast(motion=motion, institution=c.institutions[1], by=c.reps[1], choice="for")
    [message] = mail.outbox
    assert message.subject == "Your vote is recorded: Adoption of a statement"
    assert "Vote: For" in message.body
    assert f"http://testserver/en/motions/{motion.pk}/" in message.body


def test_voting_opened_and_decided_reach_the_representatives(deliver, coalition):
    c = coalition
    mail.outbox.clear()
    with deliver():
        motion = c.motion(title_ja="予算の承認")
    opened = [m for m in mail.outbox if m.subject == "表決受付中：予算の承認"]
    assert sorted(m.to[0] for m in opened) == sorted(r.email for r in c.reps)  # not the cooperating one
    for n in range(3):
        services.vote_cast(motion=motion, institution=c.institutions[n], by=c.reps[n], choice="for")
    mail.outbox.clear()
    with deliver():
        services.motion_close_voting(motion=motion, by=c.secretariat)
    decided = [m for m in mail.outbox if m.subject == "可決：予算の承認"]
    assert len(decided) == len(c.reps) + 1
    assert "賛成 3 / 反対 0 / 棄権 0" in decided[0].body
    assert "4機関中3機関が表決に参加しました。" in decided[0].body


def test_the_receipt_cannot_be_turned_off(coalition):
    from members.notifications import registry

    assert registry.get("vote_receipt").choosable is False
    assert registry.get("motion_voting_opened").choosable is False
