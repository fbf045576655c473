"""The bucket that holds uploaded files when MEDIA_STORAGE_URL is set (settings.media_storage)."""

from django.conf import settings
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage


class PrivateBucketStorage(S3Storage):
    """An S3-compatible bucket whose objects are never addressed directly: a file's URL is the
    portal's own ``/media/<name>``, as on disk, where coalition.views.media checks who may see it.
    ``signed_url`` is for the proxy that streams an authorised file (X-Accel-Redirect) only."""

    def url(self, name, parameters=None, expire=None, http_method=None):
        return settings.MEDIA_URL + filepath_to_uri(name)

    def signed_url(self, name: str, *, content_type: str) -> str:
        """A GET of the object, valid for MEDIA_SIGNED_URL_SECONDS, answered with ``content_type``."""
        return super().url(name, parameters={"ResponseContentType": content_type})
