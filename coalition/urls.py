"""Root URLs: the public contract of docs/urls.md, under /ja/ and /en/ (Japanese the default)."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path

from members.sso import urls as sso_urls

from . import views

handler404 = "coalition.views.page_not_found"
handler500 = "coalition.views.server_error"
handler429 = "coalition.views.too_many_requests"  # allauth's rate limits answer with it

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots, name="robots"),
    path("sitemap.xml", views.sitemap_index, name="sitemap"),
    path("sitemap-<slug:section>.xml", views.sitemap_section, name="sitemap-section"),
    re_path(r"^media/(?P<path>.+)$", views.media, name="media"),
    # SAML endpoints outside the language prefix: identity providers register these addresses once.
    *sso_urls.saml_urlpatterns,
    path("api/v1/", include("coalition.api.urls")),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("", include("members.notifications.urls")),
    path("", include("members.urls")),
    path("", include("working_groups.urls")),
    path("", include("working_groups.progress.urls")),
    path("", include("working_groups.cooperation.urls")),
    path("", include("meetings.urls")),
    path("", include("meetings.governance.urls")),
    path("", include("meetings.dissemination.urls")),
    path("", include((sso_urls.page_urlpatterns, "sso"))),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)
