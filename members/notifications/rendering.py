"""Turning an outbox row into an e-mail, in the recipient's language."""

import functools
import re
import uuid
from dataclasses import dataclass
from email.policy import compat32
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, forbid_multi_line_headers
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from . import registry
from .models import Notification
from .tokens import make_token

# The namespace of the portal's feed identifiers (never change it: readers know entries by them).
FEED_NAMESPACE = uuid.UUID("6f0f3f1e-7c1b-4b8e-9a55-3c2b1d0a2021")


def absolute(path: str) -> str:
    """``path`` on the site's public address (settings.SITE_URL), the one source of every
    absolute link the portal gives out: mail, feeds, calendars, exports and link tags."""
    return settings.SITE_URL + path


def feed_id(*parts) -> str:
    """A permanent Atom id (a name-based UUID URN) for what ``parts`` name: the same on every host
    name the site is reached by, different for each language version of an entry."""
    return "urn:uuid:" + str(uuid.uuid5(FEED_NAMESPACE, ":".join(str(p) for p in parts)))


def url_in(language: str, obj) -> str:
    """The absolute address of ``obj``'s page in ``language``."""
    with translation.override(language):
        return absolute(obj.get_absolute_url())


def unsubscribe_url(notification: Notification) -> str:
    token = make_token(kind=notification.kind, user_id=notification.recipient_id, email=notification.email)
    with translation.override(notification.language):
        return absolute(reverse("notifications:unsubscribe", kwargs={"token": token}))


def digest_line(notification: Notification, obj) -> dict:
    """What the weekly digest shows of a notice held for it: its subject and a link to its object,
    in the recipient's language (computed when the notice is written, so that building a digest
    costs no query per notice)."""
    kind = registry.get(notification.kind)
    with translation.override(notification.language):
        context = {"notification": notification, "recipient": notification.recipient, "site_url": settings.SITE_URL}
        context.update(notification.context)
        if kind.context is not None:
            context.update(kind.context(notification))
        subject = " ".join(render_to_string(f"{kind.template}/subject.txt", context).split())
        link = absolute(obj.get_absolute_url()) if hasattr(obj, "get_absolute_url") else ""
    return {"_subject": subject, "_link": link}


# What Django's SMTP backend writes: the email package's compat32 policy with CRLF line ends.
_WIRE_POLICY = compat32.clone(linesep="\r\n")
_NEWLINE = re.compile(r"\r\n|\r|\n")  # the line ends the email package turns into CRLF
_HANDLED_HEADERS = {"from", "to", "cc", "reply-to"}  # set by Django before the extra headers


@functools.lru_cache(maxsize=1024)
def _header(name: str, value: str) -> bytes:
    """One header line as Django's SMTP backend writes it: checked and encoded by Django
    (``forbid_multi_line_headers``: RFC 2047 words, addresses), folded by the email package.
    Cached: the sender, the subject of a digest and the MIME headers are the same for thousands
    of messages, and encoding them was most of the cost of a message's headers."""
    name, value = forbid_multi_line_headers(name, value, "utf-8")
    return _WIRE_POLICY.fold_binary(name, value)


def _text_part(text: str, subtype: str) -> bytes | None:
    """A text part as Django writes it (``SafeMIMEText`` in UTF-8 with 7bit or 8bit transfer
    encoding), or None when Django would choose quoted-printable (a line over 998 bytes) or the
    text cannot be UTF-8 (a lone surrogate)."""
    try:
        data = text.encode()
    except UnicodeEncodeError:
        return None
    # Django measures the lines of str.splitlines(), which splits at more characters than CR and
    # LF: no line of ours over the limit means none of Django's either; one over it, Django's path.
    if max(map(len, data.splitlines()), default=0) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        return None
    return b"".join((
        _header("Content-Type", f'text/{subtype}; charset="utf-8"'),
        _header("MIME-Version", "1.0"),
        _header("Content-Transfer-Encoding", "7bit" if data.isascii() else "8bit"),
        b"\r\n",
        _NEWLINE.sub("\r\n", text).encode(),
    ))


class OutboxMessage(EmailMultiAlternatives):
    """An e-mail whose MIME boundary is chosen when it is built. Left to the email package, every
    message compiled a regular expression for a fresh random boundary and searched its whole text
    with it: a seventh of the time of turning a digest into bytes. Ours carries 128 random bits,
    drawn after the text was written, so no text can contain it but by a chance of 2**-128."""

    def message(self):
        msg = super().message()
        for part in msg.walk():  # the message, and the alternatives inside it when it has attachments
            if part.is_multipart():
                part.set_boundary(f"=_{uuid.uuid4().hex}")
        return msg

    def wire_bytes(self) -> bytes:
        """The bytes Django's SMTP backend sends for this message (``message().as_bytes()`` with
        CRLF), written directly for the shape nearly every outbox message has: a plain-text body and
        an HTML alternative in UTF-8 without long lines, no attachments, no Cc, its own Date and
        Message-ID. Building the email package's MIME tree and serialising it, and encoding the
        same sender and subject again for every message, was about a third of a digest message's
        CPU (bench/digest.py). Any other shape takes Django's path. The headers are Django's own
        encoding folded by the email package, so the bytes are the same (tests compare them)."""
        extra = {name.lower() for name in self.extra_headers}
        simple = (
            not self.attachments and not self.cc and not self.bcc and self.body
            and self.encoding is None and settings.DEFAULT_CHARSET == "utf-8"
            and self.content_subtype == "plain" and self.alternative_subtype == "alternative"
            and len(self.alternatives) == 1 and self.alternatives[0].mimetype == "text/html"
            and {"date", "message-id"} <= extra and not extra & {"to", "cc", "reply-to", "content-type",
                                                                 "mime-version", "subject"}
        )
        text = simple and _text_part(str(self.body), "plain")
        html = text and _text_part(str(self.alternatives[0].content), "html")
        if not html:
            return self.message().as_bytes(linesep="\r\n")
        boundary = f"=_{uuid.uuid4().hex}"
        headers = [
            _WIRE_POLICY.fold_binary("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
            _header("MIME-Version", "1.0"),
            _header("Subject", str(self.subject)),
            _header("From", str(self.extra_headers.get("From", self.from_email))),
        ]
        if self.to:
            headers.append(_header("To", ", ".join(str(v) for v in self.to)))
        if self.reply_to:
            headers.append(_header("Reply-To", ", ".join(str(v) for v in self.reply_to)))
        headers += [_header(name, str(value)) for name, value in self.extra_headers.items()
                    if name.lower() not in _HANDLED_HEADERS]
        delimiter = f"--{boundary}".encode()
        return b"".join((*headers, b"\r\n", delimiter, b"\r\n", text, b"\r\n", delimiter, b"\r\n", html,
                         b"\r\n", delimiter, b"--\r\n"))


def template_context(notification: Notification, kind) -> dict:
    """What a kind's templates read: the notice, its recipient, the site's addresses, the stored
    context and the kind's own (which raises registry.Obsolete when the notice no longer applies).
    Called in the recipient's language."""
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "site_url": settings.SITE_URL,
        "settings_url": absolute(reverse("notifications:settings")),
        "kind_label": str(kind.label),
    }
    context.update(notification.context)
    if kind.context is not None:
        context.update(kind.context(notification))
    return context


def render(notification: Notification) -> EmailMultiAlternatives:
    """Subject, plain text and HTML from the kind's templates; headers every message carries.

    Raises registry.Obsolete when the notice no longer applies.
    """
    kind = registry.get(notification.kind)
    with translation.override(notification.language):
        context = template_context(notification, kind)
        headers = {
            "Message-ID": notification.message_id,
            "Date": formatdate(localtime=True),
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
        }
        # headers of the kind's own (the newsletter's List-Id)
        headers.update(kind.extra.get("headers", {}))
        # Only a kind people may turn off has an unsubscribe link: for a notice the rules require
        # (voting opened, a need's confirmation) the link could only answer "invalid link".
        if kind.choosable and not kind.transactional:
            context["unsubscribe_url"] = unsubscribe_url(notification)
            headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        subject = " ".join(render_to_string(f"{kind.template}/subject.txt", context).split())
        text = render_to_string(f"{kind.template}/body.txt", context)
        html = render_to_string(f"{kind.template}/body.html", context)
        attachments = kind.attachments(notification) if kind.attachments else []
    message = OutboxMessage(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.email],
        reply_to=[notification.reply_to] if notification.reply_to else None,
        headers=headers,
    )
    if html.strip():  # an empty HTML part shows as a blank message in clients that prefer HTML
        message.attach_alternative(html, "text/html")
    for attachment in attachments:
        # (filename, content, mimetype), or a ready MIME part when parameters matter (.ics)
        if isinstance(attachment, tuple):
            message.attach(*attachment)
        else:
            message.attach(attachment)
    return message


# A value signed by django.core.signing (payload:timestamp:signature, the signature at least 27
# characters of URL-safe base64): the part of a personal link that proves who it was made for.
SIGNED_VALUE = re.compile(r"[\w.\-]+:[\w\-]+:[\w\-]{27,}")


@dataclass(frozen=True)
class Preview:
    """What the secretariat's outbox shows of one message. ``subject``/``text`` are empty when not
    shown; ``withheld`` says why the body is not shown, ``obsolete`` why the message is not sent."""

    language: str
    subject: str = ""
    text: str = ""
    withheld: str = ""
    obsolete: str = ""


def _without_personal_links(text: str) -> str:
    return SIGNED_VALUE.sub("…", text)


def preview(notification: Notification) -> Preview:
    """The subject and plain-text body of ``notification`` as its recipient reads them, rendered
    now from the stored data in the recipient's language (the subject is not stored), for the
    secretariat's outbox. No side effect: no attachment is built, no unsubscribe token made.

    Nobody but the recipient may hold a link that acts for them: the signed part of every link is
    replaced by "…", and the body of a transactional message (address confirmation, password
    reset, a visitor's registration: its point is the personal link) is not shown at all.
    """
    language = notification.language
    try:
        kind = registry.get(notification.kind)
    except LookupError:
        return Preview(language=language, obsolete=_("This kind of message is no longer known to the portal."))
    with translation.override(language):
        try:
            context = template_context(notification, kind)
        except registry.Obsolete:
            return Preview(language=language, obsolete=_(
                "What this message is about has changed or is gone: it is no longer sent, and there is "
                "nothing to show."))
        if kind.choosable and not kind.transactional:
            context["unsubscribe_url"] = "…"
        subject = _without_personal_links(
            " ".join(render_to_string(f"{kind.template}/subject.txt", context).split()))
        if kind.transactional:
            withheld = _("This message carries the recipient's personal link (a confirmation, a password reset or a "
                         "cancellation): only its subject is shown here.")
            if not subject:
                withheld = _("The content of this message was deleted once it was sent: it carried the recipient's "
                             "personal link.")
            return Preview(language=language, subject=subject, withheld=withheld)
        text = _without_personal_links(render_to_string(f"{kind.template}/body.txt", context))
    return Preview(language=language, subject=subject, text=text.strip())
