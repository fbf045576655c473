"""Japan's 47 prefectures (JIS X 0401 codes) and the eight conventional regions.

Reference data, not a table: it does not change, every layer reads it, and keeping it in code means
no query is spent on it. The region of a prefecture is derived, never stored (docs/domain.md).
"""

from dataclasses import dataclass

from .i18n import bilingual


@dataclass(frozen=True)
class Region:
    slug: str
    name_ja: str
    name_en: str
    codes: tuple[str, ...]

    @property
    def name(self):
        return bilingual(self.name_ja, self.name_en)


@dataclass(frozen=True)
class Prefecture:
    code: str
    name_ja: str
    name_en: str
    region_slug: str

    @property
    def name(self):
        return bilingual(self.name_ja, self.name_en)

    @property
    def region(self) -> Region:
        return REGIONS_BY_SLUG[self.region_slug]


_PREFECTURES = [
    ("01", "北海道", "Hokkaido", "hokkaido"),
    ("02", "青森県", "Aomori", "tohoku"),
    ("03", "岩手県", "Iwate", "tohoku"),
    ("04", "宮城県", "Miyagi", "tohoku"),
    ("05", "秋田県", "Akita", "tohoku"),
    ("06", "山形県", "Yamagata", "tohoku"),
    ("07", "福島県", "Fukushima", "tohoku"),
    ("08", "茨城県", "Ibaraki", "kanto"),
    ("09", "栃木県", "Tochigi", "kanto"),
    ("10", "群馬県", "Gunma", "kanto"),
    ("11", "埼玉県", "Saitama", "kanto"),
    ("12", "千葉県", "Chiba", "kanto"),
    ("13", "東京都", "Tokyo", "kanto"),
    ("14", "神奈川県", "Kanagawa", "kanto"),
    ("15", "新潟県", "Niigata", "chubu"),
    ("16", "富山県", "Toyama", "chubu"),
    ("17", "石川県", "Ishikawa", "chubu"),
    ("18", "福井県", "Fukui", "chubu"),
    ("19", "山梨県", "Yamanashi", "chubu"),
    ("20", "長野県", "Nagano", "chubu"),
    ("21", "岐阜県", "Gifu", "chubu"),
    ("22", "静岡県", "Shizuoka", "chubu"),
    ("23", "愛知県", "Aichi", "chubu"),
    ("24", "三重県", "Mie", "kinki"),
    ("25", "滋賀県", "Shiga", "kinki"),
    ("26", "京都府", "Kyoto", "kinki"),
    ("27", "大阪府", "Osaka", "kinki"),
    ("28", "兵庫県", "Hyogo", "kinki"),
    ("29", "奈良県", "Nara", "kinki"),
    ("30", "和歌山県", "Wakayama", "kinki"),
    ("31", "鳥取県", "Tottori", "chugoku"),
    ("32", "島根県", "Shimane", "chugoku"),
    ("33", "岡山県", "Okayama", "chugoku"),
    ("34", "広島県", "Hiroshima", "chugoku"),
    ("35", "山口県", "Yamaguchi", "chugoku"),
    ("36", "徳島県", "Tokushima", "shikoku"),
    ("37", "香川県", "Kagawa", "shikoku"),
    ("38", "愛媛県", "Ehime", "shikoku"),
    ("39", "高知県", "Kochi", "shikoku"),
    ("40", "福岡県", "Fukuoka", "kyushu-okinawa"),
    ("41", "佐賀県", "Saga", "kyushu-okinawa"),
    ("42", "長崎県", "Nagasaki", "kyushu-okinawa"),
    ("43", "熊本県", "Kumamoto", "kyushu-okinawa"),
    ("44", "大分県", "Oita", "kyushu-okinawa"),
    ("45", "宮崎県", "Miyazaki", "kyushu-okinawa"),
    ("46", "鹿児島県", "Kagoshima", "kyushu-okinawa"),
    ("47", "沖縄県", "Okinawa", "kyushu-okinawa"),
]

_REGIONS = [
    ("hokkaido", "北海道", "Hokkaido"),
    ("tohoku", "東北", "Tohoku"),
    ("kanto", "関東", "Kanto"),
    ("chubu", "中部", "Chubu"),
    ("kinki", "近畿", "Kinki"),
    ("chugoku", "中国", "Chugoku"),
    ("shikoku", "四国", "Shikoku"),
    ("kyushu-okinawa", "九州・沖縄", "Kyushu-Okinawa"),
]

PREFECTURES: tuple[Prefecture, ...] = tuple(Prefecture(*row) for row in _PREFECTURES)
PREFECTURES_BY_CODE: dict[str, Prefecture] = {p.code: p for p in PREFECTURES}
REGIONS: tuple[Region, ...] = tuple(
    Region(slug, ja, en, tuple(p.code for p in PREFECTURES if p.region_slug == slug)) for slug, ja, en in _REGIONS
)
REGIONS_BY_SLUG: dict[str, Region] = {r.slug: r for r in REGIONS}

PREFECTURE_CHOICES = [(p.code, p.name) for p in PREFECTURES]
REGION_CHOICES = [(r.slug, r.name) for r in REGIONS]


def prefecture(code: str) -> Prefecture | None:
    return PREFECTURES_BY_CODE.get(code)


def region_of(code: str) -> Region | None:
    p = PREFECTURES_BY_CODE.get(code)
    return p.region if p else None


def region_counts(prefecture_counts: dict[str, int]) -> dict[str, int]:
    """{region slug: the sum of its prefectures' counts}, for the region filter of a list."""
    return {r.slug: sum(prefecture_counts.get(code, 0) for code in r.codes) for r in REGIONS}
