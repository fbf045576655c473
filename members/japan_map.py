"""A tile map of Japan: one square per prefecture, placed roughly where it lies, so that every
prefecture is the same size and easy to hit (Tokyo is as clickable as Hokkaido). Drawn as inline
SVG by the directory, shaded by the number of members, each tile a link that filters the list."""

import math

from .i18n import current_language
from .regions import PREFECTURES

# (column, row) of each prefecture's tile: north-east at the top right, Okinawa at the bottom left.
TILES = {
    "01": (13, 0), "02": (12, 1), "03": (12, 2), "05": (11, 2), "04": (12, 3), "06": (11, 3), "15": (10, 3),
    "16": (9, 3), "17": (8, 3), "07": (11, 4), "10": (10, 4), "20": (9, 4), "21": (8, 4), "18": (7, 4),
    "08": (12, 5), "09": (11, 5), "11": (10, 5), "19": (9, 5), "23": (8, 5), "25": (7, 5), "26": (6, 5),
    "28": (5, 5), "31": (4, 5), "32": (3, 5), "12": (11, 6), "13": (10, 6), "22": (9, 6), "24": (8, 6),
    "29": (7, 6), "27": (6, 6), "33": (4, 6), "34": (3, 6), "35": (2, 6), "14": (10, 7), "30": (6, 7),
    "37": (4, 7), "38": (3, 7), "44": (2, 7), "40": (1, 7), "41": (0, 7), "36": (4, 8), "39": (3, 8),
    "45": (2, 8), "43": (1, 8), "42": (0, 8), "46": (1, 9), "47": (0, 10),
}
SIZE, GAP = 48, 4
PITCH = SIZE + GAP
WIDTH, HEIGHT = 14 * PITCH, 11 * PITCH
SHADES = 5  # shade-0 (none) to shade-4 (most)


# The label's room in a tile, and how many characters fit there at the tiles' type size: a longer
# (English) name is drawn narrower to fit (SVG textLength) instead of running into its neighbours.
LABEL_ROOM = SIZE - 6
FITS = 5


def label_fit(label: str) -> int | None:
    return LABEL_ROOM if len(label) > FITS else None


def short_name(prefecture, language: str) -> str:
    if language == "en":
        return prefecture.name_en
    name = prefecture.name_ja
    return name if name == "北海道" else name[:-1]


def tiles(counts: dict[str, int], href) -> list[dict]:
    """Tile geometry and shading; ``href(code)`` gives the link of a prefecture."""
    language = current_language()
    top = max(counts.values(), default=0)
    out = []
    for p in PREFECTURES:
        col, row = TILES[p.code]
        n = counts.get(p.code, 0)
        shade = 0 if n == 0 or top == 0 else max(1, math.ceil((SHADES - 1) * n / top))
        out.append(
            {
                "code": p.code,
                "name": p.name,
                "label": (label := short_name(p, language)),
                "fit": label_fit(label),
                "count": n,
                "shade": shade,
                "x": col * PITCH,
                "y": row * PITCH,
                "cx": col * PITCH + SIZE / 2,
                "cy": row * PITCH + SIZE / 2,
                "href": href(p.code),
                "dark": shade >= 3,
            }
        )
    return out


def legend(counts: dict[str, int]) -> list[dict]:
    top = max(counts.values(), default=0)
    if top == 0:
        return [{"shade": 0, "low": 0, "high": 0}]
    rows = [{"shade": 0, "low": 0, "high": 0}]
    for shade in range(1, SHADES):
        low = math.floor((shade - 1) * top / (SHADES - 1)) + 1
        high = math.floor(shade * top / (SHADES - 1))
        if high >= low:
            rows.append({"shade": shade, "low": low, "high": high})
    return rows
