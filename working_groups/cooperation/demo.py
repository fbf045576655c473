"""Demo data for cooperation: fictional towns, companies and NPOs (and the two real cooperating
members, linked rather than duplicated), their needs in every status, what members' labs offer,
and the interest and introductions between them. Idempotent (keyed by slug and title)."""

import datetime

from django.db import transaction
from django.utils import timezone

from members.models import Institution, User
from working_groups.models import Initiative, WorkingGroup

from .models import Expertise, Interest, Need, Partner
from .services import expertise_refresh, need_refresh

P = Partner.Kind

# slug, kind, name ja, name en, prefecture, municipality code (fictional: 9xx), member slug,
# initiatives (slugs, when they exist), profile ja, profile en
PARTNERS = [
    ("nagano-prefecture", P.PREFECTURE, "長野県", "Nagano Prefecture", "20", "", "nagano-pref",
     ["satoyama-shinshu"], "県内大学と連携し「ゼロカーボン戦略」を進めています。",
     "Works with the universities of the prefecture on its zero-carbon strategy."),
    ("city-of-kitakyushu", P.MUNICIPALITY, "北九州市", "City of Kitakyushu", "40", "", "kitakyushu-city",
     ["joint-course-kitakyu"], "環境未来都市として大学との共同研究を進めています。",
     "An environmental model city running joint research with its universities."),
    ("green-campus-energy", P.COMPANY, "グリーンキャンパス・エナジー株式会社", "Green Campus Energy Co., Ltd.", "27", "",
     "green-campus-energy", ["ppa-campus-osaka"], "キャンパス向け太陽光発電と蓄電池の事業者です。",
     "Installs solar power and batteries on campuses."),
    ("midorino-city", P.MUNICIPALITY, "みどり野市（架空）", "Midorino City (fictional)", "20", "20901", "",
     ["satoyama-shinshu", "solar-plant-tohoku"], "人口8万人の架空の市。2050年ゼロカーボンシティを宣言しています。",
     "A fictional city of 80,000 that has declared itself a 2050 zero-carbon city."),
    ("sakuragawa-town", P.MUNICIPALITY, "さくら川町（架空）", "Sakuragawa Town (fictional)", "03", "03901", "",
     ["satoyama-iwate"], "森林が町域の8割を占める架空の町です。",
     "A fictional town whose land is four-fifths forest."),
    ("aobadai-village", P.MUNICIPALITY, "青葉台村（架空）", "Aobadai Village (fictional)", "39", "39901", "",
     ["satoyama-kochi"], "小水力発電の導入を検討している架空の村です。",
     "A fictional village considering small hydropower."),
    ("umikaze-city", P.MUNICIPALITY, "うみかぜ市（架空）", "Umikaze City (fictional)", "42", "42901", "", [],
     "洋上風力の拠点港をめざす架空の港湾都市です。", "A fictional port city aiming to host offshore wind."),
    ("yukiguni-town", P.MUNICIPALITY, "雪国町（架空）", "Yukiguni Town (fictional)", "15", "15901", "",
     ["geothermal-niigata"], "豪雪地帯の架空の町。雪冷熱と温泉熱の活用を進めています。",
     "A fictional snow-country town using snow cooling and hot-spring heat."),
    ("hikari-prefecture-office", P.PREFECTURE, "ひかり県庁（架空）", "Hikari Prefectural Office (fictional)", "34", "",
     "", [], "架空の県の環境部局です。", "The environment department of a fictional prefecture."),
    ("kibou-denki", P.COMPANY, "希望電機株式会社（架空）", "Kibou Electric Co., Ltd. (fictional)", "23", "", "",
     ["hydrogen-bus-nagoya"], "蓄電池と水素機器を製造する架空のメーカーです。",
     "A fictional maker of batteries and hydrogen equipment."),
    ("minato-logistics", P.COMPANY, "みなと物流株式会社（架空）", "Minato Logistics Co., Ltd. (fictional)", "14", "",
     "", [], "物流拠点の脱炭素化を進める架空の企業です。", "A fictional company decarbonising its logistics hubs."),
    ("shinrin-npo", P.NPO, "NPO法人森の未来ネット（架空）", "Forest Future Network NPO (fictional)", "20", "", "",
     ["satoyama-shinshu"], "里山保全に取り組む架空のNPOです。", "A fictional NPO caring for satoyama woodland."),
    ("kankyo-agency", P.NATIONAL_AGENCY, "地域脱炭素推進センター（架空）", "Regional Decarbonisation Centre (fictional)",
     "13", "", "", [], "自治体の脱炭素計画を支援する架空の国の機関です。",
     "A fictional national agency supporting local decarbonisation plans."),
    ("hoshizora-coop", P.OTHER, "星空生活協同組合（架空）", "Hoshizora Consumer Co-op (fictional)", "01", "", "", [],
     "再エネ電力の共同購入を行う架空の生協です。", "A fictional co-op buying renewable power together."),
]

S = Need.Status
H = Need.Help

# partner slug, status, help kind, themes, prefecture, title, description, period
NEEDS = [
    ("midorino-city", S.PUBLISHED, H.JOINT_RESEARCH, ["regional"], "20", "地域の排出量推計と削減シナリオの共同研究",
     "市の温室効果ガス排出量を部門別に推計し、2030年までの削減シナリオを一緒に描いてくれる研究室を探しています。\n\n- 統計データは市が提供します\n- 市民向け説明会への参加をお願いしたい",
     "2027年4月から1年間"),
    ("sakuragawa-town", S.PUBLISHED, H.STUDENT_PROJECT, ["regional", "human-resources"], "03", "間伐材の利用を考える学生プロジェクト",
     "町有林の間伐材を地域で使う方法を、学生と住民で考えるプロジェクトを募集します。宿泊施設は町が用意します。", "夏休み期間"),
    ("aobadai-village", S.PUBLISHED, H.ADVICE, ["regional", "innovation"], "39", "小水力発電の適地調査への助言",
     "村内の農業用水路で小水力発電ができるか、調査の進め方について助言をいただきたいです。", "2026年度内"),
    ("umikaze-city", S.PUBLISHED, H.JOINT_RESEARCH, ["innovation"], "42", "洋上風力の港湾拠点化に向けた地域経済効果の分析",
     "洋上風力発電の拠点港となった場合の地域経済への効果と、必要な人材の試算を共同で行いたいと考えています。", "2年程度"),
    ("yukiguni-town", S.PUBLISHED, H.PILOT_SITE, ["innovation", "regional"], "15", "雪冷熱を使った実証の場を提供します",
     "町の雪室倉庫を、雪冷熱を使った冷房やデータセンター冷却の実証の場として提供できます。", ""),
    ("kibou-denki", S.PUBLISHED, H.JOINT_RESEARCH, ["innovation"], "23", "定置用蓄電池の劣化予測の共同研究",
     "キャンパスや公共施設に設置した蓄電池の運転データから、劣化を予測する手法を共同で開発したいと考えています。", "2027年から"),
    ("minato-logistics", S.PUBLISHED, H.DATA, ["campus", "innovation"], "14", "物流倉庫の屋根置き太陽光の発電データ分析",
     "10か所の倉庫の発電量と消費電力のデータがあります。自家消費率を上げる運用の分析をお願いしたいです。", "半年"),
    ("hikari-prefecture-office", S.PUBLISHED, H.SPEAKER, ["regional", "human-resources"], "34", "市町村職員向け研修の講師",
     "県内市町村の職員を対象とした地域脱炭素の研修会で、事例を紹介していただける講師を探しています。", "2027年1月"),
    ("midorino-city", S.DISCUSSION, H.ADVICE, ["campus", "regional"], "20", "公共施設のZEB化改修の優先順位づけ",
     "市が所有する80の公共施設について、ZEB化改修の優先順位をつける方法について助言を求めています。", ""),
    ("shinrin-npo", S.DISCUSSION, H.STUDENT_PROJECT, ["regional"], "20", "里山の炭素吸収量を測る市民調査",
     "市民と学生で里山の樹木を調べ、炭素吸収量を推計する調査を一緒に行いたいです。", "毎年春と秋"),
    ("city-of-kitakyushu", S.DISCUSSION, H.JOINT_RESEARCH, ["regional", "innovation"], "40", "工場排熱の地域熱融通の可能性調査",
     "臨海部の工場の排熱を周辺の施設で使えるか、熱需要の調査を共同で行いたいと考えています。", "2027年度"),
    ("kankyo-agency", S.DISCUSSION, H.DATA, ["regional"], "", "自治体の排出量データの標準化",
     "自治体ごとに異なる排出量の集計方法を揃えるため、データ形式の案づくりに協力いただける方を探しています。", ""),
    ("nagano-prefecture", S.MATCHED, H.JOINT_RESEARCH, ["regional"], "20", "県有林の森林吸収量のモニタリング",
     "県有林の炭素吸収量を継続的に把握する仕組みを、大学と共同でつくりました。", "2025年から3年間"),
    ("green-campus-energy", S.MATCHED, H.PILOT_SITE, ["campus"], "27", "キャンパスでの蓄電池制御の実証",
     "当社の蓄電池制御システムをキャンパスで試験運用させていただける大学を募集し、決まりました。", ""),
    ("sakuragawa-town", S.MATCHED, H.ADVICE, ["regional"], "03", "木質バイオマスボイラー導入の助言",
     "町の温浴施設への木質ボイラー導入について、専門家の助言を得ることができました。", ""),
    ("hoshizora-coop", S.MATCHED, H.DATA, ["regional", "campus"], "01", "再エネ電力共同購入の効果検証",
     "組合員の再エネ電力への切り替えによる削減効果を、大学の研究室と検証しています。", ""),
    ("aobadai-village", S.CLOSED, H.SPEAKER, ["regional"], "39", "村民向けの気候変動講演会",
     "村民向け講演会の講師を募集していました。講演会は終了しました。", "2025年11月"),
    ("umikaze-city", S.CLOSED, H.STUDENT_PROJECT, ["human-resources"], "42", "港の省エネ診断の学生調査",
     "港湾施設の省エネ診断を学生の皆さんに行っていただきました。", ""),
    ("kibou-denki", S.SUBMITTED, H.JOINT_RESEARCH, ["innovation"], "23", "水素ボイラーの燃焼解析",
     "小型水素ボイラーの燃焼の解析を共同で行ってくれる研究室を探しています。", ""),
    ("minato-logistics", S.SUBMITTED, H.ADVICE, ["campus"], "14", "EVトラック充電の電力ピーク対策",
     "EVトラックの夜間充電による電力ピークを抑える方法について助言がほしいです。", ""),
    ("hikari-prefecture-office", S.SUBMITTED, H.OTHER, ["international"], "34", "海外の姉妹州との脱炭素交流",
     "姉妹州との脱炭素政策の交流に、大学の国際ネットワークを活かせないか相談したいです。", ""),
    ("yukiguni-town", S.UNCONFIRMED, H.ADVICE, ["regional"], "15", "雪下ろしの省力化と再エネ",
     "屋根の雪下ろしの負担を減らしつつ太陽光発電を入れる方法を知りたいです。", ""),
    ("shinrin-npo", S.DECLINED, H.OTHER, ["regional"], "20", "イベントのボランティア募集",
     "森のイベントの当日スタッフを募集します。", ""),
    ("minato-logistics", S.DECLINED, H.OTHER, ["campus"], "14", "自社製品の宣伝への協力",
     "当社の省エネ製品を大学で紹介してほしいです。", ""),
]

# Needs written in English (a foreign-owned company, an international exchange office)
NEEDS_EN = [
    ("kibou-denki", S.PUBLISHED, H.DATA, ["innovation", "campus"], "23",
     "Analysing heat-pump data from our customers' buildings",
     "We collect operating data from 300 heat pumps in offices and schools. We are looking for a lab to find "
     "which settings save the most energy, and to publish the method openly.", "From spring 2027, six months"),
    ("hikari-prefecture-office", S.PUBLISHED, H.SPEAKER, ["international"], "34",
     "Speakers on decarbonisation for a visiting delegation",
     "A delegation of city officials from a partner region abroad visits in autumn. We need two speakers, in "
     "English, on how Japanese universities work with local governments toward carbon neutrality.", "October 2026"),
    ("minato-logistics", S.DISCUSSION, H.JOINT_RESEARCH, ["innovation"], "14",
     "Battery swapping for electric delivery vans",
     "We want to test battery swapping for our delivery vans and need a partner to model the grid load and the "
     "battery ageing.", "Two years"),
]

DECLINE_REASON = ("コアリションの研究協力の対象ではないため掲載を見送りました。"
                  "Not a request for research cooperation, so it was not published.")

# title ja, keywords, themes, nationwide, description
TOPICS = [
    ("地域エネルギー需給の統計分析", "排出量推計, 統計, regional energy", ["regional"], False,
     "自治体の統計データから部門別のエネルギー需給と排出量を推計し、削減シナリオを描きます。"),
    ("森林の炭素吸収量モニタリング", "森林, 炭素吸収, リモートセンシング", ["regional", "innovation"], False,
     "ドローンと衛星画像を使い、森林の炭素吸収量を継続的に推計する手法を提供します。"),
    ("小水力発電の適地評価", "小水力, 水路, GIS", ["regional", "innovation"], False,
     "農業用水路や小河川の流量データと地形から、小水力発電の適地を評価します。"),
    ("建物のZEB化改修の設計支援", "ZEB, 断熱, 改修", ["campus"], True,
     "既存の公共施設や校舎のZEB化改修について、計測・シミュレーション・優先順位づけを支援します。"),
    ("蓄電池の劣化診断と運用最適化", "蓄電池, 劣化予測, 機械学習", ["innovation", "campus"], True,
     "運転データから蓄電池の劣化を予測し、寿命を延ばす運用を提案します。"),
    ("地域熱融通と排熱利用", "排熱, 熱融通, 地域熱供給", ["innovation", "regional"], False,
     "工場や施設の排熱を地域で融通する可能性を、熱需要の調査から評価します。"),
    ("洋上風力と地域経済", "洋上風力, 地域経済, 産業連関", ["innovation", "regional"], True,
     "洋上風力発電の導入が地域経済と雇用に与える効果を分析します。"),
    ("脱炭素を担う人材の育成プログラム", "研修, 教材, 自治体職員", ["human-resources"], True,
     "自治体職員や企業向けの脱炭素研修プログラムと教材を提供し、講師を派遣します。"),
    ("学生による省エネ診断", "省エネ診断, 学生, 中小企業", ["human-resources", "campus"], False,
     "学生チームが施設のエネルギー使用を調べ、省エネの提案をまとめます。"),
    ("雪冷熱エネルギーの利用技術", "雪冷熱, 雪室, データセンター", ["innovation"], False,
     "雪を冷熱源として使う冷房・冷蔵・データセンター冷却の設計と評価を行います。"),
    ("再エネ電力の共同調達と効果検証", "再エネ電力, 共同調達, PPA", ["campus", "regional"], True,
     "再エネ電力の共同調達の仕組みづくりと、その削減効果の検証を支援します。"),
    ("交通・移動データの分析", "モビリティ, EV, 地域交通", ["regional"], False,
     "通勤・通学の移動データから、地域交通の脱炭素化の方策を提案します。"),
    ("水素エネルギーの燃焼と安全", "水素, 燃焼, 安全", ["innovation"], True,
     "水素ボイラーや燃料電池の燃焼解析と安全評価を行います。"),
    ("国際共同研究のネットワーク", "国際連携, アジア, 留学生", ["international"], True,
     "アジアの大学との共同研究と学生交流のネットワークを、自治体や企業の海外交流に活かします。"),
    ("排出量データの標準化と可視化", "データ標準, 可視化, オープンデータ", ["regional", "innovation"], True,
     "自治体の排出量データの形式を揃え、地図とグラフで見える化するツールを提供します。"),
    ("市民参加型の気候変動講座", "講演, 市民講座, 環境教育", ["human-resources", "regional"], False,
     "市民・住民向けの気候変動と脱炭素の講座を企画し、講師を務めます。"),
]

# institution slug, staff e-mail (members.demo people)
AUTHORS = [
    ("shinshu", "miyashita@shinshu.example"), ("u-tokyo", "tanaka@u-tokyo.example"),
    ("kyoto", "shimizu@kyoto.example"), ("hokkaido", "lindqvist@hokkaido.example"),
    ("tohoku", "watanabe@tohoku.example"), ("hiroshima", "yoshida@hiroshima.example"),
    ("ehime", "murakami@ehime.example"), ("ritsumeikan", "inoue@ritsumeikan.example"),
    ("kyushu", "yamaguchi@kyushu.example"), ("nagoya", "kato@nagoya.example"),
    ("kitakyu", "matsumoto@kitakyu.example"), ("jaist", "maeda@jaist.example"),
    ("mie", "ito@mie.example"), ("tokai", "saito@tokai.example"),
]


@transaction.atomic
def seed() -> dict:
    groups = {g.slug: g for g in WorkingGroup.objects.all()}
    institutions = {i.slug: i for i in Institution.objects.all()}
    partners = {}
    for slug, kind, name_ja, name_en, pref, code, member, initiatives, profile_ja, profile_en in PARTNERS:
        partner, created = Partner.objects.get_or_create(slug=slug, defaults=dict(
            kind=kind, name_ja=name_ja, name_en=name_en, prefecture=pref, municipality_code=code,
            profile_ja=profile_ja, profile_en=profile_en, institution=institutions.get(member),
            website=f"https://{slug}.example/"))
        if created:
            partner.initiatives.set(Initiative.objects.filter(slug__in=initiatives))
        partners[slug] = partner

    now = timezone.now()
    needs = []
    for n, (partner_slug, status, help_kind, themes, pref, title, description, period) in enumerate(NEEDS):
        partner = partners[partner_slug]
        listed = status in Need.LISTED
        published = now - datetime.timedelta(days=3 + n * 9) if listed else None
        need, created = Need.objects.get_or_create(title=title, defaults=dict(
            partner=partner if status != S.UNCONFIRMED else None, description=description, prefecture=pref,
            help_kind=help_kind, period=period, status=status, organisation=partner.name_ja,
            organisation_kind=partner.kind, contact_name="担当者", contact_role="環境政策課",
            contact_email=f"needs-{n}@{partner_slug}.example", language="ja",
            confirmed_at=None if status == S.UNCONFIRMED else now - datetime.timedelta(days=5 + n * 9),
            published_at=published, reason=DECLINE_REASON if status == S.DECLINED else "",
            created_at=(published or now) - datetime.timedelta(days=2)))
        if created:
            need.themes.set([groups[t] for t in themes])
            need_refresh(need)
            need.save()
        needs.append(need)

    for n, (partner_slug, status, help_kind, themes, pref, title, description, period) in enumerate(NEEDS_EN):
        partner = partners[partner_slug]
        published = now - datetime.timedelta(days=6 + n * 13)
        need, created = Need.objects.get_or_create(title=title, defaults=dict(
            partner=partner, description=description, prefecture=pref, help_kind=help_kind, period=period,
            status=status, organisation=partner.name_en, organisation_kind=partner.kind, contact_name="Alex Kim",
            contact_role="Sustainability office", contact_email=f"needs-en-{n}@{partner_slug}.example",
            language="en", confirmed_at=published - datetime.timedelta(days=2), published_at=published,
            created_at=published - datetime.timedelta(days=3)))
        if created:
            need.themes.set([groups[t] for t in themes])
            need_refresh(need)
            need.save()
        needs.append(need)

    users = {u.email: u for u in User.objects.filter(email__in=[e for _, e in AUTHORS])}
    entries = []
    for n in range(len(TOPICS) * 2):
        title, keywords, themes, nationwide, description = TOPICS[n % len(TOPICS)]
        inst_slug, email = AUTHORS[(n * 5 + n // len(TOPICS)) % len(AUTHORS)]
        inst, author = institutions[inst_slug], users.get(email)
        if author is None:
            continue
        full_title = f"{title}（{inst.name_ja}）"
        entry, created = Expertise.objects.get_or_create(title=full_title, defaults=dict(
            institution=inst, author=author, contact=author, description=description, keywords=keywords,
            nationwide=nationwide, prefectures="" if nationwide else f",{inst.prefecture},",
            languages="ja,en" if n % 3 == 0 else "ja",
            visibility=Expertise.Visibility.MEMBERS if n % 11 == 5 else Expertise.Visibility.PUBLIC,
            created_at=now - datetime.timedelta(days=n * 6)))
        if created:
            entry.themes.set([groups[t] for t in themes])
            expertise_refresh(entry)
            entry.save()
        entries.append(entry)

    # Interest in the needs in discussion and matched (introduced), and in two published ones (waiting)
    sec = User.objects.filter(email="secretariat@coalition.example").first()
    waiting = [nd for nd in needs if nd.status == S.PUBLISHED][:2]
    talked = [nd for nd in needs if nd.status in (S.DISCUSSION, S.MATCHED)]
    for k, need in enumerate(waiting + talked):
        inst_slug, email = AUTHORS[k % len(AUTHORS)]
        user = users.get(email)
        if user is None:
            continue
        introduced = need in talked
        Interest.objects.get_or_create(need=need, institution=institutions[inst_slug], defaults=dict(
            user=user, message="私たちの研究室の手法がお役に立てると思います。ぜひお話を伺いたいです。",
            introduced_at=need.published_at + datetime.timedelta(days=4) if introduced else None,
            introduced_by=sec if introduced else None))
    return {"partners": len(partners), "needs": len(needs), "expertise": len(entries)}
