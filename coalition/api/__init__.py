"""The REST API at /api/v1/ (Django REST framework, schema by drf-spectacular).

The top layer: it reads every app through their selectors, filters and rules, writes initiatives
through working_groups.services, and nothing imports it."""
