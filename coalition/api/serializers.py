"""What the API shows of each object. Texts come in the request's language (``name``, ``title``:
falling back to the other language like the pages do) and as both stored versions (``name_ja``,
``name_en``), so a client can show either without asking twice."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings.dissemination.models import NewsItem
from meetings.models import AgendaItem, Meeting
from members.markup import slug_url
from members.models import Institution
from members.notifications.rendering import absolute
from members.regions import PREFECTURES_BY_CODE
from working_groups.cooperation.models import Expertise, Need, Partner
from working_groups.models import Initiative, WorkingGroup


class PageUrlField(serializers.Field):
    """The object's page on the site (absolute, on settings.SITE_URL, in the request's language)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj):
        return absolute(obj.get_absolute_url())


PageUrlField = extend_schema_field(OpenApiTypes.URI)(PageUrlField)


class RegionMixin(serializers.Serializer):
    region = serializers.SerializerMethodField()

    def get_region(self, obj) -> str | None:
        pref = PREFECTURES_BY_CODE.get(obj.prefecture)
        return pref.region_slug if pref else None


class InstitutionSerializer(RegionMixin, serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    url = PageUrlField()

    class Meta:
        model = Institution
        fields = ["slug", "name", "name_ja", "name_en", "name_kana", "kind", "kind_label", "category",
                  "category_label", "prefecture", "region", "website", "status", "joined_on", "target_year",
                  "url"]


class InstitutionDetailSerializer(InstitutionSerializer):
    profile = serializers.CharField(read_only=True)
    groups = serializers.SerializerMethodField()

    class Meta(InstitutionSerializer.Meta):
        fields = [*InstitutionSerializer.Meta.fields, "profile", "profile_ja", "profile_en", "groups"]

    def get_groups(self, obj) -> list[str]:
        """Slugs of the theme groups the institution takes part in."""
        return self.context.get("groups", [])


class WorkingGroupSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    coordinators = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    institutions = serializers.SerializerMethodField()
    people = serializers.SerializerMethodField()
    url = PageUrlField()

    class Meta:
        model = WorkingGroup
        fields = ["slug", "tier", "name", "name_ja", "name_en", "description", "description_ja", "description_en",
                  "status", "is_open", "coordinators", "institutions", "people", "url"]

    def _counts(self, obj) -> dict:
        return self.context.get("counts", {}).get(obj.pk, {"institutions": 0, "people": 0})

    def get_institutions(self, obj) -> int:
        """Institutions taking part (for the general meeting: every active member)."""
        if obj.is_general_meeting and "members" in self.context:
            return self.context["members"]
        return self._counts(obj)["institutions"]

    def get_people(self, obj) -> int:
        return self._counts(obj)["people"]


class InstitutionRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Institution
        fields = ["slug", "name", "name_ja", "name_en"]


class InitiativeSerializer(RegionMixin, serializers.ModelSerializer):
    institution = InstitutionRefSerializer(read_only=True)
    title = serializers.CharField(source="shown_title", read_only=True)
    summary = serializers.CharField(source="shown_summary", read_only=True)
    title_ja = serializers.SerializerMethodField()
    title_en = serializers.SerializerMethodField()
    summary_ja = serializers.SerializerMethodField()
    summary_en = serializers.SerializerMethodField()
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = PageUrlField()

    class Meta:
        model = Initiative
        fields = ["slug", "institution", "language", "title", "summary", "title_ja", "title_en", "summary_ja",
                  "summary_en", "themes", "prefecture", "region", "year", "started_on", "ended_on", "status",
                  "visibility", "co2_reduction", "capacity_kw", "published_at", "updated_at", "url"]

    @staticmethod
    def _in(obj, lang: str, field: str) -> str:
        return getattr(obj, field) if obj.language == lang else getattr(obj, f"{field}_translated")

    def get_title_ja(self, obj) -> str:
        return self._in(obj, "ja", "title")

    def get_title_en(self, obj) -> str:
        return self._in(obj, "en", "title")

    def get_summary_ja(self, obj) -> str:
        return self._in(obj, "ja", "summary")

    def get_summary_en(self, obj) -> str:
        return self._in(obj, "en", "summary")

    # Fields whose value is the attribute of the same name, shown by the field itself (dates and
    # decimals keep DRF's format).
    PLAIN = ("slug", "language", "prefecture", "year", "started_on", "ended_on", "status", "visibility",
             "co2_reduction", "capacity_kw", "published_at", "updated_at")

    @classmethod
    def plain_fields(cls) -> dict:
        """The ``PLAIN`` fields as DRF builds them for this model, built once (a serializer builds
        its fields anew for every request: 1 ms of a page); they format a value, nothing more."""
        if "_plain_fields" not in cls.__dict__:
            built = cls().fields
            cls._plain_fields = {name: built[name] for name in cls.PLAIN}
        return cls._plain_fields

    def _page_url(self, slug: str) -> str:
        """The initiative's page, reversed once per answer (the serializer of a list's rows is one
        instance for all of them, in the request's language), not once per row."""
        if "_url_of" not in self.__dict__:
            self._url_of = slug_url("working_groups:initiative-detail")
        return self._url_of(slug)

    def to_representation(self, obj):
        """The list's rows without DRF's generic walk over the fields (an attribute lookup, a
        callable check and a signature inspection per field and row: 3.9 ms of a page of 20 at the
        large scale, docs/scaling.md); the same dict, field for field (tests/api). Subclasses
        (the detail) take the generic path."""
        if type(self) is not InitiativeSerializer:
            return super().to_representation(obj)
        fields = type(self).plain_fields()
        row = {name: (None if (value := getattr(obj, name)) is None else fields[name].to_representation(value))
               for name in self.PLAIN}
        institution = obj.institution
        title_ja, title_en = self.get_title_ja(obj), self.get_title_en(obj)
        summary_ja, summary_en = self.get_summary_ja(obj), self.get_summary_en(obj)
        row.update({
            "institution": {"slug": institution.slug, "name": institution.name, "name_ja": institution.name_ja,
                            "name_en": institution.name_en},
            "title": obj.shown_title(), "summary": obj.shown_summary(), "title_ja": title_ja, "title_en": title_en,
            "summary_ja": summary_ja, "summary_en": summary_en,
            "themes": obj.theme_slugs if hasattr(obj, "theme_slugs") else [theme.slug for theme in obj.themes.all()],
            "region": self.get_region(obj), "url": absolute(self._page_url(obj.slug)),
        })
        return {name: row[name] for name in self.Meta.fields}


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.URLField()


class InitiativeDetailSerializer(InitiativeSerializer):
    body_html = serializers.SerializerMethodField()
    partner_institutions = InstitutionRefSerializer(many=True, read_only=True)
    links = LinkSerializer(many=True, read_only=True)
    cover = serializers.SerializerMethodField()

    class Meta(InitiativeSerializer.Meta):
        fields = [*InitiativeSerializer.Meta.fields, "body_html", "outcomes", "partners", "partner_institutions",
                  "links", "cover", "cover_alt"]

    def get_body_html(self, obj) -> str:
        """The text as sanitised HTML, in the request's language where a translation exists."""
        from_lang = self.context.get("language", "ja")
        if from_lang != obj.language and obj.body_translated_html:
            return obj.body_translated_html
        return obj.body_html

    @extend_schema_field(OpenApiTypes.URI)
    def get_cover(self, obj) -> str | None:
        return absolute(obj.cover.url) if obj.cover else None


class AgendaItemSerializer(serializers.ModelSerializer):
    time = serializers.SerializerMethodField()
    item = serializers.CharField(read_only=True)
    speaker = serializers.CharField(source="speaker_shown", read_only=True)
    speaker_ja = serializers.CharField(source="speaker", read_only=True)

    class Meta:
        model = AgendaItem
        fields = ["time", "item", "item_ja", "item_en", "speaker", "speaker_ja", "speaker_en"]

    @extend_schema_field({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "example": "13:30",
                          "description": "HH:MM, Japan time (the meeting's day is in starts_at)"})
    def get_time(self, obj) -> str:
        return obj.time.strftime("%H:%M")


class MeetingSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True)
    # "venue" is the Japanese text, as it always was; venue_shown is in the request's language
    venue_shown = serializers.CharField(read_only=True)
    description = serializers.CharField(read_only=True)
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    agenda = AgendaItemSerializer(many=True, read_only=True)
    url = PageUrlField()
    ical_url = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = ["id", "uid", "kind", "group", "title", "title_ja", "title_en", "description", "description_ja",
                  "description_en", "starts_at", "ends_at", "format", "venue", "venue_en", "venue_shown", "capacity",
                  "registration_deadline",
                  "visibility", "status", "cancel_reason", "agenda", "url", "ical_url", "updated_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_ical_url(self, obj) -> str:
        return absolute(obj.ical_url())


class PartnerSerializer(RegionMixin, serializers.ModelSerializer):
    """A local government, company or other organisation the members work with (/partners/)."""

    name = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    institution = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    open_needs = serializers.IntegerField(read_only=True)
    url = PageUrlField()

    class Meta:
        model = Partner
        fields = ["slug", "kind", "kind_label", "name", "name_ja", "name_en", "prefecture", "region",
                  "municipality_code", "website", "institution", "open_needs", "url"]


class PartnerDetailSerializer(PartnerSerializer):
    profile = serializers.CharField(read_only=True)

    class Meta(PartnerSerializer.Meta):
        fields = [*PartnerSerializer.Meta.fields, "profile", "profile_ja", "profile_en"]


class PartnerRefSerializer(serializers.Serializer):
    slug = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class NeedSerializer(RegionMixin, serializers.ModelSerializer):
    """A need on the board: never its submitter's name or address (the board does not show them)."""

    kind = serializers.CharField(source="help_kind", read_only=True)
    # title: as written, in ``language``; title_translated: in the other; shown_title: the request's
    shown_title = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_help_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    partner = PartnerRefSerializer(read_only=True, allow_null=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    url = PageUrlField()

    class Meta:
        model = Need
        fields = ["id", "title", "language", "title_translated", "shown_title", "kind", "kind_label", "status",
                  "status_label", "themes", "prefecture", "region", "period", "partner", "year", "published_at",
                  "updated_at", "url"]


class NeedDetailSerializer(NeedSerializer):
    class Meta(NeedSerializer.Meta):
        fields = [*NeedSerializer.Meta.fields, "description_html", "description_translated_html"]


class ExpertiseSerializer(serializers.ModelSerializer):
    """What a member's lab or office offers (/expertise/)."""

    institution = InstitutionRefSerializer(read_only=True)
    shown_title = serializers.CharField(read_only=True)
    themes = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    keywords = serializers.ListField(source="keyword_list", child=serializers.CharField(), read_only=True)
    prefectures = serializers.ListField(source="prefecture_codes", child=serializers.CharField(), read_only=True)
    languages = serializers.ListField(source="language_list", child=serializers.CharField(), read_only=True)
    url = PageUrlField()

    class Meta:
        model = Expertise
        fields = ["id", "title", "language", "title_translated", "shown_title", "institution", "themes", "keywords",
                  "nationwide", "prefectures", "languages", "visibility", "year", "created_at", "updated_at", "url"]


class ExpertiseDetailSerializer(ExpertiseSerializer):
    class Meta(ExpertiseSerializer.Meta):
        fields = [*ExpertiseSerializer.Meta.fields, "description_html", "description_translated_html"]


class NewsItemSerializer(serializers.ModelSerializer):
    """News, announcements and statements (/news/), in the request's language with fallback."""

    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    adopted_by = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    url = PageUrlField()

    class Meta:
        model = NewsItem
        fields = ["slug", "kind", "kind_label", "language", "title", "title_ja", "title_en", "summary", "summary_ja",
                  "summary_en", "group", "adopted_by", "adopted_on", "status", "published_at", "year",
                  "updated_at", "url"]


class NewsItemDetailSerializer(NewsItemSerializer):
    body_html = serializers.CharField(read_only=True)

    class Meta(NewsItemSerializer.Meta):
        fields = [*NewsItemSerializer.Meta.fields, "body_html", "body_html_ja", "body_html_en"]


# Progress figures: documents built by working_groups.progress.views (the same as the pages' ?format=json),
# described here field by field for the schema. A row of a group too small to show (``suppressed``)
# carries only its key (and label) and the flag.

class DocumentSerializer(serializers.Serializer):
    """A document given as a dict: its keys as they are (a suppressed row leaves its figures out
    rather than giving them as null; such fields are ``required=False`` in the schema)."""

    def to_representation(self, instance):
        return {k: v for k, v in super().to_representation(instance).items() if k in instance}


# Not read_only: the schema generator lists every read-only field as required, and these may be left out.
def _figure(help_text: str, **kwargs):
    return serializers.FloatField(required=False, allow_null=True, help_text=help_text, **kwargs)


def _count(help_text: str):
    return serializers.IntegerField(required=False, allow_null=True, help_text=help_text)


class ProgressYearSerializer(DocumentSerializer):
    """The members' published figures of one fiscal year."""

    fiscal_year = serializers.IntegerField(read_only=True)
    institutions = _count("Institutions whose figures are counted (null when suppressed).")
    scope1_t = _figure("Scope 1 emissions, t-CO2e.")
    scope2_t = _figure("Scope 2 emissions, t-CO2e.")
    scope3_t = _figure("Scope 3 emissions of the institutions that report them, t-CO2e.")
    scope3_institutions = _count("Institutions that reported scope 3.")
    scope1_2_t = _figure("Scope 1 and 2 emissions, t-CO2e.")
    energy_gj = _figure("Energy use, GJ.")
    floor_area_m2 = _count("Floor area, m².")
    headcount = _count("Students and staff.")
    kg_per_m2 = _figure("Scope 1 and 2 per m² of floor area, kg-CO2e.")
    t_per_person = _figure("Scope 1 and 2 per person, t-CO2e.")
    renewable_share_pct = _figure("Renewable electricity share weighted by energy use, %.")
    suppressed = serializers.BooleanField(
        read_only=True, help_text="True when too few institutions are counted to show their figures.")


class ProgressGroupSerializer(DocumentSerializer):
    """The latest year's figures of one region, kind or working group."""

    key = serializers.CharField(read_only=True, help_text="The region's or group's slug, or the kind.")
    label = serializers.CharField(read_only=True)
    institutions = _count("Institutions counted.")
    scope1_2_t = _figure("Scope 1 and 2 emissions, t-CO2e.")
    kg_per_m2 = _figure("Scope 1 and 2 per m² of floor area, kg-CO2e.")
    renewable_share_pct = _figure("Renewable electricity share, %.")
    suppressed = serializers.BooleanField(read_only=True)


class ProgressTargetsSerializer(serializers.Serializer):
    committed = serializers.IntegerField(read_only=True, help_text="Institutions with a target year.")
    reporting = serializers.IntegerField(read_only=True, help_text="Institutions with published figures.")
    on_track = serializers.IntegerField(read_only=True, allow_null=True,
                                        help_text="Institutions on their path (null when not shown).")


class ProgressSerializer(serializers.Serializer):
    """The coalition's published emissions (/progress/)."""

    filters = serializers.DictField(child=serializers.CharField(), read_only=True,
                                    help_text="The filters applied (region, prefecture, kind, wg).")
    unit = serializers.CharField(read_only=True)
    years = ProgressYearSerializer(many=True, read_only=True)
    targets = ProgressTargetsSerializer(read_only=True)
    breakdowns = serializers.DictField(child=ProgressGroupSerializer(many=True), read_only=True,
                                       help_text="The latest year by region, kind of institution and group.")
    latest_year = serializers.IntegerField(read_only=True, allow_null=True)


class CommitmentFiguresSerializer(serializers.Serializer):
    target_year = serializers.IntegerField(read_only=True, allow_null=True)
    baseline_year = serializers.IntegerField(read_only=True, allow_null=True)
    baseline_t = _figure("Baseline emissions (scope 1 and 2), t-CO2e.")
    interim_year = serializers.IntegerField(read_only=True, allow_null=True)
    interim_reduction_pct = _figure("Reduction aimed at by the interim year, %.")


class ReportFiguresSerializer(serializers.Serializer):
    """One published yearly report of the institution."""

    fiscal_year = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    scope1_t = _figure("Scope 1 emissions, t-CO2e.")
    scope2_t = _figure("Scope 2 emissions, t-CO2e.")
    scope3_t = _figure("Scope 3 emissions (if reported), t-CO2e.")
    scope1_2_t = _figure("Scope 1 and 2 emissions, t-CO2e.")
    target_path_t = _figure("The target path's value for the year, t-CO2e (with a commitment).")
    energy_gj = _figure("Energy use, GJ.")
    renewable_share_pct = _figure("Renewable electricity share, %.")
    floor_area_m2 = _count("Floor area, m².")
    headcount = _count("Students and staff.")
    kg_per_m2 = _figure("Scope 1 and 2 per m² of floor area, kg-CO2e.")
    t_per_person = _figure("Scope 1 and 2 per person, t-CO2e.")


class InstitutionProgressSerializer(serializers.Serializer):
    """One institution's published figures against its target path (/members/<slug>/progress/)."""

    institution = serializers.CharField(read_only=True, help_text="The institution's slug.")
    unit = serializers.CharField(read_only=True)
    figures_shown = serializers.BooleanField(
        read_only=True, help_text="False when its commitment is members-only and the caller is not a member.")
    commitment = CommitmentFiguresSerializer(read_only=True, allow_null=True)
    years = ReportFiguresSerializer(many=True, read_only=True)
