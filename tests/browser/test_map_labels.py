"""The member directory's map of Japan in English: every prefecture's name stays inside its tile
(Kagoshima, Hiroshima, Yamanashi... ran into their neighbours)."""

import pytest

from tests.factories import InstitutionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = """() => [...document.querySelectorAll("svg.japan-map a")].map(a => {
  const tile = a.querySelector("rect").getBoundingClientRect();
  const name = a.querySelector("tspan").getBoundingClientRect();
  return [a.querySelector("tspan").textContent, name.left >= tile.left - 0.5 && name.right <= tile.right + 0.5];
}).filter(([, inside]) => !inside).map(([label]) => label)"""


@pytest.mark.parametrize("language", ["en", "ja"])
def test_every_prefecture_name_fits_its_tile(site, page, language):
    InstitutionFactory(prefecture="46")
    page.set_viewport_size({"width": 1280, "height": 900})
    site.open(f"/{language}/members/")

    tiles = page.locator("svg.japan-map a").count()
    assert (tiles, page.evaluate(OVERFLOW)) == (47, [])
