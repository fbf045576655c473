"""The notification kinds this app sends (registered with the outbox in AppConfig.ready())."""


def register_all():
    """Nothing yet: the newsletter's kinds are added with it."""
