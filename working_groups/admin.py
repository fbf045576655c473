from django.contrib import admin

from members.admin_site import SecretariatAdmin

from .models import WorkingGroup


@admin.register(WorkingGroup)
class WorkingGroupAdmin(SecretariatAdmin):
    list_display = ["slug", "name_ja", "name_en", "tier", "status", "is_open", "order"]
    list_filter = ["tier", "status", "is_open"]
    search_fields = ["slug", "name_ja", "name_en"]
    filter_horizontal = ["coordinators"]
