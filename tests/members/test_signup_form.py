"""The sign-up form as a newcomer meets it: Japanese labels with full-width parentheses, and a failed
submit that puts the focus on an error summary linking to the field."""

import pytest

pytestmark = pytest.mark.django_db


def test_sign_up_labels_have_full_width_parentheses(client):
    """allauth's Japanese said 「パスワード (再入力)」."""
    page = client.get("/ja/accounts/signup/").content.decode()

    assert '<label for="id_password2">パスワード（再入力）' in page
    assert 'placeholder="パスワード（再入力）"' in page
    assert "(再入力)" not in page


def test_a_failed_sign_up_puts_the_focus_on_the_error_summary(client):
    response = client.post("/ja/accounts/signup/", {"email": "newcomer@kobe.example", "name": "新人 太郎",
                                                    "language": "ja", "password1": "short", "password2": "short"})

    page = response.content.decode()
    summary = page.split('<div class="callout callout-danger error-summary"', 1)[1].split("</div>", 1)[0]
    assert 'id="error-summary" tabindex="-1" autofocus' in summary
    assert '<a href="#id_password1">パスワード: このパスワードは短すぎます。最低 10 文字以上必要です。</a>' in summary
