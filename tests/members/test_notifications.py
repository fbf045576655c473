"""The outbox in one process: rows, preferences, rendering, unsubscribe, retries, the sweeper and
the secretariat's view. Delivery goes over real SMTP to an aiosmtpd sink where mail is the point."""

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.db import connections, transaction
from django.utils import timezone

from members.models import Affiliation
from members.notifications import delivery
from members.notifications.models import Delivery, EmailOptOut, Notification, NotificationPreference
from members.notifications.services import notify, preference_set
from members.notifications.tokens import make_token
from tests.factories import AffiliationFactory, InstitutionFactory, UserFactory, secretariat_user

pytestmark = pytest.mark.django_db


def decided(user=None, status=Affiliation.Status.APPROVED, **kwargs):
    inst = InstitutionFactory(name_ja="信州大学", name_en="Shinshu University")
    return AffiliationFactory(user=user or UserFactory(), institution=inst, status=status, **kwargs)


def test_notify_asking_twice_makes_one_row(deliver):
    a = decided()
    with deliver():
        first = notify(kind="affiliation_decided", to=[a.user], obj=a)
        second = notify(kind="affiliation_decided", to=[a.user], obj=a)
    assert len(first) == 1
    assert second == []
    assert Notification.objects.filter(kind="affiliation_decided", recipient=a.user).count() == 1
    assert len(mail.outbox) == 1


def test_notify_respects_never_and_holds_digest_choices(deliver):
    never, digest, default = UserFactory(), UserFactory(), UserFactory()
    preference_set(user=never, kind="affiliation_decided", delivery=Delivery.NEVER)
    preference_set(user=digest, kind="affiliation_decided", delivery=Delivery.DIGEST)
    a = decided()
    with deliver():
        notify(kind="affiliation_decided", to=[never, digest, default], obj=a)
    rows = {n.recipient_id: n.status for n in Notification.objects.all()}
    assert rows == {digest.pk: "held", default.pk: "sent"}
    assert [m.to for m in mail.outbox] == [[default.email]]


@pytest.mark.django_db(transaction=True)
def test_notice_of_a_change_that_rolls_back_is_never_sent():
    a = decided()
    with pytest.raises(RuntimeError), transaction.atomic():
        notify(kind="affiliation_decided", to=[a.user], obj=a)
        raise RuntimeError("the change fails after the notice was asked for")
    assert Notification.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_notice_is_delivered_after_commit_not_before():
    a = decided()
    with transaction.atomic():
        notify(kind="affiliation_decided", to=[a.user], obj=a)
        assert mail.outbox == []
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    "language, subject, phrase",
    [
        ("ja", "信州大学への所属が承認されました", "信州大学への所属申請が承認されました"),
        ("en", "Your affiliation with Shinshu University is approved", "has been approved"),
    ],
)
def test_mail_is_rendered_in_the_recipients_language_with_both_parts(smtp, deliver, language, subject, phrase):
    user = UserFactory(language=language, name="Hanako Yamada")
    a = decided(user=user)
    with deliver():
        notify(kind="affiliation_decided", to=[user], obj=a, reply_to="contact@shinshu.example")
    smtp.wait_for(1)
    (message,) = smtp.messages
    assert message["Subject"].strip() == subject
    assert message["To"] == user.email
    assert message["From"] == "大学等コアリション事務局 <secretariat@coalition.example.org>"
    assert message["Reply-To"] == "contact@shinshu.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Date"]
    row = Notification.objects.get()
    assert message["Message-ID"] == f"<notification-{row.pk}@testserver>"
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith(f"<http://testserver/{language}/account/notifications/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert phrase in text
    assert phrase in html
    assert unsubscribe[1:-1] in text  # the visible link in the body
    assert unsubscribe[1:-1] in html
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None


def _one_click(client, token, **extra):
    return client.post(
        f"/en/account/notifications/unsubscribe/{token}/",
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
        **extra,
    )


def test_rfc8058_one_click_post_turns_off_exactly_that_kind_for_that_user(client):
    user, other = UserFactory(), UserFactory()
    token = make_token(kind="affiliation_decided", user_id=user.pk)
    response = _one_click(client, token)
    assert response.status_code == 200
    assert "You will no longer receive" in response.content.decode()
    prefs = list(NotificationPreference.objects.values_list("user_id", "kind", "delivery"))
    assert prefs == [(user.pk, "affiliation_decided", "never")]
    # the next notice of that kind is not even written; other kinds and other people still are
    a = decided(user=user)
    assert notify(kind="affiliation_decided", to=[user, other], obj=a) != []
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [other.pk]


def test_unsubscribe_link_asks_first_then_turns_the_kind_off(client):
    user = UserFactory()
    token = make_token(kind="affiliation_requested", user_id=user.pk)
    page = client.get(f"/ja/account/notifications/unsubscribe/{token}/")
    assert page.status_code == 200
    assert NotificationPreference.objects.count() == 0  # a GET (or a link scanner) changes nothing
    assert "配信を停止" in page.content.decode()
    client.post(f"/ja/account/notifications/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert NotificationPreference.objects.get(user=user).delivery == "never"


def test_unsubscribe_without_account_records_an_opt_out(client):
    token = make_token(kind="application_decided", email="Applicant@Example.org")
    _one_click(client, token)
    assert list(EmailOptOut.objects.values_list("email", "kind")) == [("applicant@example.org", "application_decided")]


@pytest.mark.parametrize("how", ["forged", "expired", "other-salt"])
def test_forged_or_expired_unsubscribe_token_changes_nothing_and_says_so(client, how, monkeypatch, settings):
    user = UserFactory()
    if how == "forged":
        token = make_token(kind="affiliation_decided", user_id=user.pk)[:-3] + "abc"
    elif how == "expired":
        settings.UNSUBSCRIBE_MAX_AGE = 60
        now = time.time()
        monkeypatch.setattr(signing.time, "time", lambda: now - 3600)
        token = make_token(kind="affiliation_decided", user_id=user.pk)
        monkeypatch.undo()
    else:
        token = signing.dumps({"k": "affiliation_decided", "u": user.pk}, salt="something-else")
    response = _one_click(client, token)
    assert response.status_code == 400
    assert "invalid or has expired. Nothing was changed." in response.content.decode()
    assert NotificationPreference.objects.count() == 0


def test_transient_errors_retry_with_backoff_permanent_ones_fail_with_reason(smtp, deliver):
    smtp.replies = {"busy": "451 4.2.1 Mailbox busy, try later", "gone": "550 5.1.1 No such user"}
    busy, gone = UserFactory(email="busy@example.org"), UserFactory(email="gone@example.org")
    a = decided()
    with deliver():
        notify(kind="affiliation_decided", to=[gone], obj=a)
        notify(kind="affiliation_decided", to=[busy], obj=a)
    failed = Notification.objects.get(recipient=gone)
    assert failed.status == "failed"
    assert "550" in failed.last_error and failed.attempts == 1
    waiting = Notification.objects.get(recipient=busy)
    assert waiting.status == "queued"
    assert "451" in waiting.last_error and waiting.attempts == 1
    assert waiting.next_attempt_at > timezone.now()
    # not due yet: a delivery run leaves it alone
    assert delivery.deliver([waiting.pk]).sent == 0
    smtp.replies = {}
    Notification.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver([waiting.pk]).sent == 1
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == ("sent", 2)
    assert smtp.message_ids() == {waiting.message_id: 1}


def test_refused_connection_keeps_the_whole_batch_queued_and_charges_no_attempt(smtp, deliver, settings):
    users = UserFactory.create_batch(3)
    a = decided()
    smtp.stop()
    with deliver():
        notify(kind="affiliation_decided", to=users, obj=a)
    rows = Notification.objects.all()
    assert sorted(rows.values_list("status", "attempts")) == [("queued", 0)] * 3
    assert all(r.last_error.startswith("server unavailable: ConnectionRefusedError") for r in rows)
    assert all(r.next_attempt_at > timezone.now() for r in rows)


@pytest.mark.parametrize("reply", ["421 4.3.2 Service shutting down", "451 4.3.0 Sender temporarily refused",
                                   "550 5.7.1 Sender address rejected"])
def test_a_server_closing_the_session_or_refusing_the_sender_is_an_outage_not_a_failure(smtp, deliver, settings, reply):
    """421 (any stage) and a refusal of our sender address concern every message alike: nobody is
    charged, however long it lasts; when the server accepts again, everything goes out."""
    settings.NOTIFY_MAX_ATTEMPTS = 2
    smtp.replies = {"": reply} if reply.startswith("421") else {}
    smtp.mail_reply = None if reply.startswith("421") else reply
    users = UserFactory.create_batch(3)
    with deliver():
        notify(kind="affiliation_decided", to=users, obj=decided())
    for _ in range(5):  # five tries during the outage: more than NOTIFY_MAX_ATTEMPTS
        Notification.objects.update(next_attempt_at=timezone.now())
        report = delivery.deliver(list(Notification.objects.values_list("pk", flat=True)), outages=1)
        assert (report.sent, report.failed, report.outage) == (0, 0, True)
    assert sorted(Notification.objects.values_list("status", "attempts")) == [("queued", 0)] * 3
    smtp.replies, smtp.mail_reply = {}, None
    Notification.objects.update(next_attempt_at=timezone.now())
    assert delivery.deliver(list(Notification.objects.values_list("pk", flat=True))).sent == 3
    assert sorted(Notification.objects.values_list("status", "attempts")) == [("sent", 1)] * 3


def test_one_recipient_greylisted_does_not_hold_up_the_rest_of_the_batch(smtp, deliver):
    smtp.replies = {"busy": "451 4.2.1 Mailbox busy, try later"}
    users = [UserFactory(email=f"{name}@example.org") for name in ("a", "busy", "c")]
    with deliver():
        notify(kind="affiliation_decided", to=users, obj=decided())
    rows = dict(Notification.objects.values_list("email", "status"))
    assert rows == {"a@example.org": "sent", "busy@example.org": "queued", "c@example.org": "sent"}
    assert Notification.objects.get(email="busy@example.org").attempts == 1


def test_a_message_the_server_hangs_up_on_is_charged_while_the_others_go_out(smtp, deliver, settings):
    """The server drops the connection on one message every time and takes the others: that
    message, not the server, is to blame. It is charged an attempt each time (also when it is
    retried alone: the others went out since it was due) and failed after the last."""
    settings.NOTIFY_MAX_ATTEMPTS = 3
    smtp.drops = ["poison"]
    users = [UserFactory(email=f"{name}@example.org") for name in ("poison", "b", "c")]
    with deliver():
        notify(kind="affiliation_decided", to=users, obj=decided())
    rows = dict(Notification.objects.values_list("email", "status"))
    assert rows == {"poison@example.org": "queued", "b@example.org": "sent", "c@example.org": "sent"}
    row = Notification.objects.get(email="poison@example.org")
    assert row.attempts == 1 and row.last_error.startswith("connection lost while sending this message")
    for attempts in (2, 3):
        Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
        report = delivery.deliver([row.pk])
        row.refresh_from_db()
        assert row.attempts == attempts and not report.outage
    assert row.status == "failed"
    assert row.last_error.startswith("gave up after 3 attempts: connection lost while sending this message")
    assert smtp.dropped == 3 and len(smtp.messages) == 2


def test_a_server_hanging_up_on_every_message_is_an_outage_not_a_failure(smtp, deliver, settings):
    """Nothing gets through anywhere: the server, not a message, is at fault; nobody is charged."""
    settings.NOTIFY_MAX_ATTEMPTS = 2
    smtp.drops = [""]
    users = UserFactory.create_batch(3)
    with deliver():
        notify(kind="affiliation_decided", to=users, obj=decided())
    for _ in range(4):
        Notification.objects.update(next_attempt_at=timezone.now())
        report = delivery.deliver(list(Notification.objects.values_list("pk", flat=True)), outages=1)
        assert (report.sent, report.failed, report.outage) == (0, 0, True)
    assert sorted(Notification.objects.values_list("status", "attempts")) == [("queued", 0)] * 3
    smtp.drops = []
    Notification.objects.update(next_attempt_at=timezone.now())
    assert delivery.deliver(list(Notification.objects.values_list("pk", flat=True))).sent == 3


def test_gives_up_after_the_last_attempt(smtp, deliver, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    smtp.replies = {"busy": "451 4.2.1 try later"}
    user = UserFactory(email="busy@example.org")
    with deliver():
        notify(kind="affiliation_decided", to=[user], obj=decided())
    row = Notification.objects.get()
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    delivery.deliver([row.pk])
    row.refresh_from_db()
    assert row.status == "failed"
    assert row.last_error.startswith("gave up after 2 attempts")


def test_a_batch_reuses_one_smtp_connection(smtp, deliver):
    users = UserFactory.create_batch(5)
    with deliver():
        notify(kind="affiliation_decided", to=users, obj=decided())
    assert smtp.wait_for(5) == 5
    assert smtp.connections == 1


def test_each_message_has_its_own_boundary_and_both_parts_read_back(smtp, deliver):
    users = UserFactory.create_batch(3, language="ja")
    with deliver():
        notify(kind="affiliation_decided", to=users, obj=decided())
    assert smtp.wait_for(3) == 3
    boundaries = {m.get_boundary() for m in smtp.messages}
    assert len(boundaries) == 3 and None not in boundaries
    for message in smtp.messages:
        assert message.get_content_type() == "multipart/alternative"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "信州大学" in text and "信州大学" in html
        assert message.get_boundary() not in text + html


def test_every_part_of_an_outbox_message_gets_its_boundary_and_reads_back_as_written(deliver):
    """OutboxMessage chooses the MIME boundaries itself (for the outer message and the
    alternatives nested in it when it has attachments); what it writes reads back unchanged."""
    from email import message_from_bytes
    from email.header import decode_header, make_header

    from members.notifications.rendering import OutboxMessage, render

    user = UserFactory(language="ja")
    ids = notify(kind="affiliation_decided", to=[user], obj=decided())
    subject = "カーボンニュートラル達成に向けた大学等コアリション 総会のご案内と議事次第、資料一式について"
    address = "a.very.long.address.of.somebody.at.a.university@graduate-school.example.ac.jp"
    crafted = OutboxMessage(subject=subject, body="本文\n", to=[address], headers={"X-Spaced": "two  spaces"},
                            from_email="大学等コアリション事務局 <secretariat@example.org>")
    crafted.attach_alternative("<p>本文</p>", "text/html")
    crafted.attach("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    for message in (render(Notification.objects.get(pk=ids[0])), crafted):
        written = message.message().as_bytes(linesep="\r\n")
        assert written.count(b"boundary=") == (2 if message is crafted else 1)
        assert all(len(line) <= 998 for line in written.split(b"\r\n"))
        back = message_from_bytes(written)
        assert str(make_header(decode_header(back["Subject"]))) == message.subject
    back = message_from_bytes(crafted.message().as_bytes())
    assert back["To"].strip() == address and back["X-Spaced"] == "two  spaces"  # folded, then read back
    assert [part.get_content_type() for part in back.walk()] == [
        "multipart/mixed", "multipart/alternative", "text/plain", "text/html", "text/calendar"]


def test_outbox_messages_are_written_byte_for_byte_as_django_s_smtp_backend_writes_them(monkeypatch):
    """Delivery hands SMTP ``OutboxMessage.wire_bytes()``, written without the email package's MIME
    tree: the bytes must be Django's (``message().as_bytes()`` with CRLF, what its SMTP backend
    sends), boundary aside, for rendered notices in both languages and for crafted messages at the
    edges (folded Japanese subject and sender, ASCII-only parts, odd line ends, a line of exactly
    998 bytes; and shapes that take Django's own path: a longer line, an attachment, no HTML)."""
    import uuid

    from members.notifications import rendering
    from members.notifications.rendering import OutboxMessage, render

    ja, en = UserFactory(language="ja"), UserFactory(language="en", name="Ann Lee")
    ids = notify(kind="affiliation_decided", to=[ja, en], obj=decided())
    rendered = [render(row) for row in Notification.objects.filter(pk__in=ids)]

    long_subject = "カーボンニュートラル達成に向けた大学等コアリション 総会のご案内と議事次第について"

    def crafted(body="本文\n", html="<p>本文</p>\n", **kwargs):
        headers = {"Message-ID": "<notification-1@example.org>", "Date": "Mon, 07 Dec 2026 08:00:00 +0900",
                   "X-Spaced": "two  spaces", "X-Kind": "週刊ダイジェスト", **kwargs.pop("headers", {})}
        message = OutboxMessage(
            subject=kwargs.pop("subject", long_subject),
            body=body, from_email="大学等コアリション事務局 <secretariat@example.org>", headers=headers,
            to=["a.very.long.address.of.somebody.at.a.university@graduate-school.example.ac.jp"], **kwargs)
        if html is not None:
            message.attach_alternative(html, "text/html")
        return message

    with_attachment = crafted()
    with_attachment.attach("invite.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
    messages = [
        *rendered,
        crafted(),
        crafted(body="Plain ASCII only.\nFrom here on, lines\n.start with a dot\n", html="<p>ASCII</p>",
                subject="Weekly digest (2026-12-07)", reply_to=["coordinator@example.org"]),
        crafted(body="CRLF\r\nlone CR\rend without a newline", html="\n\n<p>x</p>\r\n\r\n"),
        crafted(body="あ" * 332 + "ab\n", headers={"List-Unsubscribe": "<https://example.org/" + "u" * 120 + "/>"}),
        crafted(body="あ" * 333 + "\n"),  # 999 bytes: quoted-printable, Django's path
        with_attachment,
        crafted(html=None),
    ]
    assert len(messages[5].body.encode()) == 998 + 1 and len(messages[6].body.encode()) == 999 + 1
    monkeypatch.setattr(rendering.uuid, "uuid4", lambda: uuid.UUID(int=7))  # the same boundary in both
    for message in messages:
        assert message.wire_bytes() == message.message().as_bytes(linesep="\r\n")


def test_delivering_the_same_rows_twice_sends_once(smtp):
    users = UserFactory.create_batch(4)
    ids = notify(kind="affiliation_decided", to=users, obj=decided())  # no commit: not sent yet
    first = delivery.deliver(ids)
    second = delivery.deliver(ids)
    assert (first.sent, second.sent) == (4, 0)
    assert sorted(smtp.message_ids().values()) == [1, 1, 1, 1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_deliveries_of_the_same_rows_at_once_send_each_row_once(smtp, monkeypatch):
    """Three delivery runs claim the same committed rows at the same moment, each on its own
    connection: the conditional UPDATE lets one run have each row (PostgreSQL's row locks; SQLite
    has one writer, so it cannot show the race)."""
    import members.notifications.services as notification_services

    monkeypatch.setattr(notification_services, "enqueue_on_commit", lambda ids: None)  # the threads deliver
    users = UserFactory.create_batch(30)
    ids = notify(kind="affiliation_decided", to=users, obj=decided())  # committed: transaction=True
    barrier = threading.Barrier(3)
    reports, errors = [], []

    def run():
        try:
            barrier.wait()
            reports.append(delivery.deliver(ids))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sum(r.sent for r in reports) == 30
    assert sorted(smtp.message_ids().values()) == [1] * 30
    assert Notification.objects.filter(pk__in=ids, status="sent").count() == 30


def test_sweeper_releases_stale_claims_and_reenqueues_lost_rows(smtp, settings):
    settings.NOTIFY_SENDING_TIMEOUT = 60
    settings.NOTIFY_QUEUED_GRACE = 30
    users = UserFactory.create_batch(3)
    ids = notify(kind="affiliation_decided", to=users, obj=decided())
    old = timezone.now() - timedelta(minutes=5)
    # one row claimed by a worker that died, one never handed to a worker, one just queued
    Notification.objects.filter(pk=ids[0]).update(status="sending", claimed_at=old, claim="0" * 32)
    Notification.objects.filter(pk=ids[1]).update(enqueued_at=old)
    from members.notifications.tasks import outbox_sweep

    result = outbox_sweep.apply().get()
    assert result == {"released": 1, "enqueued": 2}
    assert sorted(Notification.objects.filter(status="sent").values_list("pk", flat=True)) == ids[:2]
    assert Notification.objects.get(pk=ids[2]).status == "queued"


def test_secretariat_outbox_filters_shows_errors_and_resends(client, smtp, deliver):
    smtp.replies = {"gone": "550 5.1.1 No such user"}
    gone = UserFactory(email="gone@example.org")
    ok = UserFactory(email="fine@example.org")
    with deliver():
        notify(kind="affiliation_decided", to=[gone, ok], obj=decided())
    client.force_login(secretariat_user())
    page = client.get("/en/secretariat/outbox/", {"status": "failed"})
    html = page.content.decode()
    assert page.context["paginator"].count == 1
    assert "gone@example.org" in html and "fine@example.org" not in html
    assert "550 5.1.1 No such user" in html
    assert client.get("/en/secretariat/outbox/", {"kind": "affiliation_decided"}).context["paginator"].count == 2
    assert client.get("/en/secretariat/outbox/", {"kind": "account"}).context["paginator"].count == 0
    row = Notification.objects.get(email="gone@example.org")
    smtp.replies = {}
    with deliver():
        response = client.post(f"/en/secretariat/outbox/{row.pk}/resend/", {"next": "//evil.example/"})
    assert response["Location"] == "/en/secretariat/outbox/"
    row.refresh_from_db()
    assert row.status == "sent"
    assert smtp.message_ids()[row.message_id] == 1


def test_outbox_is_for_the_secretariat_only(client):
    assert client.get("/en/secretariat/outbox/")["Location"].startswith("/en/accounts/login/")
    client.force_login(UserFactory())
    assert client.get("/en/secretariat/outbox/").status_code == 404
    row_owner = UserFactory()
    notify(kind="affiliation_decided", to=[row_owner], obj=decided())
    row = Notification.objects.get()
    assert client.post(f"/en/secretariat/outbox/{row.pk}/resend/").status_code == 404


def test_settings_page_lists_kinds_and_saves_choices(client):
    user = UserFactory()
    AffiliationFactory(user=user, role=Affiliation.Role.CONTACT)
    client.force_login(user)
    page = client.get("/ja/account/notifications/")
    html = page.content.decode()
    assert "所属申請の結果" in html
    assert "アカウントとログイン" not in html  # account mail cannot be turned off
    from members.notifications import registry

    data = {k.key: k.default for k in registry.kinds_for(user)}
    data.update({"affiliation_decided": "digest", "affiliation_requested": "never"})
    response = client.post("/ja/account/notifications/", data)
    assert response["Location"] == "/ja/account/notifications/"
    assert dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery")) == {
        "affiliation_decided": "digest",
        "affiliation_requested": "never",
    }


def test_settings_page_refuses_a_choice_that_does_not_exist(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post("/en/account/notifications/", {"affiliation_decided": "hourly"})
    assert response.status_code == 200
    assert "Choose how you want “Affiliation decided”: Immediately / In the weekly digest / Never." in (
        response.content.decode())
    assert NotificationPreference.objects.count() == 0
