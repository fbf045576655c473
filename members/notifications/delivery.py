"""Delivering outbox rows exactly once.

A delivery run *claims* its rows with one conditional UPDATE (queued → sending, with a claim token
of its own), renews the claim every third of NOTIFY_SENDING_TIMEOUT (skipping rows the sweeper
took back meanwhile), and marks each row sent right after handing it to SMTP (the mark carries the
claim token: a row no longer ours is not marked). So a row is sent by one run only; if a worker
dies, the rows it claimed stay in *sending* until the sweeper returns them to the queue, and the
only message that can go out twice is the one that was being handed to SMTP at the moment of
death. The other way to a duplicate is SMTP itself: a connection that drops after the server took
a message but before its reply arrived looks like a message not taken, and the message is tried
again (``_send_one``), so it may arrive twice; SMTP is at-least-once there, and the repeat carries
the same Message-ID.

An outage is not a failure of any message: when the server cannot be reached or gives up on the
session (refused or reset connection, timeout, a dropped connection, 421, any refusal of our sender
address or credentials), the run gives the whole rest of its batch back to the queue, *the row in
hand included*, without charging an attempt to anyone, and tries again after a back-off that grows
with the outage up to NOTIFY_OUTAGE_MAX_DELAY, for as long as the outage lasts (if the retry task
is lost, the sweeper re-enqueues the rows once they are due). Only what the server says about one
message counts against it: a 4xx for that recipient or that message puts the row back with
exponential back-off, up to NOTIFY_MAX_ATTEMPTS, and the rest of the batch goes on; a 5xx (or a
template that cannot be rendered) marks the row failed with the reason. A message on which the
session breaks (dropped connection, reset, 421) while the server still answers a new connection
is set aside (tried once more first if the connection had been idle since an earlier message);
when the server took another message of the batch (or did the last time this message broke a
session) the message is to blame: it is charged an attempt like a 4xx and failed after NOTIFY_MAX_ATTEMPTS, so
it neither retries forever nor holds up the rows behind it; when nothing got through it is an
outage and nobody is charged (so a message only ever tried alone, on a server that hangs up on
it, waits like one in an outage: its row shows the error). The secretariat sees failed rows in
the outbox and can send one again (audited).

The marks are committed without waiting for PostgreSQL to flush its log to disk (asynchronous
commit, for this run's statements only): a flush per message was a third of each message's time.
A worker that dies loses nothing by it (the server has the commit); only a crash of PostgreSQL
itself can forget the last fraction of a second of marks, and those messages are then sent again
by the sweeper: a duplicate in that rare case, never a lost message.
"""

import contextlib
import functools
import logging
import random
import smtplib
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection as database
from django.db.models import F, Q
from django.utils import timezone

from . import registry
from .models import Notification
from .rendering import render

log = logging.getLogger(__name__)
S = Notification.Status
DROPPED = "connection lost while sending this message"


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    retry: list[int] = field(default_factory=list)
    skipped: int = 0
    retry_in: float = 0.0
    outage: bool = False  # the server was away: the retry continues the outage's back-off


def is_outage(exc: BaseException) -> bool:
    """True when the server or the session is unavailable, whatever the message: no message is to
    blame, so none is charged an attempt."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):  # about one message, unless the server is closing
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(c == 421 for c in codes)
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError):
        return True  # our sender address or credentials, 4xx or 5xx: every message alike, none to blame
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code == 421  # "service not available, closing channel"
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        return True
    return isinstance(exc, OSError) and not isinstance(exc, smtplib.SMTPException)  # refused, reset, timed out


def is_transient(exc: BaseException) -> bool:
    """True for errors worth trying again later: the server is away or said 'not now' (4xx)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return bool(codes) and all(400 <= c < 500 for c in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | smtplib.SMTPHeloError):
        return True
    return isinstance(exc, OSError)  # refused, reset, unreachable, timed out


def describe(exc: BaseException) -> str:
    """A readable reason for the outbox view: the SMTP reply where there is one."""

    def text(value):
        return value.decode(errors="replace") if isinstance(value, bytes) else str(value)

    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        detail = "; ".join(f"{addr}: {code} {text(msg)}" for addr, (code, msg) in exc.recipients.items())
    elif isinstance(exc, smtplib.SMTPResponseException):
        detail = f"{exc.smtp_code} {text(exc.smtp_error)}"
    else:
        detail = str(exc)
    return f"{type(exc).__name__}: {detail}"[:2000]


def backoff(attempts: int) -> float:
    """Seconds before the next attempt: base · 2^(attempts-1), capped at an hour, with jitter."""
    base = settings.NOTIFY_RETRY_BASE * (2 ** max(attempts - 1, 0))
    return min(base, 3600) * random.uniform(0.8, 1.2)


def outage_backoff(outages: int) -> float:
    """Seconds before a batch tries a server that was away again: base · 2^outages, capped at
    NOTIFY_OUTAGE_MAX_DELAY (never given up), with jitter so that batches do not retry in step."""
    base = settings.NOTIFY_RETRY_BASE * (2 ** min(outages, 20))
    return min(base, settings.NOTIFY_OUTAGE_MAX_DELAY) * random.uniform(0.8, 1.2)


def deliver(ids: list[int], *, outages: int = 0) -> Report:
    """Send the queued rows among ``ids`` that are due, over one SMTP connection. ``outages``: how
    many times in a row this batch found the server away (its back-off grows with it)."""
    report = Report()
    token = uuid.uuid4()
    now = timezone.now()
    claimed = Notification.objects.filter(pk__in=ids, status=S.QUEUED, next_attempt_at__lte=now).update(
        status=S.SENDING, claim=token, claimed_at=now
    )
    if not claimed:
        return report
    with _asynchronous_commit():
        _deliver(rows_claimed_by(token), token, report, outages)
    return report


def rows_claimed_by(token) -> list[Notification]:
    return list(
        Notification.objects.filter(claim=token, status=S.SENDING)
        .select_related("recipient")
        .prefetch_related("target")
        .order_by("pk")
    )


@contextlib.contextmanager
def _asynchronous_commit():
    """Commits in this block do not wait for the disk (see the module's docstring); PostgreSQL only."""
    if database.vendor != "postgresql":
        yield
        return
    with database.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
    try:
        yield
    finally:
        with contextlib.suppress(Exception), database.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _deliver(rows: list[Notification], token, report: Report, outages: int = 0) -> None:
    connection = get_connection()
    # The sweeper gives a claim back only once it is NOTIFY_SENDING_TIMEOUT old. Renewing ours
    # whenever a third of that has passed keeps every row ours without a write per message (a
    # commit per message halved the digest's throughput); a renewal that finds a row gone skips it.
    renew_every = settings.NOTIFY_SENDING_TIMEOUT / 3
    renewed, lost, suspects = time.monotonic(), set(), []
    try:
        for index, row in enumerate(rows):
            if time.monotonic() - renewed > renew_every:
                renewed = time.monotonic()
                rest = Notification.objects.filter(pk__in=[r.pk for r in rows[index:]], claim=token, status=S.SENDING)
                rest.update(claimed_at=timezone.now())  # renewed first: what is ours now stays ours
                ours = set(rest.values_list("pk", flat=True))
                lost.update(r.pk for r in rows[index:] if r.pk not in ours)
            if row.pk in lost:
                continue  # the sweeper gave it back (we were stalled): whoever claimed it sends it
            try:
                message = render(row)
            except registry.Obsolete as exc:
                _finish(row, token, S.SKIPPED, error=str(exc) or "obsolete")
                report.skipped += 1
                continue
            except Exception as exc:  # noqa: BLE001 - a notice that cannot be rendered is a permanent failure
                log.exception("cannot render notification %s", row.pk)
                _finish(row, token, S.FAILED, error=f"rendering: {type(exc).__name__}: {exc}", attempted=True)
                report.failed += 1
                continue
            outcome, exc = _send_one(connection, message)
            if outcome == "sent":
                _mark_sent(row, token, clear=registry.get(row.kind).transactional)
                report.sent += 1
                continue
            error = describe(exc)
            if outcome == "away":
                # The server is away: this row, the rest and the suspects set aside wait; none is charged.
                rest = [r for r in rows[index:] if r.pk not in lost] + [r for r, _ in suspects]
                _outage(rest, token, error, outages, report)
                return
            if outcome == "dropped":
                # The session broke on this message while the server still answers: the message or
                # the server? Set aside; the rest of the batch tells (below).
                suspects.append((row, f"{DROPPED}: {error}"))
                continue
            if not is_transient(exc):
                _finish(row, token, S.FAILED, error=error, attempted=True)
                report.failed += 1
                continue
            _charge(row, token, error, report)  # "not now" for this message: the others go on
        if not suspects:
            return
        # The server took another message of this batch, or a suspect was blamed before (its last
        # try broke the session while others went out): the message makes the server hang up.
        # Charged like a 4xx: back-off, failed after NOTIFY_MAX_ATTEMPTS (the secretariat's outbox).
        waiting = []
        for row, error in suspects:
            if report.sent or row.last_error.startswith(DROPPED):
                _charge(row, token, error, report)
            else:
                waiting.append(row)
        if waiting:  # nothing got through: an outage of a server that hangs up on everything
            _outage(waiting, token, suspects[0][1], outages, report)
    finally:
        _close(connection)


def _outage(rows, token, error, outages, report) -> None:
    """The server is away: ``rows`` go back to the queue without an attempt charged, and the batch
    tries again after the outage's back-off."""
    delay = outage_backoff(outages)
    at = timezone.now() + timedelta(seconds=delay)
    ids = [r.pk for r in rows]
    Notification.objects.filter(pk__in=ids, claim=token, status=S.SENDING).update(
        status=S.QUEUED, claim=None, next_attempt_at=at, enqueued_at=at,
        last_error=f"server unavailable: {error}"[:2000],
    )
    report.retry.extend(ids)
    report.retry_in, report.outage = delay, True


def _charge(row, token, error, report) -> None:
    """One attempt of ``row`` failed for a reason of its own: back-off, or failed after the last."""
    delay = _retry(row, token, error)
    if delay is None:
        report.failed += 1
    else:
        report.retry.append(row.pk)
        report.retry_in = max(report.retry_in, delay)


def breaks_on_message(exc: BaseException) -> bool:
    """For an outage-class error (``is_outage``): True when the session broke *after* the message
    was offered (a dropped connection, a reset, 421 to its recipient or its data), which a message
    that makes the server hang up every time causes as well as a real outage; False for a refusal
    of the session itself (our sender address, credentials, greeting), never a message's fault."""
    return not isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError
                          | smtplib.SMTPHeloError | smtplib.SMTPConnectError)


def _send_one(connection, message) -> tuple[str, BaseException | None]:
    """Hand one message to SMTP over ``connection`` (opened once per batch and kept). Returns
    ("sent", None); ("away", exc) when the server cannot be reached or refuses the session: an
    outage, nobody to blame; ("dropped", exc) when the session broke on this message twice while
    the server still answers (a connection kept since an earlier message may have been dropped
    while idle, so such a message is tried once more on a fresh one before it is blamed; a
    message that breaks a fresh session is blamed at once); ("refused", exc): the server's reply
    about this message (4xx or 5xx).

    A message retried on a fresh connection after a dropped one may arrive twice: the server may
    have taken it before the connection dropped and its reply was lost on the way. SMTP is
    at-least-once there (nothing in the protocol tells a lost reply from a lost message); the
    repeat carries the same Message-ID, so a receiving server or reader can tell."""
    for again in (False, True):
        try:
            held = getattr(connection, "connection", None) is not None
            connection.open()  # nothing when already connected
        except Exception as exc:  # noqa: BLE001 - the server cannot be reached
            return "away", exc
        try:
            _hand_over(connection, message)
        except Exception as exc:  # noqa: BLE001 - classified here
            if not is_outage(exc):
                return "refused", exc
            if not breaks_on_message(exc):
                return "away", exc
            _close(connection)
            try:  # does the server still answer? If not, an outage began: nobody to blame
                connection.open()
            except Exception:  # noqa: BLE001
                return "away", exc
            if again or not held:
                return "dropped", exc
        else:
            return "sent", None
    raise AssertionError("unreachable")


def _hand_over(connection, message) -> None:
    """Give one message to the server. Over Django's SMTP backend the message writes its own bytes
    (``OutboxMessage.wire_bytes``, the bytes Django would send) and they go to the backend's open
    SMTP session as Django's backend hands them over (the same envelope, the same exceptions); any
    other backend (the console, the tests' in-memory outbox, a subclass of Django's that signs or
    rewrites messages) sends the message its own way."""
    smtp = getattr(connection, "connection", None)
    if type(connection) is not SMTPBackend or smtp is None or not hasattr(message, "wire_bytes"):
        connection.send_messages([message])
        return
    encoding = message.encoding or settings.DEFAULT_CHARSET
    recipients = [sanitize_address(address, encoding) for address in message.recipients()]
    if recipients:
        smtp.sendmail(_envelope_sender(message.from_email, encoding), recipients, message.wire_bytes())


@functools.lru_cache(maxsize=64)
def _envelope_sender(address: str, encoding: str) -> str:
    return sanitize_address(address, encoding)  # the same sender for every message: parsed once


def _close(connection):
    # Closing a connection the server already dropped may fail; there is nothing left to do then.
    with contextlib.suppress(Exception):
        connection.close()


def _finish(row, token, status, *, error="", attempted=False, clear=False):
    values = {"status": status, "claim": None, "last_error": error}
    if attempted:
        values["attempts"] = F("attempts") + 1
    if status == S.SENT:
        values["sent_at"] = timezone.now()
    if clear:
        values["context"] = {}  # account mail carries sign-in links: do not keep them once sent
    Notification.objects.filter(pk=row.pk, claim=token).update(**values)


def _mark_sent(row, token, *, clear: bool) -> None:
    """``_finish(row, token, S.SENT, attempted=True, clear=clear)`` as one UPDATE written once:
    compiling the ORM's UPDATE for every message was a fifth of a digest message's time."""
    meta, now = Notification._meta, timezone.now()

    def value(name, v):
        return meta.get_field(name).get_db_prep_value(v, database)

    sql, params = _sent_sql(clear), [value("sent_at", now), row.pk, value("claim", token)]
    if clear:
        params.insert(1, value("context", {}))
    with database.cursor() as cursor:
        cursor.execute(sql, params)


@functools.cache
def _sent_sql(clear: bool) -> str:
    meta = Notification._meta

    def c(name):
        return database.ops.quote_name(meta.get_field(name).column)

    context = f", {c('context')} = %s" if clear else ""
    return (f"UPDATE {database.ops.quote_name(meta.db_table)} SET {c('status')} = '{S.SENT.value}', "
            f"{c('claim')} = NULL, {c('last_error')} = '', {c('attempts')} = {c('attempts')} + 1, "
            f"{c('sent_at')} = %s{context} WHERE {c('id')} = %s AND {c('claim')} = %s")


def _retry(row, token, error) -> float | None:
    """Back in the queue with back-off; failed for good after the last attempt."""
    attempts = row.attempts + 1
    if attempts >= settings.NOTIFY_MAX_ATTEMPTS:
        _finish(row, token, S.FAILED, error=f"gave up after {attempts} attempts: {error}", attempted=True)
        return None
    delay = backoff(attempts)
    at = timezone.now() + timedelta(seconds=delay)
    # enqueued_at = when the retry task will fire; the sweeper steps in only if that one is lost.
    Notification.objects.filter(pk=row.pk, claim=token).update(
        status=S.QUEUED, claim=None, attempts=attempts, last_error=error, next_attempt_at=at, enqueued_at=at
    )
    return delay


def sweep(limit: int = 5000) -> dict:
    """Recover what a lost broker message or a dead worker left behind.

    Rows in *sending* whose claim is older than NOTIFY_SENDING_TIMEOUT go back to the queue; queued
    rows that are due and were last handed to the broker more than NOTIFY_QUEUED_GRACE ago are
    handed to it again (delivery claims rows, so a second copy of a task is harmless).
    Returns counts, and the ids to enqueue (the task does that).
    """
    now = timezone.now()
    stale = now - timedelta(seconds=settings.NOTIFY_SENDING_TIMEOUT)
    released = Notification.objects.filter(status=S.SENDING, claimed_at__lt=stale).update(
        status=S.QUEUED, claim=None, next_attempt_at=now, enqueued_at=None
    )
    grace = now - timedelta(seconds=settings.NOTIFY_QUEUED_GRACE)
    lost = Notification.objects.filter(status=S.QUEUED, next_attempt_at__lte=now).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=grace)
    )
    ids = list(lost.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    if ids:
        Notification.objects.filter(pk__in=ids).update(enqueued_at=now)
    return {"released": released, "ids": ids}
