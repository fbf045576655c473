from django.apps import AppConfig

from . import db


class CoalitionConfig(AppConfig):
    name = "coalition"
    verbose_name = "Coalition portal"

    def ready(self):
        db.connect()
