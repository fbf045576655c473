"""axe-core on every main page, in Japanese and in English: no serious or critical violation.

Each page in each language is its own test (``[ja-home]``, ``[en-meeting]``...). A failure lists every
rule with its impact, the first elements it found and axe's reason, ready to fix. Rules are never
switched off; an element may be excluded only for a genuine false positive, in ``EXCLUDE``, with the
reason. A rule axe only asks to review counts as a failure where it always is one (``REVIEW_IS_FAILURE``).
"""

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone
from PIL import Image

from meetings.dissemination.services import news_create, news_publish
from meetings.models import Meeting
from members.models import Affiliation, Institution
from tests.factories import InstitutionFactory, MeetingFactory, WorkingGroupFactory, staff_of
from working_groups.models import Initiative, Membership
from working_groups.services import refresh_derived

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AXE = Axe()
BLOCKING = {"serious", "critical"}
TARGETS_SHOWN = 3

# name: (path, who is signed in: nobody (False), the staff member who wrote the initiative (True) or
# "coordinator", the group's named coordinator, a contact of its coordinating institution).
# {placeholders} are filled from the ``portal`` fixture's data.
PAGES = {
    "home": ("/", False),
    "signed-in-home": ("/", "coordinator"),
    "member-directory": ("/members/", False),
    "member-directory-filtered": ("/members/?region=chubu&kind=national&q=%E5%A4%A7%E5%AD%A6", False),
    "member-profile": ("/members/{institution}/", False),
    "membership-application": ("/members/apply/", False),
    "working-groups": ("/working-groups/", False),
    "working-group": ("/working-groups/{group}/", False),
    "initiatives": ("/initiatives/", False),
    "initiative": ("/initiatives/{initiative}/", False),
    "meetings": ("/meetings/", False),
    "meeting": ("/meetings/{meeting}/", False),
    "sign-in": ("/accounts/login/", False),
    "sign-up": ("/accounts/signup/", False),
    "account": ("/account/", True),
    "notification-settings": ("/account/notifications/", True),
    "new-initiative": ("/initiatives/new/", True),
    "edit-initiative": ("/initiatives/{initiative}/edit/", True),
    "news": ("/news/", False),
    "news-item": ("/news/{news}/", False),
    "about": ("/about/", False),
    "newsletter": ("/newsletter/", False),
    "group-coordinators": ("/working-groups/{group}/coordinators/", "coordinator"),
    "group-manage": ("/working-groups/{group}/manage/", "coordinator"),
    "membership-removal": ("/working-groups/memberships/{membership}/end/", "coordinator"),
    "search": ("/search/?q=%E5%B0%8F%E6%B0%B4%E5%8A%9B", False),  # 小水力: the initiative and the meeting
    "search-meetings": ("/search/?q=%E5%B0%8F%E6%B0%B4%E5%8A%9B&kind=meetings", True),
}

# Elements axe may not judge, each with the reason it is a false positive: {page name: [selector]}.
EXCLUDE: dict[str, list[str]] = {}

# Rules axe reports only as "incomplete" (needs review) even when they fail. A duplicated id that a
# label's ``for`` or an ARIA attribute points at reaches only the first element with it, so on our
# pages that is always a bug.
REVIEW_IS_FAILURE = {"duplicate-id-aria"}


def describe(result):
    """One axe result as a few lines: rule, impact, the first elements, and why the first one fails."""
    nodes = result["nodes"]
    first = nodes[0]
    targets = ", ".join(" ".join(node["target"]) for node in nodes[:TARGETS_SHOWN])
    more = f" (and {len(nodes) - TARGETS_SHOWN} more)" if len(nodes) > TARGETS_SHOWN else ""
    why = "; ".join(check["message"] for check in first["any"] + first["all"] + first["none"])
    return (
        f"- {result['id']} ({result['impact']}): {result['help']}\n"
        f"    at: {targets}{more}\n"
        f"    first: {first['html'][:200]}\n"
        f"    why: {why}\n"
        f"    see: {result['helpUrl']}"
    )


def cover_image(media_root):
    path = media_root / "initiatives" / "suiro.png"
    path.parent.mkdir(parents=True)
    Image.new("RGB", (120, 80), (40, 120, 200)).save(path, "PNG")
    return "initiatives/suiro.png"


@pytest.fixture
def portal(committed_world):
    """The module's world (``make_world``), built once for the module's tests: they only read it."""
    return committed_world


def make_world(media_root):
    """A small but full portal: members in four prefectures (4, 3, 2 and 1 of them, so the map shows
    every shade), a coordinated theme group with members, a published initiative with a cover image,
    a public hybrid meeting ahead and one past. Returns the path parameters and the staff member who
    signs in (the initiative's author)."""
    member = InstitutionFactory(
        name_ja="北陸工業大学", name_en="Hokuriku Institute of Technology", slug="hokuriku-kogyo", prefecture="16",
        website="https://www.hokuriku-kogyo.example.ac.jp/", profile_ja="北陸で地域エネルギーに取り組む大学です。",
        profile_en="A university working on regional energy in Hokuriku.",
    )
    coordinating = InstitutionFactory(name_ja="中部環境大学", name_en="Chubu Environmental University", prefecture="23")
    InstitutionFactory(
        name_ja="東京みどり研究所", name_en="Tokyo Midori Institute", prefecture="13",
        kind=Institution.Kind.RESEARCH_INSTITUTE, category=Institution.Category.COOPERATING,
    )
    for prefecture, more in (("23", 3), ("16", 2), ("13", 1), ("27", 1)):
        InstitutionFactory.create_batch(more, prefecture=prefecture)

    group = WorkingGroupFactory(
        slug="regional-energy", name_ja="地域エネルギーWG", name_en="Regional Energy WG", coordinators=[coordinating]
    )
    WorkingGroupFactory(name_ja="省エネルギーWG", name_en="Energy Saving WG")
    staff = staff_of(member, email="tanaka@hokuriku-kogyo.example.ac.jp", name="田中 美咲")
    coordinator = staff_of(
        coordinating, Affiliation.Role.CONTACT, email="sato@chubu-kankyo.example.ac.jp", name="佐藤 健"
    )
    memberships = [
        Membership.objects.create(group=group, user=user, institution=institution, status=Membership.Status.ACTIVE,
                                  coordinator=user == coordinator)
        for user, institution in ((staff, member), (coordinator, coordinating))
    ]

    initiative = Initiative(
        institution=member, author=staff, slug="microhydro-on-farm-canals",
        title="農業用水路を活かした小水力発電所の運用",
        summary="キャンパス近くの農業用水路に小水力発電所を設け、地域と共同で運用しています。",
        body="## 発電所の概要\n\n落差の小さい水路でも発電できます。\n\n- 最大出力 49 kW\n- 土地改良区と共同で維持管理",
        prefecture="16", started_on=datetime.date(2023, 4, 1), cover=cover_image(media_root),
        cover_alt="水路の脇に建つ小水力発電所の建屋", status=Initiative.Status.PUBLISHED, published_at=timezone.now(),
    )
    refresh_derived(initiative)
    initiative.save()
    initiative.themes.add(group)

    meeting = MeetingFactory(
        group=group, title_ja="第3回 地域エネルギーWG会合", title_en="Regional Energy WG, 3rd meeting",
        description_ja="各大学の小水力発電と地域連携の事例を共有します。",
        description_en="Cases of small hydropower and regional partnership.",
        format=Meeting.Format.HYBRID, venue="中部環境大学 本部棟3階 大会議室", capacity=40,
        visibility=Meeting.Visibility.PUBLIC, created_by=coordinator,
    )
    last_month = timezone.now() - datetime.timedelta(days=30)
    MeetingFactory(group=group, visibility=Meeting.Visibility.PUBLIC, starts_at=last_month,
                   ends_at=last_month + datetime.timedelta(hours=2))
    news = news_create(by=None, data={"kind": "statement", "title_ja": "地域エネルギーに関する提言",
                                      "body_ja": "## 提言\n\n日本語だけの本文です。", "adopted_by": group,
                                      "adopted_on": datetime.date(2025, 3, 1)})
    news_publish(item=news, by=None)
    params = {"institution": member.slug, "group": group.slug, "initiative": initiative.slug, "meeting": meeting.pk,
              "news": news.slug, "membership": memberships[0].pk}
    return params, staff


def sign_in(page, client, live_server, user):
    """The browser takes over a session the test client opened (the sign-in form has its own tests)."""
    client.force_login(user)
    page.context.add_cookies([{
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }])



@pytest.fixture
def page(module_page):
    """The module's one browser page, emptied of cookies before each test (tests/browser/conftest.py)."""
    return module_page

@pytest.mark.parametrize("name", list(PAGES))
@pytest.mark.parametrize("language", ["ja", "en"])
def test_page_has_no_serious_accessibility_violation(site, page, portal, client, live_server, language, name):
    params, staff = portal
    path, signed_in = PAGES[name]
    if signed_in:
        user = Membership.objects.get(group__slug=params["group"], coordinator=True).user
        sign_in(page, client, live_server, staff if signed_in is True else user)
    url = f"/{language}{path.format(**params)}"
    response = page.goto(site.url + url)
    # The page itself, not a redirect to the sign-in form.
    assert (response.status, page.url, page.locator("html").get_attribute("lang")) == (200, site.url + url, language)

    context = {"exclude": [[selector] for selector in EXCLUDE[name]]} if name in EXCLUDE else None
    results = AXE.run(page, context=context, options={"resultTypes": ["violations", "incomplete"]}).response
    blocking = [
        result
        for result in results["violations"] + [r for r in results["incomplete"] if r["id"] in REVIEW_IS_FAILURE]
        if result["impact"] in BLOCKING
    ]
    assert not blocking, f"{url}: {len(blocking)} serious or critical accessibility violation(s)\n" + "\n".join(
        describe(result) for result in blocking
    )
