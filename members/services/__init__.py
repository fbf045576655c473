"""Writes of the members app that have side effects, one module per subject: applications,
affiliations, institutions, people, the CSV import, and ``requests`` (deciding any request).

Every service is atomic, validates before it saves, records decisions in the audit log and writes
its e-mails to the outbox in the same transaction (they leave after commit).
"""
