"""Checking uploads by their content, not their name (used by every app's forms).

Images are opened with Pillow under a pixel limit (a decompression bomb is refused before it is
decoded), must be PNG, JPEG, WebP or GIF, and are re-encoded: whatever else the file carried (a
script appended to a PNG, metadata) is dropped. SVG is refused (it can carry script). Documents must
be PDF, an image, or an Office file, recognised by their first bytes and structure.
"""

import io
import re
import secrets
import warnings
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .audit.services import audit

MAX_PIXELS = 40_000_000  # 40 megapixels; far above any logo or photo we need
# Pillow's own bomb guard is process-wide; set it once to our limit.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif"}


def _size_error(limit: int) -> ValidationError:
    return ValidationError(
        _("The file is too large (at most %(size)s MB).") % {"size": limit // (1024 * 1024)}, code="too_large"
    )


def clean_image(upload, *, max_bytes: int | None = None, max_side: int = 2000, name: str = "image") -> ContentFile:
    """A re-encoded copy of ``upload`` (PNG where it has transparency, else JPEG), at most
    ``max_side`` pixels on its longer side. Raises ValidationError with a translated message."""
    max_bytes = max_bytes or settings.MAX_IMAGE_UPLOAD
    if upload.size > max_bytes:
        raise _size_error(max_bytes)
    upload.seek(0)
    data = upload.read()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in IMAGE_FORMATS:
                raise ValidationError(_("Upload a PNG, JPEG, WebP or GIF image."), code="bad_type")
            if probe.width * probe.height > MAX_PIXELS:
                raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The image has too many pixels."), code="too_many_pixels")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The file is not an image we can read."), code="not_image")
    image.thumbnail((max_side, max_side))
    has_alpha = image.mode in ("RGBA", "LA", "P") and (
        image.mode != "P" or "transparency" in image.info
    )
    out = io.BytesIO()
    if has_alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
        ext = "png"
    else:
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
        ext = "jpg"
    return ContentFile(out.getvalue(), name=f"{get_valid_filename(name) or 'image'}.{ext}")


DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
_OFFICE_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}


def _too_many_pixels() -> ValidationError:
    return ValidationError(_("The image has too many pixels."), code="too_many_pixels")


def sniff_document(data: bytes, filename: str) -> str | None:
    """The document type recognised from the content, or None. The extension must agree. An image
    above the pixel limit raises ValidationError: it is read from its header, never decoded here,
    but whoever opens it would decode it."""
    ext = PurePath(filename).suffix.lower().lstrip(".")
    if ext not in DOCUMENT_TYPES:
        return None
    if ext == "pdf":
        return "pdf" if data[:5] == b"%PDF-" and b"%%EOF" in data[-2048:] else None
    if ext in ("png", "jpg", "jpeg"):
        try:
            with warnings.catch_warnings():
                # Pillow only warns between MAX_PIXELS and twice that; the limit is checked below
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(data)) as img:
                    fmt, (width, height) = img.format, img.size
        except Image.DecompressionBombError:
            raise _too_many_pixels()
        except Exception:  # noqa: BLE001 - not an image
            return None
        if not ((fmt == "PNG" and ext == "png") or (fmt == "JPEG" and ext in ("jpg", "jpeg"))):
            return None
        if width * height > MAX_PIXELS:
            raise _too_many_pixels()
        return ext
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if "[Content_Types].xml" not in names:
                return None
            if not any(n.startswith(_OFFICE_PART[ext]) for n in names):
                return None
            # a zip bomb: refuse archives that unpack to far more than they weigh
            if sum(i.file_size for i in archive.infolist()) > 200 * 1024 * 1024:
                return None
    except zipfile.BadZipFile:
        return None
    return ext


def clean_document(upload, *, max_bytes: int | None = None) -> tuple[ContentFile, str]:
    """(file, content type) for an accepted document; ValidationError otherwise."""
    max_bytes = max_bytes or settings.MAX_DOCUMENT_UPLOAD
    if upload.size > max_bytes:
        raise _size_error(max_bytes)
    upload.seek(0)
    data = upload.read()
    kind = sniff_document(data, upload.name or "")
    if kind is None:
        raise ValidationError(
            _("Upload a PDF, Word, Excel, PowerPoint, PNG or JPEG file whose content matches its name."),
            code="bad_type",
        )
    name = get_valid_filename(PurePath(upload.name).name)[:120] or f"document.{kind}"
    return ContentFile(data, name=name), DOCUMENT_TYPES[kind]


def attach(document, *, upload, title: str = "", by=None):
    """Check ``upload`` (clean_document) and store it as ``document`` (an unsaved row of a
    members.models.Document model, its owner set): its title (the file's name when none is
    given), type, size and who uploaded it. Returns the saved row."""
    content, content_type = clean_document(upload)
    document.title = (title or content.name)[:200]
    document.content_type = content_type
    document.size = content.size
    document.uploaded_by = by
    document.file.save(content.name, content, save=False)
    document.save()
    return document


def attach_version(document, *, upload, title: str = "", by=None):
    """Replace the file of ``document`` (a saved row of a members.models.Document model, locked by
    the caller) by ``upload``, keeping the file it had as an earlier version: a row of the same
    model naming the document in ``version_of``, with the title, type, size, uploader and date that
    file had. The upload is checked first (clean_document): a refused file changes nothing. The
    document keeps its pk (addresses that name it stay valid) and its title unless ``title`` is
    given. Returns the row of the earlier version."""
    content, content_type = clean_document(upload)
    earlier = type(document).objects.get(pk=document.pk)
    earlier.pk = None
    earlier._state.adding = True
    earlier.version_of = document
    earlier.save()
    document.title = (title or document.title)[:200]
    document.content_type = content_type
    document.size = content.size
    document.uploaded_by = by
    document.created_at = timezone.now()
    document.file.save(content.name, content, save=False)
    document.save()
    return earlier


def detach(document) -> int:
    """Delete ``document`` with its earlier versions, and their stored files once the transaction
    commits (a rollback keeps them). Returns how many versions there were."""
    rows = [document, *document.earlier_versions.all()]
    names = [row.file.name for row in rows if row.file.name]
    storage = document.file.storage
    document.delete()  # the earlier versions go with it (CASCADE)
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(rows)


def version_audited(document, *, owner_field: str, by, upload, title: str = ""):
    """A new version of ``document`` (attach_version, on the row locked), with an audit entry on its
    owner (``owner_field``: the field naming it) of the new version's number. Call inside the
    caller's transaction. Returns the document."""
    document = type(document).objects.select_for_update().select_related(owner_field).get(pk=document.pk)
    attach_version(document, upload=upload, title=title, by=by)
    audit(actor=by, action="document.version", obj=getattr(document, owner_field),
          detail={"title": document.title, "document": document.pk, "version": document.earlier_versions.count() + 1})
    return document


def remove_audited(document, *, owner_field: str, by, reason: str = "") -> int:
    """Remove ``document`` with its earlier versions (detach, on the row locked), with an audit entry
    on its owner of who removed what, when and why. Call inside the caller's transaction. Returns
    the versions removed."""
    document = type(document).objects.select_for_update().select_related(owner_field).get(pk=document.pk)
    owner, title = getattr(document, owner_field), document.title
    removed = detach(document)
    audit(actor=by, action="document.remove", obj=owner, reason=(reason or "").strip(),
          detail={"title": title, "versions": removed})
    return removed


# A file that passed its checks in a form that failed on another field is held for the person who
# sent it, so that they need not choose it again: its bytes in the cache (Redis in production) for
# HELD_SECONDS, under a random token the form carries back in a hidden field. The token is bound to
# the person: someone else's token finds nothing.
HELD_SECONDS = 3600
_HELD_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _held_key(user_id, token: str) -> str:
    return f"held-upload:{user_id}:{token}"


def upload_hold(*, user_id, upload, chosen_name: str = "") -> str:
    """Hold a checked ``upload`` for ``user_id`` (``chosen_name``: the name of the file the person
    chose, which checking may have changed); returns the token that gives it back."""
    token = secrets.token_urlsafe(18)
    upload.seek(0)
    cache.set(_held_key(user_id, token), (upload.name, upload.read(), chosen_name or upload.name), HELD_SECONDS)
    upload.seek(0)
    return token


def upload_held(*, user_id, token: str) -> ContentFile | None:
    """The upload ``user_id`` holds under ``token``, or None (unknown, expired, someone else's)."""
    if not token or not _HELD_TOKEN.fullmatch(token):
        return None
    held = cache.get(_held_key(user_id, token))
    if not held:
        return None
    name, data, chosen_name = held
    content = ContentFile(data, name=name)
    content.chosen_name = chosen_name
    return content
