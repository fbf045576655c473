"""A visitor without an account at a public symposium, in a real browser with mail delivered to a real
SMTP server (aiosmtpd): registers on the meeting page, finds the confirmation link in the mail that
arrived, confirms, receives the place with its .ics, cancels through the mail's link and sees the
place given back. Then axe on every visitor page (the form, its errors, the confirm and cancel pages,
a damaged link) in Japanese and in English: no serious or critical violation."""

import re

import pytest
from playwright.sync_api import expect

from meetings.models import Meeting, VisitorRegistration
from tests.browser.test_accessibility import AXE, BLOCKING, REVIEW_IS_FAILURE, describe
from tests.factories import InstitutionFactory, MeetingFactory, WorkingGroupFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VISITOR = "mei.arakawa@citizens.example"


@pytest.fixture
def symposium():
    group = WorkingGroupFactory(slug="innovation", name_ja="イノベーションWG", name_en="Innovation WG",
                                coordinators=[InstitutionFactory()])
    return MeetingFactory(group=group, kind=Meeting.Kind.SYMPOSIUM, title_ja="公開シンポジウム「大学発の脱炭素技術」",
                          title_en="Public symposium: decarbonisation technology from universities",
                          visibility=Meeting.Visibility.PUBLIC, open_to_public=True, format=Meeting.Format.HYBRID,
                          venue="北山大学 記念講堂", capacity=80, online_url="https://meet.example.org/symposium")


def received(sink, address, count):
    """The messages the sink received for ``address`` once there are ``count`` of them."""
    messages = [m for m in sink.messages if address in m["To"]]
    assert len(messages) == count, [m["Subject"] for m in messages]
    return messages


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def link_in(message, kind, site):
    path = re.search(rf"https?://[^/\s]+(/\w\w/meetings/visitors/{kind}/\S+/)", text_of(message)).group(1)
    return site.url + path


def axe_blocking(page):
    results = AXE.run(page, options={"resultTypes": ["violations", "incomplete"]}).response
    blocking = [r for r in results["violations"] + [r for r in results["incomplete"] if r["id"] in REVIEW_IS_FAILURE]
                if r["impact"] in BLOCKING]
    return "\n".join(describe(r) for r in blocking)


def test_visitor_registers_confirms_from_the_mail_and_cancels(site, page, smtp, symposium):
    site.open(f"/en/meetings/{symposium.pk}/")
    expect(page.locator("main")).to_contain_text("This event is open to the public")
    expect(page.locator("main")).to_contain_text("They are erased 30 days after the event ends.")
    form = page.locator("form[action$='/visitors/register/']")
    form.locator("input[name=name]").fill("Mei Arakawa")
    form.get_by_label("E-mail address").fill(VISITOR)
    form.get_by_label("Affiliation").fill("Kitayama Citizens' Energy Forum")
    form.get_by_label("In person").check()
    form.get_by_label("English").check()
    form.get_by_role("button", name="Register as a visitor").click()
    expect(page.locator(".messages")).to_contain_text(f"We sent a link to {VISITOR}")
    assert VisitorRegistration.objects.get().status == "unconfirmed"

    [confirmation] = received(smtp, VISITOR, 1)
    assert confirmation["Subject"] == f"Confirm your registration: {symposium.title_en}"
    assert "https://meet.example.org/symposium" not in text_of(confirmation)
    page.goto(link_in(confirmation, "confirm", site))
    expect(page.locator("main")).to_contain_text(f"Confirm the registration of Mei Arakawa ({VISITOR}).")
    assert VisitorRegistration.objects.get().status == "unconfirmed"  # opening the page confirms nothing
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".messages")).to_contain_text("Your registration is confirmed.")
    expect(page.get_by_role("heading", level=1)).to_contain_text(symposium.title_en)
    assert VisitorRegistration.objects.get().status == "confirmed"
    expect(page.locator("main")).to_contain_text("In person: 1 of 80 seats")

    _, placed = received(smtp, VISITOR, 2)
    assert placed["Subject"] == f"You are registered: {symposium.title_en}"
    assert "https://meet.example.org/symposium" in text_of(placed)
    [ics] = [part for part in placed.iter_attachments() if part.get_content_type() == "text/calendar"]
    assert "SUMMARY:" + symposium.title_en[:40] in ics.get_content().replace("\r\n ", "")

    page.goto(link_in(placed, "cancel", site))
    expect(page.locator("main")).to_contain_text(f"Mei Arakawa ({VISITOR})")
    page.get_by_role("button", name="Cancel my registration").click()
    expect(page.locator(".messages")).to_contain_text("Your registration is cancelled.")
    assert VisitorRegistration.objects.get().status == "cancelled"
    expect(page.locator("main")).to_contain_text("In person: 0 of 80 seats")
    assert len(smtp.messages) == 2  # cancelling sends nothing more


@pytest.mark.parametrize("language", ["ja", "en"])
def test_visitor_pages_have_no_serious_accessibility_violation(site, page, symposium, language):
    registration = VisitorRegistration.objects.create(meeting=symposium, name="荒川 芽衣", email=VISITOR,
                                                      language=language, mode="online")
    from meetings import tokens  # noqa: PLC0415 -- the links are made as the mail makes them

    pages = {
        "meeting with the visitor form": f"/{language}/meetings/{symposium.pk}/",
        "registration form": f"/{language}/meetings/{symposium.pk}/visitors/register/",
        "confirm": f"/{language}/meetings/visitors/confirm/{tokens.make_confirm_token(registration=registration)}/",
        "cancel": f"/{language}/meetings/visitors/cancel/{tokens.make_cancel_token(registration=registration)}/",
        "damaged link": f"/{language}/meetings/visitors/confirm/damaged/",
    }
    failures = {}
    for name, path in pages.items():
        response = page.goto(site.url + path)
        assert (response.status, page.locator("html").get_attribute("lang")) == (
            400 if name == "damaged link" else 200, language)
        failures[name] = axe_blocking(page)
    # the form sent with errors: the messages, the invalid fields and their descriptions
    page.goto(site.url + pages["registration form"])
    form = page.locator("form[action$='/visitors/register/']")
    form.evaluate("f => { f.noValidate = true; }")  # the server's answer to a bad address, not the browser's
    form.locator("input[name=email]").fill("not-an-address")
    form.locator("button[type=submit]").click()
    expect(page.locator(".callout-danger")).to_be_visible()
    failures["registration form with errors"] = axe_blocking(page)
    assert {name: found for name, found in failures.items() if found} == {}
