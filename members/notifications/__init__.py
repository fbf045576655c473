"""The outbox: every e-mail the portal sends is a row first, then delivered exactly once by Celery.

- ``registry``: the kinds of notification, registered by each app with its default delivery;
- ``services``: :func:`notify` writes rows in the caller's transaction and enqueues them on commit;
- ``delivery``: claims rows, renders them in the recipient's language, sends over one SMTP
  connection per batch, retries transient errors with back-off, and the sweeper that recovers
  rows a lost broker message or a killed worker left behind;
- ``tokens``: signed one-click unsubscribe links (RFC 8058).
"""
