"""Institutional single sign-on: SAML 2.0 through django-allauth's SAML provider.

An app of its own (label ``sso``) inside the members layer: it reads institutions and users and
nothing in ``members`` imports it. README ("Single sign-on") says how to configure a provider.
"""
