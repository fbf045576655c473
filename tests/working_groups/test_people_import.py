"""The secretariat's CSV import of people, their affiliations (with a role) and their working
groups: a check that writes nothing, then the checked file written through the pages' services."""

import pytest
from django.conf import settings
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from members.audit.models import AuditEntry
from members.models import Affiliation
from members.notifications.models import Notification
from tests.factories import (
    InstitutionFactory,
    UserFactory,
    WorkingGroupFactory,
    coordinator_of,
    secretariat_user,
    staff_of,
)
from tests.url_names import url_names
from working_groups.forms import PeopleImportForm
from working_groups.imports import people_import
from working_groups.models import Membership, Participation

pytestmark = pytest.mark.django_db

URL = "/en/secretariat/people/import/"
HEADER = "email,name,language,institution,role,title,groups\n"


@pytest.fixture
def coalition():
    shinshu = InstitutionFactory(slug="shinshu", name_en="Shinshu University")
    kyoto = InstitutionFactory(slug="kyoto", name_en="Kyoto University")
    regional = WorkingGroupFactory(slug="regional", name_en="Regional WG", coordinators=[shinshu])
    closed = WorkingGroupFactory(slug="old", name_en="Old WG", status="closed")
    yamada = UserFactory(email="yamada@shinshu.example", name="")
    suzuki = staff_of(shinshu, email="suzuki@shinshu.example")
    sato = UserFactory(email="sato@shinshu.example")
    Affiliation.objects.create(user=sato, institution=shinshu)  # pending
    return {"shinshu": shinshu, "kyoto": kyoto, "regional": regional, "closed": closed, "yamada": yamada,
            "suzuki": suzuki, "sato": sato, "secretariat": secretariat_user()}


GOOD = HEADER + (
    "yamada@shinshu.example,山田 太郎,ja,shinshu,contact,研究推進課長,regional\n"
    "SUZUKI@shinshu.example,,,shinshu,representative,,\n"
    "sato@shinshu.example,,en,shinshu,staff,,\n"
)


def upload(client, text, encoding="utf-8"):
    return client.post(URL, {"file": SimpleUploadedFile("people.csv", text.encode(encoding), "text/csv")})


def written():
    return (sorted(AuditEntry.objects.values_list("action", flat=True)),
            sorted(Notification.objects.values_list("kind", "email")))


def test_people_import_check_shows_what_each_row_does_and_writes_nothing(client, coalition):
    client.force_login(coalition["secretariat"])
    page = upload(client, GOOD)
    assert page.status_code == 200
    rows = [(r.line, r.actions) for r in page.context["report"].rows]
    assert [(line, [str(a) for a in actions]) for line, actions in rows] == [
        (2, ["affiliated as Contact", "name set to 山田 太郎", "registered in Regional WG"]),
        (3, ["role changed from Staff to Representative"]),
        (4, ["pending request approved as Staff", "language set to en"]),
    ]
    assert "Import 3 rows" in page.content.decode()
    assert written() == ([], [])
    assert Affiliation.objects.filter(status="approved").count() == 1


def test_people_import_of_the_checked_file_writes_through_the_services(client, coalition):
    client.force_login(coalition["secretariat"])
    checked = upload(client, GOOD).context["checked"]
    done = client.post(URL, {"checked": checked, "import": "1"}, follow=True)
    assert done.redirect_chain == [(URL, 302)]
    assert [str(m) for m in done.context["messages"]] == ["Imported: 3 rows changed, 0 unchanged."]
    yamada, suzuki, sato = coalition["yamada"], coalition["suzuki"], coalition["sato"]
    assert Affiliation.objects.get(user=yamada).role == "contact"
    assert Affiliation.objects.get(user=yamada).title == "研究推進課長"
    assert Affiliation.objects.get(user=suzuki).role == "representative"
    assert Affiliation.objects.get(user=sato).status == "approved"
    yamada.refresh_from_db()
    sato.refresh_from_db()
    assert (yamada.name, sato.language) == ("山田 太郎", "en")
    assert Membership.objects.get(user=yamada).status == "active"
    assert Participation.objects.get(institution=coalition["shinshu"], group=coalition["regional"]).status == "active"
    assert written() == (
        ["affiliation.approve", "affiliation.approve", "affiliation.role", "membership.approve", "people.import"],
        [("affiliation_decided", "sato@shinshu.example"), ("affiliation_decided", "yamada@shinshu.example"),
         ("group_join_decided", "yamada@shinshu.example")],
    )
    assert AuditEntry.objects.get(action="people.import").detail == {"rows": 3, "changed": 3, "unchanged": 0}

    # idempotent: the same file again changes nothing and sends nothing
    before = written()
    assert [(r.line, r.actions) for r in upload(client, GOOD).context["report"].rows] == [(2, []), (3, []), (4, [])]
    again = client.post(URL, {"checked": checked, "import": "1"}, follow=True)
    assert [str(m) for m in again.context["messages"]] == ["Nothing to import: every row is already as the file says."]
    assert written() == before


BAD = HEADER + (
    "nobody@shinshu.example,,,shinshu,staff,,\n"
    "yamada@shinshu.example,=HYPERLINK(\"http://evil.example\"),,shinshu,staff,,\n"
    "sato@shinshu.example,,fr,nowhere,chair,,old missing\n"
    "suzuki@shinshu.example,,,shinshu,representative,,\n"
    "yamada@shinshu.example,,,kyoto,representative,,\n"
    "yamada@shinshu.example,,,kyoto,staff,,\n"
    "not-an-address,,,kyoto,staff,,\n"
)


def test_people_import_with_bad_rows_writes_nothing_and_gives_each_rows_errors(client, coalition):
    kyoto_rep = staff_of(coalition["kyoto"], role="representative")
    client.force_login(coalition["secretariat"])
    for commit in (False, True):
        if commit:  # a checked file imports only if it is still valid: signed as a good one would be
            page = client.post(URL, {"checked": signing.dumps(BAD, salt=PeopleImportForm.SALT, compress=True),
                                     "import": "1"})
        else:
            page = upload(client, BAD)
        assert page.status_code == 400
        assert [(line, error) for line, error in page.context["report"].errors] == [
            (2, "no account has the confirmed address nobody@shinshu.example: the person signs up first, then the "
                "file is imported again"),
            (3, "name starts like a spreadsheet formula (=, +, -, @); write it without that sign"),
            (4, "institution: no member has the address name nowhere; role must be one of: representative, "
                "contact, staff; language must be ja or en (or empty); groups: Old WG is closed; groups: there is "
                "no working group missing"),
            (6, "Kyoto University would have two representatives: change the other one's role in the file or on "
                "the institution's people page first"),
            (7, "the same person and institution are on row 6"),
            (8, "email: not-an-address is not an e-mail address"),
        ]
        assert written() == ([], [])
    assert Affiliation.objects.get(user=kyoto_rep).role == "representative"
    assert 'evil.example' not in page.content.decode().replace("&quot;http://evil.example&quot;", "")


def test_people_import_errors_are_translated(client, coalition):
    client.force_login(coalition["secretariat"])
    page = client.post("/ja/secretariat/people/import/", {"file": SimpleUploadedFile(
        "p.csv", (HEADER + "yamada@shinshu.example,,,shinshu,chair,,\n").encode(), "text/csv")})
    assert page.status_code == 400
    assert page.context["report"].errors == [(2, "role は representative, contact, staff のいずれかです")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "shift_jis"])
def test_people_import_reads_utf8_with_or_without_bom_and_shift_jis(coalition, encoding):
    with translation.override("en"):
        report = people_import(data=GOOD.encode(encoding), by=coalition["secretariat"], dry_run=True)
    assert report.ok
    assert [str(a) for a in report.rows[0].actions][1] == "name set to 山田 太郎"


@pytest.mark.parametrize(("name", "content", "error"), [
    ("missing columns", b"email,name\nyamada@shinshu.example,x\n", "Missing columns: institution, role"),
    ("no rows", HEADER.encode(), "The file has no rows under its header."),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00",
     "Line 3 contains a NUL character, so the file is not a CSV text file."),
    ("unclosed quote", (HEADER + 'a@b.example,"x\n').encode() + b"y" * 140000,
     "Line 2 cannot be read as CSV: a field is too long or a quotation mark is not closed."),
    ("too large", HEADER.encode() + b"x" * (1024 * 1024), "The file is too large (at most 1 MB)."),
])
def test_people_import_refuses_a_bad_file_with_the_reason(client, coalition, name, content, error):
    client.force_login(coalition["secretariat"])
    page = client.post(URL, {"file": SimpleUploadedFile("p.csv", content, "text/csv")})
    assert page.status_code == 400
    assert page.context["form"].errors == {"file": [error]}
    assert written() == ([], [])


def test_people_import_refuses_a_checked_file_it_did_not_sign(client, coalition):
    client.force_login(coalition["secretariat"])
    page = client.post(URL, {"checked": signing.dumps(GOOD, salt="another", compress=True), "import": "1"})
    assert page.status_code == 400
    assert page.context["form"].errors == {"file": ["The checked file has expired; choose it again."]}
    assert written() == ([], [])


def test_people_import_template_opens_in_excel(client, coalition):
    client.force_login(coalition["secretariat"])
    response = client.get(URL + "template.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeffemail,name,language,institution,role,title,groups\r\n")


@pytest.mark.parametrize("who", ["visitor", "user", "staff", "contact", "representative", "coordinator",
                                 "secretariat without two-factor", "secretariat"])
def test_people_import_permission_matrix(client, coalition, who):
    shinshu = coalition["shinshu"]
    actor = {
        "visitor": lambda: None, "user": UserFactory, "staff": lambda: staff_of(shinshu),
        "contact": lambda: staff_of(shinshu, role="contact"),
        "representative": lambda: staff_of(coalition["kyoto"], role="representative"),
        "coordinator": lambda: coordinator_of(coalition["regional"]),
        "secretariat without two-factor": lambda: secretariat_user(two_factor=False),
        "secretariat": lambda: coalition["secretariat"],
    }[who]()
    if actor is not None:
        client.force_login(actor)
    checked = signing.dumps(GOOD, salt=PeopleImportForm.SALT, compress=True)
    pages = [client.get(URL), client.get(URL + "template.csv"), client.post(URL, {"checked": checked, "import": "1"})]
    if who == "secretariat":
        assert [p.status_code for p in pages] == [200, 200, 302]
        assert Affiliation.objects.get(user=coalition["yamada"]).role == "contact"
    else:
        assert all(p.status_code in (302, 404) for p in pages)
        assert not any(p.get("Location", "").startswith(URL) for p in pages)
        assert not Affiliation.objects.filter(user=coalition["yamada"]).exists()
        assert not AuditEntry.objects.filter(action="people.import").exists()


def test_people_import_needs_its_csrf_token(coalition):
    """An import posted from another site (no CSRF token) is refused and writes nothing."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(coalition["secretariat"])
    checked = signing.dumps(GOOD, salt=PeopleImportForm.SALT, compress=True)
    refused = browser.post(URL, {"checked": checked, "import": "1"})
    assert refused.status_code == 403
    assert "The form could not be sent" in refused.content.decode()
    assert not Affiliation.objects.filter(user=coalition["yamada"]).exists()
    assert not AuditEntry.objects.filter(action="people.import").exists()
    browser.get(URL)
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    sent = browser.post(URL, {"checked": checked, "import": "1", "csrfmiddlewaretoken": token})
    assert sent.status_code == 302
    assert Affiliation.objects.get(user=coalition["yamada"]).role == "contact"


# The role table above is this page's permission matrix (tests/coalition/test_security.py counts it).
COVERED_URL_NAMES = url_names([lambda w: URL, lambda w: URL + "template.csv"])
