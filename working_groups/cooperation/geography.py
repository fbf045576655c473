"""Distance between places for matching: same prefecture > same region > neighbouring region >
elsewhere. Which regions neighbour which is data (land borders and the short straits people cross
every day: Kanmon between Chugoku and Kyushu, the Seto Inland Sea bridges, the Tsugaru strait)."""

from members.regions import PREFECTURES_BY_CODE, REGIONS_BY_SLUG

NEIGHBOURS: dict[str, tuple[str, ...]] = {
    "hokkaido": ("tohoku",),
    "tohoku": ("hokkaido", "kanto", "chubu"),
    "kanto": ("tohoku", "chubu"),
    "chubu": ("tohoku", "kanto", "kinki"),
    "kinki": ("chubu", "chugoku", "shikoku"),
    "chugoku": ("kinki", "shikoku", "kyushu-okinawa"),
    "shikoku": ("kinki", "chugoku", "kyushu-okinawa"),
    "kyushu-okinawa": ("chugoku", "shikoku"),
}

SAME_PREFECTURE, SAME_REGION, NEIGHBOURING, ELSEWHERE = 3, 2, 1, 0


def nearby(code: str) -> tuple[list[str], list[str], list[str]]:
    """(the prefecture, the other prefectures of its region, the prefectures of neighbouring
    regions) for a prefecture code; empty lists for an unknown code."""
    prefecture = PREFECTURES_BY_CODE.get(code)
    if prefecture is None:
        return [], [], []
    region = prefecture.region
    same_region = [c for c in region.codes if c != code]
    neighbouring = [c for slug in NEIGHBOURS[region.slug] for c in REGIONS_BY_SLUG[slug].codes]
    return [code], same_region, neighbouring


def closeness(a: str, b: str) -> int:
    """How close two prefectures are, on the scale above."""
    if not a or not b or a not in PREFECTURES_BY_CODE or b not in PREFECTURES_BY_CODE:
        return ELSEWHERE
    if a == b:
        return SAME_PREFECTURE
    ra, rb = PREFECTURES_BY_CODE[a].region_slug, PREFECTURES_BY_CODE[b].region_slug
    if ra == rb:
        return SAME_REGION
    return NEIGHBOURING if rb in NEIGHBOURS[ra] else ELSEWHERE
