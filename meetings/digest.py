"""The weekly digest: per person, in their language, what happened in their groups, what is
coming, and every notice they chose to receive in the digest. Nothing to say, no e-mail.

It lives in this layer because this layer sees every section: each is a read of its own app
(new initiatives, the coming meetings and the minutes, new members), imported here directly.
Built in batches of users with a fixed number of queries per batch (each section makes its own
few queries for the whole batch, never one per user). One digest per person per ISO week: the
outbox's deduplication key includes the week, so a second run in the same week (a retried task, a
restarted beat) adds nothing.

The build is durable state in PostgreSQL, not a set of messages in Redis: ``run_start`` records one
``DigestRun`` per period and plans it into ``DigestChunk`` rows (ranges of recipient ids) in one
transaction; each chunk is built in one transaction that writes its outbox rows and marks it done,
holding a row lock on it meanwhile (a second copy of its task skips it; a worker that dies releases
the lock with its connection and its work is rolled back). The sweeper (``sweep``, beat) plans a
run whose planning died and re-enqueues the pending chunks of a run that has stopped making
progress, so a killed worker or an emptied Redis delays the digest and never loses one.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from members.i18n import pick
from members.markup import escape_text as _e
from members.models import User
from members.notifications.models import Delivery, Notification, NotificationPreference
from members.notifications.services import dedup_key, enqueue_on_commit
from members.selectors import new_members_for_digest
from working_groups.cooperation.selectors import needs_for_digest
from working_groups.selectors import initiatives_for_digest

from .models import DigestChunk, DigestRun
from .selectors import minutes_for_digest, upcoming_for_digest

KIND = "weekly_digest"
TOKYO = datetime.timezone(datetime.timedelta(hours=9), "JST")


@dataclass(frozen=True)
class Period:
    """The week a digest covers: the 7 days before ``end`` (a Monday morning, JST)."""

    start: datetime.datetime
    end: datetime.datetime
    key: str  # ISO week of the sending day, e.g. 2026-W49

    @property
    def upcoming_until(self) -> datetime.datetime:
        return self.end + datetime.timedelta(days=14)


def period_for(moment: datetime.datetime | None = None) -> Period:
    moment = (moment or timezone.now()).astimezone(TOKYO)
    year, week, _ = moment.isocalendar()
    end = moment.replace(microsecond=0)
    return Period(start=end - datetime.timedelta(days=7), end=end, key=f"{year}-W{week:02d}")


@dataclass(frozen=True)
class Section:
    """``build(users, period)`` returns {user id: [item, ...]} where an item is a dict with
    ``title``, ``url`` (absolute, in the user's language) and optional ``meta``; items are already
    in each user's language. It makes a few queries for the whole batch, never one per user."""

    key: str
    title_ja: str
    title_en: str
    build: Callable


SECTIONS = (
    Section("initiatives", "あなたのワーキンググループの新着取組事例", "New initiatives in your working groups",
            initiatives_for_digest),
    Section("needs", "あなたのワーキンググループの新しいニーズ", "New needs in your working groups", needs_for_digest),
    Section("meetings", "今後2週間の会議", "Meetings in the next two weeks", upcoming_for_digest),
    Section("minutes", "公開された議事録", "Minutes published", minutes_for_digest),
    Section("new-members", "新しい会員機関", "New members", new_members_for_digest),
)


def recipients():
    """Active people with a verified address, in id order (batched by the caller)."""
    verified = EmailAddress.objects.filter(verified=True).values("user_id")
    return User.objects.filter(is_active=True, pk__in=verified).order_by("pk")


@transaction.atomic
def build_batch(user_ids: list[int], period: Period) -> int:
    """Write this week's digest rows for a batch of users; delivery follows on commit.
    Returns the number of digests written. A fixed number of queries, whatever the batch size."""
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))  # 1
    off = set(NotificationPreference.objects.filter(  # 2
        user_id__in=user_ids, kind=KIND, delivery=Delivery.NEVER).values_list("user_id", flat=True))
    users = [u for u in users if u.pk not in off]
    if not users:
        return 0
    built = {s.key: s.build(users, period) for s in SECTIONS}  # a few per section
    held_rows = list(Notification.objects.filter(  # 3
        recipient_id__in=[u.pk for u in users], status=Notification.Status.HELD, created_at__lt=period.end,
    ).order_by("created_at").values("pk", "recipient_id", "context"))
    held: dict[int, list] = {}
    for row in held_rows:
        held.setdefault(row["recipient_id"], []).append(row)
    now = timezone.now()
    rows, included = [], {}
    for user in users:
        parts = []
        for section in SECTIONS:
            items = built[section.key].get(user.pk) or []
            if items:
                parts.append({"title": pick(section.title_ja, section.title_en, user.language), "items": items})
        notices = [{"title": r["context"].get("_subject", ""), "url": r["context"].get("_link", "")}
                   for r in held.get(user.pk, [])]
        if not parts and not notices:
            continue  # nothing to say: no e-mail
        key = dedup_key(KIND, None, None, f"u{user.pk}", period.key)
        rows.append(Notification(
            kind=KIND, recipient=user, email=user.email, language=user.language or "ja", dedup_key=key,
            context={"sections": parts, "notices": notices, "period": period.key,
                     "start": period.start.date().isoformat(), "end": period.end.date().isoformat()},
            created_at=now, next_attempt_at=now, enqueued_at=now,
        ))
        included[key] = [r["pk"] for r in held.get(user.pk, [])]
    if not rows:
        return 0
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)  # 4
    written = Notification.objects.filter(  # 5: the rows of this run (not one kept from an earlier run)
        kind=KIND, recipient_id__in=[row.recipient_id for row in rows], created_at=now,
        status=Notification.Status.QUEUED,
    ).values_list("dedup_key", "pk")
    created = {key: pk for key, pk in written if key in included}
    # notices go out in a digest once: only with a digest written now (not one from an earlier run)
    carried = [pk for key in created for pk in included[key]]
    if carried:
        Notification.objects.filter(pk__in=carried, status=Notification.Status.HELD).update(  # 6
            status=Notification.Status.DIGESTED, sent_at=now)
    enqueue_on_commit(sorted(created.values()))
    return len(created)


def batches(size: int | None = None):
    """Lists of user ids to build, ``size`` at a time (keyset pagination over the primary key)."""
    size = size or settings.DIGEST_BATCH_SIZE
    last = 0
    while True:
        ids = list(recipients().filter(pk__gt=last).values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def run_start(*, period: Period, kind: str = KIND) -> tuple[DigestRun, list[int]]:
    """Record the build of ``kind`` for ``period`` (once per period, whoever asks) and plan it.
    Returns the run and the ids of the chunks to enqueue (none when it was planned before: the
    sweeper looks after those). Side effects: a ``DigestRun`` row, its ``DigestChunk`` rows."""
    run, _ = DigestRun.objects.get_or_create(
        kind=kind, period=period.key, defaults={"starts_at": period.start, "ends_at": period.end})
    # Committed before the planning: if that dies, the sweeper finds the run still planning.
    return run, run_plan(run_id=run.pk)


@transaction.atomic
def run_plan(*, run_id: int) -> list[int]:
    """Split a run that is still planning into chunks of DIGEST_BATCH_SIZE recipients (one query
    for the ids, one insert), in one transaction. Returns the chunk ids to enqueue; none when the
    run is planned already or being planned by someone else right now."""
    run = DigestRun.objects.select_for_update(skip_locked=True).filter(
        pk=run_id, status=DigestRun.Status.PLANNING).first()
    if run is None:
        return []
    size, now = settings.DIGEST_BATCH_SIZE, timezone.now()
    ids = list(recipients().values_list("pk", flat=True))
    chunks = DigestChunk.objects.bulk_create(
        [DigestChunk(run=run, first_user_id=ids[i], last_user_id=ids[min(i + size, len(ids)) - 1], enqueued_at=now)
         for i in range(0, len(ids), size)], batch_size=1000)
    run.chunks_total = len(chunks)
    run.status = DigestRun.Status.BUILDING if chunks else DigestRun.Status.COMPLETE
    run.completed_at = None if chunks else now
    run.save(update_fields=["chunks_total", "status", "completed_at"])
    return [c.pk for c in chunks]


def chunk_build(*, chunk_id: int) -> int:
    """Build one pending chunk: its digests and its 'done' mark in one transaction, under a row
    lock (a copy of the task running at the same time skips the chunk; one running later finds it
    done). Returns the digests written. Side effects: outbox rows, delivery tasks on commit."""
    with transaction.atomic():
        chunk = (DigestChunk.objects.select_for_update(skip_locked=True, of=("self",)).select_related("run")
                 .filter(pk=chunk_id, status=DigestChunk.Status.PENDING).first())
        if chunk is None:
            return 0
        run = chunk.run
        # Stored in UTC; the period's dates are Japanese ones.
        period = Period(run.starts_at.astimezone(TOKYO), run.ends_at.astimezone(TOKYO), run.period)
        ids = list(recipients().filter(pk__gte=chunk.first_user_id, pk__lte=chunk.last_user_id)
                   .values_list("pk", flat=True))
        written = build_batch(ids, period) if ids else 0
        DigestChunk.objects.filter(pk=chunk.pk).update(
            status=DigestChunk.Status.DONE, written=written, done_at=timezone.now())
    return written


def week_start(moment: datetime.datetime) -> datetime.datetime:
    """Monday 08:00 JST of ``moment``'s week: when beat starts the digest."""
    local = moment.astimezone(TOKYO)
    return (local - datetime.timedelta(days=local.weekday())).replace(hour=8, minute=0, second=0, microsecond=0)


def sweep(*, now: datetime.datetime | None = None) -> dict:
    """Drive every unfinished build to its end: start this week's run if beat's Monday task never
    recorded it (lost with Redis before a worker took it; only within DIGEST_CATCH_UP_HOURS of
    Monday 08:00 JST), plan the runs whose planning died, re-enqueue the pending chunks of a run
    that has made no progress for NOTIFY_QUEUED_GRACE (its tasks were lost with a worker or with
    Redis; a run still progressing is left alone, so a long build is not flooded with copies of its
    tasks), and mark finished runs complete. Returns the chunk ids to enqueue (the task does that)
    and counts."""
    now = now or timezone.now()
    grace = now - datetime.timedelta(seconds=settings.NOTIFY_QUEUED_GRACE)
    ids, started = [], None
    monday = week_start(now)
    if monday <= now < monday + datetime.timedelta(hours=settings.DIGEST_CATCH_UP_HOURS):
        period = period_for(monday)
        if not DigestRun.objects.filter(kind=KIND, period=period.key).exists():
            started, chunk_ids = run_start(period=period)
            ids += chunk_ids
    for run_id in DigestRun.objects.filter(status=DigestRun.Status.PLANNING, created_at__lt=grace).values_list(
            "pk", flat=True):
        ids += run_plan(run_id=run_id)
    completed = 0
    for run in DigestRun.objects.filter(status=DigestRun.Status.BUILDING).exclude(pk=getattr(started, "pk", None)):
        state = run.chunks.aggregate(
            pending=Count("pk", filter=Q(status=DigestChunk.Status.PENDING)),
            done_at=Max("done_at"), enqueued_at=Max("enqueued_at"))
        if not state["pending"]:
            completed += DigestRun.objects.filter(pk=run.pk, status=DigestRun.Status.BUILDING).update(
                status=DigestRun.Status.COMPLETE, completed_at=now)
            continue
        progress = max((t for t in (state["done_at"], state["enqueued_at"]) if t is not None), default=None)
        if progress is not None and progress >= grace:
            continue
        with transaction.atomic():
            stalled = list(DigestChunk.objects.select_for_update(skip_locked=True)
                           .filter(run=run, status=DigestChunk.Status.PENDING).values_list("pk", flat=True))
            DigestChunk.objects.filter(pk__in=stalled).update(enqueued_at=now)
        ids += stalled
    return {"ids": ids, "completed": completed}


def body_parts(notification) -> dict:
    """The sections and notices of a digest as ready HTML and text (the kind's ``context``): the
    one e-mail sent to everyone at once is built in Python rather than in template loops, which
    took half of each message's time (bench/digest.py). Every value is escaped. One item per line:
    a line over 998 bytes would make the whole HTML part quoted-printable (three times the bytes of
    Japanese text, and the slowest part of sending it)."""

    h2 = '<h2 style="font-size:17px;color:#0a3d28;margin:20px 0 8px;">'
    ul, li = '<ul style="padding-left:20px;margin:0;">', '<li style="margin:0 0 6px;">'
    link = '<a href="{url}" style="color:#0b5d3b;">{title}</a>'
    html, text = [], []
    for section in notification.context.get("sections", []):
        rows = []
        text.append(f"\n■ {section.get('title', '')}\n")
        for item in section.get("items", []):
            meta = item.get("meta") or ""
            rows.append(li + link.format(url=_e(item.get("url", "")), title=_e(item.get("title", "")))
                        + (f' <span style="color:#49524d;">{_e(meta)}</span>' if meta else "") + "</li>")
            text.append(f"- {item.get('title', '')}{f' ({meta})' if meta else ''}\n  {item.get('url', '')}\n")
        html.append(f"{h2}{_e(section.get('title', ''))}</h2>\n{ul}\n" + "\n".join(rows) + "</ul>\n")
    notices = notification.context.get("notices", [])
    if notices:
        heading = gettext("Notices you chose to receive in the digest")
        rows = [li + (link.format(url=_e(n["url"]), title=_e(n.get("title", ""))) if n.get("url")
                      else _e(n.get("title", ""))) + "</li>" for n in notices]
        html.append(f"{h2}{_e(heading)}</h2>\n{ul}\n" + "\n".join(rows) + "</ul>")
        text.append(f"\n■ {heading}\n")
        text.extend(f"- {n.get('title', '')}" + (f"\n  {n['url']}" if n.get("url") else "") + "\n" for n in notices)
    return {"sections_html": mark_safe("".join(html)), "sections_text": "".join(text)}
