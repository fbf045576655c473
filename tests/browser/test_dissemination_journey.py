"""An overseas reader, in English: the home page shows the latest statement; the about page says what
the coalition is; the statement says who adopted it and at which meeting; a Japanese-only news item
says so, marked lang="ja"; the reader subscribes to the newsletter, confirms from the e-mail, and
receives the next issue with its unsubscribe link."""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from meetings.dissemination import services
from meetings.dissemination.models import Subscriber
from meetings.models import Meeting
from tests.dissemination.conftest import make_item
from tests.factories import InstitutionFactory, WorkingGroupFactory, secretariat_user
from working_groups.models import WorkingGroup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

READER = "reader@university.example.edu"


@pytest.fixture
def coalition():
    InstitutionFactory(name_ja="信州環境大学", name_en="Shinshu Environmental University")
    group = WorkingGroupFactory(slug="regional", name_ja="地域ゼロカーボンWG", name_en="Regional Zero Carbon WG")
    general = WorkingGroupFactory(tier=WorkingGroup.Tier.GENERAL, slug="general-meeting", name_ja="総会",
                                  name_en="General meeting")
    start = timezone.now() - datetime.timedelta(days=60)
    meeting = Meeting.objects.create(kind=Meeting.Kind.GENERAL, group=general, title_ja="第5回総会",
                                     title_en="5th general meeting", starts_at=start,
                                     ends_at=start + datetime.timedelta(hours=2), visibility="public")
    desk = secretariat_user(email="desk@coalition.example.org")
    statement = make_item(by=desk, kind="statement", title_ja="大学の脱炭素宣言", title_en="Universities' declaration",
                          summary_en="What the members commit to.", body_ja="宣言の本文。",
                          body_en="The members commit to **net zero** campuses.", adopted_by=general,
                          adopted_on=datetime.date(2025, 7, 29), meeting=meeting)
    japanese_only = make_item(by=desk, kind="news", group=group, title_ja="地域WG 現地視察の報告",
                              body_ja="日本語だけの報告です。")
    return {"statement": statement, "japanese_only": japanese_only, "meeting": meeting, "desk": desk}


def test_overseas_reader_follows_the_coalition_in_english(site, page, coalition):
    statement, japanese_only = coalition["statement"], coalition["japanese_only"]

    site.open("/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_role("link", name="About the coalition").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About the coalition")
    expect(page.locator("main")).to_contain_text("launched on 29 July 2021")
    expect(page.locator("main")).to_contain_text("Ministry of the Environment (MOE)")

    page.get_by_role("link", name="Universities' declaration").click()
    assert page.url.endswith(f"/en/news/{statement.slug}/")
    expect(page.locator("main")).to_contain_text("Adopted by General meeting on Tue 29 Jul 2025")
    page.get_by_role("link", name="5th general meeting").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("5th general meeting")

    site.open("/en/news/?lang=en")
    expect(page.locator("main")).not_to_contain_text("地域WG 現地視察の報告")
    site.open(f"/en/news/{japanese_only.slug}/")
    expect(page.locator(".fallback-note")).to_have_text("This content is available in Japanese only.")
    expect(page.locator("h1")).to_have_attribute("lang", "ja")
    expect(page.locator(".prose")).to_have_attribute("lang", "ja")

    page.get_by_role("link", name="Subscribe to the newsletter").first.click()
    page.get_by_label("E-mail address").fill(READER)
    page.get_by_label("English").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")

    [confirmation] = [m for m in mail.outbox if m.to == [READER]]
    link = re.search(r"(http://\S+/en/newsletter/confirm/\S+/)", confirmation.body).group(1)
    page.goto(link.replace("http://testserver", site.url))
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text("Your subscription is confirmed.")
    assert Subscriber.objects.get(email=READER).status == "confirmed"

    mail.outbox.clear()
    issue = services.issue_save(by=coalition["desk"], data={"subject_ja": "8月号", "subject_en": "August issue",
                                                           "body_ja": "本文", "body_en": "The **August** news."})
    services.issue_send(issue=issue, by=coalition["desk"])
    [newsletter] = [m for m in mail.outbox if m.to == [READER]]
    assert newsletter.subject == "August issue"
    assert "The **August** news." in newsletter.body
    unsubscribe = re.search(r"(http://\S+/en/newsletter/unsubscribe/\S+/)", newsletter.body).group(1)
    page.goto(unsubscribe.replace("http://testserver", site.url))
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator(".messages")).to_contain_text("You will receive no further newsletter.")
    assert Subscriber.objects.get(email=READER).status == "unsubscribed"
