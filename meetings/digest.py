"""The weekly digest: per person, in their language, what happened in their groups, what is
coming, and every notice they chose to receive in the digest. Nothing to say, no e-mail.

It lives in this layer because this layer sees every section: each is a read of its own app
(new initiatives, the coming meetings and the minutes, new members), imported here directly.
Built in batches of users with a fixed number of queries per batch (each section makes its own
few queries for the whole batch, never one per user). One digest per person per ISO week: the
outbox's deduplication key includes the week, so a second run in the same week (a retried task, a
restarted beat) adds nothing.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import transaction
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
