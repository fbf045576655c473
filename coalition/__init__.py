"""The top of the house: settings, root URLs, the Celery app, the home page. Nothing imports it."""

from .celery import app as celery_app

__all__ = ["celery_app"]
