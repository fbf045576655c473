"""News, subscribers and newsletter issues in the admin: read-only. They are written on the portal's
own pages (/news/new/, /newsletter/issues/), whose services check the double opt-in, send an issue
once and keep the page cache right; the admin would bypass all three."""

from django.contrib import admin

from members.admin import ReadOnlyAdmin

from .models import NewsItem, NewsletterIssue, Subscriber


@admin.register(NewsItem)
class NewsItemAdmin(ReadOnlyAdmin):
    list_display = ["slug", "kind", "status", "title_ja", "title_en"]
    list_filter = ["kind", "status"]
    search_fields = ["slug", "title_ja", "title_en"]


@admin.register(Subscriber)
class SubscriberAdmin(ReadOnlyAdmin):
    list_display = ["email", "language", "status", "created_at", "confirmed_at", "unsubscribed_at"]
    list_filter = ["status", "language"]
    search_fields = ["email"]


@admin.register(NewsletterIssue)
class NewsletterIssueAdmin(ReadOnlyAdmin):
    list_display = ["subject_ja", "status", "recipients", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["subject_ja", "subject_en"]
