"""The directory's open data as a spreadsheet and a program read it, against docs/open-data.md."""

import json

import pytest

from tests.factories import InstitutionFactory
from tests.output_clients import documented_columns, read_csv

pytestmark = pytest.mark.django_db

COLUMNS = [row[0] for row in documented_columns("members")]


def looks_like_a_number(cell: str) -> bool:
    """What a spreadsheet does with a CSV cell: one that parses as a number becomes one."""
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.fixture
def miyagi():
    return InstitutionFactory(slug="tohoku", name_ja="東北大学", name_en="Tohoku University", prefecture="04",
                              kind="national", category="participating")


def test_csv_has_the_documented_columns_with_japanese_labels_and_codes_kept_as_text(client, miyagi):
    header, rows = read_csv(b"".join(client.get("/ja/members/", {"format": "csv"}).streaming_content))
    assert header == COLUMNS
    (row,) = rows
    assert row["prefecture"] == "JP-04" and not looks_like_a_number(row["prefecture"])
    assert (row["kind"], row["kind_label"], row["category"], row["category_label"]) == (
        "national", "国立大学", "participating", "参加機関")
    assert (row["prefecture_name"], row["region"], row["region_name"]) == ("宮城県", "tohoku", "東北")


def test_english_json_has_the_same_columns_with_english_labels(client, miyagi):
    data = json.loads(client.get("/en/members/", {"format": "json"}).content)
    (row,) = data["results"]
    assert list(row) == COLUMNS
    assert (row["prefecture"], row["prefecture_name"], row["region_name"], row["kind_label"],
            row["category_label"]) == ("JP-04", "Miyagi", "Tohoku", "National university", "Participating institution")
    assert row["joined_on"] is None or isinstance(row["joined_on"], str)


def test_a_documented_prefecture_code_filters_the_list_it_came_from(client, miyagi):
    InstitutionFactory(prefecture="13")
    (row,) = json.loads(client.get("/ja/members/", {"format": "json", "prefecture": "04"}).content)["results"]
    assert row["prefecture"].removeprefix("JP-") == "04"
