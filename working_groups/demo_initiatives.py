"""Demo initiatives: case studies of the kinds docs/domain.md lists (ZEB buildings, university solar
plants, satoyama with a town, campus roadmaps, joint courses), written out for several members."""

# key, themes, language, title (ja), title (en), summary (ja), summary (en), body (Markdown, in the
# initiative's language), outcomes, t-CO2/yr, kW, partners, institutions (slugs)
TOPICS = [
    ("zeb-library", ["campus"], "ja", "附属図書館のZEB化改修", "Renovating the university library to a zero-energy building",
     "築40年の附属図書館を、断熱改修・高効率空調・屋上太陽光発電によってZEB Readyの水準に改修しました。",
     "A 40-year-old library was renovated to ZEB Ready with insulation, efficient air conditioning and rooftop solar.",
     "## 背景\n\n附属図書館は学内で最もエネルギー消費の大きい建物の一つでした。\n\n## 取組の内容\n\n"
     "- 外壁と屋根の断熱改修、Low-E複層ガラスへの更新\n- 高効率ヒートポンプ空調とCO2濃度に応じた換気制御\n"
     "- 屋上への太陽光発電パネルの設置（発電量は館内ディスプレイで公開）\n\n## 学生の参加\n\n"
     "建築学科の学生がエネルギー計測とシミュレーションを担当し、卒業研究としてまとめました。",
     "一次エネルギー消費量を改修前から52%削減しました。", 310, 120, "地元設計事務所\n県建築士会", ["shinshu", "kanazawa", "ehime"]),
    ("solar-plant", ["campus", "regional"], "ja", "大学所有のメガソーラー発電所の運用", "Running a university-owned solar power plant",
     "遊休地に2MWの太陽光発電所を建設し、発電した電力を自己託送でキャンパスに供給しています。",
     "A 2 MW solar plant on unused university land supplies the campus through self-wheeling.",
     "## 概要\n\n大学が所有する遊休地に出力2MWの太陽光発電所を整備しました。\n\n"
     "## 仕組み\n\n1. 発電した電力を自己託送制度により各キャンパスへ送電\n2. 余剰電力は地域新電力を通じて地元の公共施設へ\n"
     "3. 発電データは研究・教育用にオープンデータとして公開\n\n## 課題\n\n系統接続の手続きに約2年を要しました。",
     "キャンパスの年間電力使用量の約18%を賄っています。", 1100, 2000, "地域新電力会社\n市役所", ["kyushu", "okayama", "tohoku"]),
    ("satoyama", ["regional", "human-resources"], "ja", "町と協働する里山林の整備と木質バイオマス利用", "Managing satoyama woodland with the town and using its timber for heat",
     "町と協定を結び、学生と住民が里山林を整備。間伐材は町の温浴施設の木質ボイラー燃料として使われています。",
     "Under an agreement with the town, students and residents manage satoyama woodland; thinned timber fuels the town's bathhouse boiler.",
     "## 連携の枠組み\n\n町と大学が包括連携協定を結び、年間計画を共同で作成しています。\n\n## 活動\n\n"
     "- 年6回の森林整備ボランティア（延べ300人が参加）\n- 間伐材のチップ化と木質ボイラーへの供給\n"
     "- 森林の炭素吸収量のモニタリング調査\n\n里山の整備は生物多様性の保全にもつながっています。",
     "灯油ボイラーからの転換により、温浴施設のCO2排出を年間約180t削減しました。", 180, None, "町役場\n森林組合\n地元NPO",
     ["shinshu", "kochi", "iwate", "akita"]),
    ("roadmap-2050", ["campus"], "ja", "キャンパス・カーボンニュートラル・ロードマップ2050の策定", "A campus roadmap to carbon neutrality by 2050",
     "2050年までのキャンパス・カーボンニュートラルに向けて、施設・設備・調達・行動の4分野で道筋を示すロードマップを策定しました。",
     "A roadmap sets out the path to a carbon-neutral campus by 2050 across buildings, equipment, procurement and behaviour.",
     "## 策定の進め方\n\n教職員・学生・施設部による検討会を12回開催しました。\n\n## ロードマップの柱\n\n"
     "| 分野 | 2030年の目標 | 主な施策 |\n|---|---|---|\n| 施設 | 新築はすべてZEB | 改修計画の前倒し |\n"
     "| 設備 | LED化100% | 空調の更新 |\n| 調達 | 再エネ電力60% | PPAの導入 |\n| 行動 | 意識調査の毎年実施 | 学生委員会 |\n\n"
     "進捗は毎年度ウェブサイトで公開します。",
     "2013年度比で2030年度に温室効果ガス51%削減を目標として設定しました。", None, None, "", ["u-tokyo", "nagoya", "hiroshima", "ritsumeikan"]),
    ("joint-course", ["human-resources", "regional"], "ja", "自治体職員と学ぶ地域脱炭素の共同講座", "A joint course on regional decarbonisation with local government staff",
     "県と共同で、自治体職員と学生が同じ教室で地域の脱炭素計画づくりを学ぶ講座を開講しました。",
     "With the prefecture, a course brings local government staff and students together to draft regional decarbonisation plans.",
     "## 講座の構成\n\n全15回。前半は講義、後半は市町村ごとのグループワークです。\n\n"
     "## 成果物\n\n各グループが自治体の地球温暖化対策実行計画（区域施策編）の素案を作成し、首長に報告しました。\n\n"
     "受講した自治体職員の多くが、その後の計画改定に関わっています。",
     "これまでに自治体職員85名、学生120名が修了しました。", None, None, "県環境部\n市町村", ["mie", "tokai", "kitakyu", "yamaguchi"]),
    ("hydrogen-bus", ["innovation", "regional"], "ja", "水素燃料電池バスによる学内シャトルの実証", "Demonstrating a hydrogen fuel-cell bus for the campus shuttle",
     "地元の交通事業者と連携し、キャンパス間シャトルバスに燃料電池バスを導入して運行データを収集しています。",
     "With a local transport operator, a fuel-cell bus runs the inter-campus shuttle while its operating data is collected.",
     "## 実証の目的\n\n寒冷地での燃料電池バスの性能と運行コストを検証します。\n\n## 体制\n\n"
     "- 大学: 運行データの解析、利用者調査\n- 交通事業者: 運行と保守\n- 自治体: 水素ステーションの整備支援\n\n"
     "冬季の暖房による航続距離の低下が主な課題として確認されました。",
     "ディーゼルバスと比べ年間約60tのCO2削減を見込んでいます。", 60, None, "地元交通事業者\n県", ["hokkaido", "muroran-it", "kitami-it"]),
    ("smart-grid", ["innovation"], "en", "研究用キャンパス・マイクログリッド", "A research microgrid on campus",
     "研究用のマイクログリッドで、太陽光・蓄電池・電気自動車を統合制御する技術を実証しています。",
     "A research microgrid on campus integrates solar power, batteries and electric vehicles under one control system.",
     "## What we built\n\nA 500 kW microgrid links three buildings, a 1 MWh battery and twenty EV chargers.\n\n"
     "## Research questions\n\n- How far can demand follow solar output without discomfort?\n"
     "- Can parked vehicles stabilise the grid during peak hours?\n- What does islanding operation require in an earthquake?\n\n"
     "## Open data\n\nOne-minute data from every meter is published for other researchers.",
     "Peak demand fell by 23%; the microgrid ran islanded for 72 hours in a drill.", 240, 500, "Grid operator\nBattery manufacturer",
     ["kyoto", "jaist", "nagoya", "osaka"]),
    ("perovskite", ["innovation"], "en", "ペロブスカイト太陽電池の建物外壁への実装", "Putting perovskite solar cells on building walls",
     "軽量・フレキシブルなペロブスカイト太陽電池を学内の建物外壁に設置し、耐久性と発電性能を評価しています。",
     "Light, flexible perovskite solar cells were installed on a campus building's walls to measure durability and output.",
     "## Why walls\n\nRoofs are already full; walls are not. Perovskite cells are light enough for existing facades.\n\n"
     "## Results so far\n\nAfter eighteen months outdoors the modules keep 91% of their initial efficiency.\n\n"
     "A spin-off company is preparing the first commercial installation with a local manufacturer.",
     "The test facade produces 14 MWh a year.", 6, 12, "Local manufacturer\nSpin-off company", ["kyoto", "tsukuba", "ynu"]),
    ("student-energy", ["human-resources", "campus"], "ja", "学生エネルギーアンバサダー制度", "Student energy ambassadors",
     "各学部の学生アンバサダーが研究室の省エネ点検を行い、実験機器の待機電力削減を進めています。",
     "Student ambassadors in every faculty audit laboratories and cut the standby power of experimental equipment.",
     "## 仕組み\n\n毎年30名の学生をアンバサダーとして任命し、研修を行います。\n\n## 活動\n\n"
     "- 研究室の省エネ点検（年2回）\n- フリーザーの集約と温度設定の見直し\n- 学内向けの省エネ動画の制作\n\n"
     "点検結果は研究室ごとにフィードバックされ、改善の提案が行われます。",
     "研究室の電力使用量を平均8%削減しました。", 420, None, "", ["waseda", "keio", "chiba", "kobe"]),
    ("ppa-campus", ["campus"], "ja", "オンサイトPPAによる太陽光発電の導入", "Solar power on campus through an on-site PPA",
     "初期費用をかけずに、事業者が所有・運用する太陽光発電設備を校舎の屋根に設置するオンサイトPPAを導入しました。",
     "An on-site power purchase agreement put solar panels, owned and run by a provider, on campus roofs at no upfront cost.",
     "## 導入の経緯\n\n財務上の制約から、自己所有ではなくPPA方式を選びました。\n\n## 契約の要点\n\n"
     "- 契約期間20年、固定単価\n- 設置対象は12棟の屋根\n- 契約終了後は設備を大学に無償譲渡\n\n"
     "他大学からの問い合わせに備え、契約書のひな形を会員向けに共有しています。",
     "キャンパスの電力の15%を再生可能エネルギーで賄っています。", 650, 1500, "PPA事業者", ["omu", "tmu", "saitama", "gunma", "shizuoka"]),
    ("forest-carbon", ["regional", "innovation"], "ja", "大学演習林の炭素吸収量の可視化", "Measuring the carbon stored by university forests",
     "ドローンとレーザー計測で演習林の炭素蓄積量を推定し、J-クレジット化の可能性を自治体と検討しています。",
     "Drones and lidar estimate the carbon stored in university forests; with local governments we study turning it into J-Credits.",
     "## 計測の方法\n\nドローン搭載のレーザー測量で樹高と樹冠を計測し、地上調査と組み合わせて推定精度を高めました。\n\n"
     "## 地域への展開\n\n推定手法は近隣の市町村有林にも適用され、森林経営計画の基礎資料となっています。",
     "演習林全体で年間約3,200t-CO2の吸収量を推定しました。", None, None, "市町村\n森林管理署", ["kagoshima", "miyazaki", "kochi", "yamagata"]),
    ("geothermal", ["innovation", "regional"], "ja", "温泉熱を活用した地域熱供給の研究", "Research on district heating from hot-spring heat",
     "未利用の温泉排湯の熱をヒートポンプで回収し、公共施設の給湯・暖房に利用する実証を行っています。",
     "Heat from unused hot-spring wastewater is recovered with heat pumps for hot water and heating in public buildings.",
     "## 対象地域\n\n温泉街から毎日大量の排湯が河川に放流されていました。\n\n## 実証の内容\n\n"
     "熱交換器とヒートポンプを組み合わせ、公民館と小学校に熱を供給しています。\n\n"
     "温泉事業者の理解を得るため、説明会を重ねました。",
     "重油使用量を年間約90kL削減しました。", 240, None, "温泉組合\n市", ["oita", "kumamoto", "akita"]),
    ("offshore-wind", ["innovation", "human-resources"], "en", "洋上風力発電の人材育成プログラム", "Training people for offshore wind",
     "洋上風力発電の建設・保守を担う技術者を育てるため、企業と連携した実習付きの教育プログラムを開設しました。",
     "A programme with industry partners, including practical training, prepares engineers to build and maintain offshore wind farms.",
     "## Programme\n\nA one-year certificate: marine engineering, safety at sea, turbine maintenance.\n\n"
     "## Practical training\n\nStudents spend four weeks with operators at a wind farm under construction.\n\n"
     "## Who enrols\n\nHalf of the students are mid-career workers from fisheries and shipbuilding.",
     "Sixty people have completed the programme; 41 now work in the wind industry.", None, None,
     "Wind farm operators\nShipbuilders\nPrefecture", ["akita", "nagasaki", "kyushu", "hirosaki"]),
    ("cool-roof", ["campus"], "ja", "高反射塗装と緑化による校舎の冷房負荷削減", "Cutting cooling loads with reflective roofs and greenery",
     "屋上の高反射塗装と壁面緑化を組み合わせ、夏季の冷房負荷を削減しました。",
     "Reflective roof coating and green walls cut the summer cooling load of a campus building.",
     "## 取組\n\n- 屋上の高反射塗装（日射反射率85%）\n- 南面と西面の壁面緑化\n- 室温と表面温度の継続計測\n\n"
     "## 結果\n\n最上階の室温が夏季の日中で平均2.1℃低下しました。",
     "冷房用電力を年間約12%削減しました。", 35, None, "造園会社", ["ryukyus", "saga", "tokushima"]),
    ("ev-fleet", ["campus", "regional"], "ja", "公用車の電気自動車化と地域とのシェアリング", "Electric university cars shared with the community",
     "大学の公用車をすべて電気自動車に切り替え、週末は地域のカーシェアリングに提供しています。",
     "All university cars were switched to electric vehicles; at weekends they join the local car-sharing scheme.",
     "## 取組の内容\n\n公用車25台を電気自動車に更新し、キャンパスに充電設備を整備しました。\n\n"
     "## 地域との共有\n\n週末と休暇期間は地域のカーシェアリングに登録し、住民が利用できます。\n\n"
     "災害時には非常用電源として避難所に派遣する協定を市と結んでいます。",
     "公用車からのCO2排出を年間約45t削減しました。", 45, None, "市\nカーシェア事業者", ["fukushima", "niigata", "toyama", "fukui"]),
    ("international-summer", ["international", "human-resources"], "en", "アジアの大学との脱炭素サマースクール", "A decarbonisation summer school with Asian universities",
     "アジア6か国の大学と共同で、学生がキャンパスの脱炭素計画を比較し提案するサマースクールを開催しています。",
     "With universities in six Asian countries, students compare campus decarbonisation plans and present proposals.",
     "## Format\n\nTwo weeks, alternating between a Japanese campus and a partner campus each year.\n\n"
     "## What students do\n\n- Audit a building together\n- Compare national policies\n- Present a plan to university leaders\n\n"
     "Proposals from the 2024 school led to a shared procurement guideline for LED lighting.",
     "Over four years, 240 students from 18 universities have taken part.", None, None,
     "Partner universities in Asia", ["hokkaido", "kyoto", "tohoku"]),
    ("international-network", ["international"], "ja", "海外の大学ネットワークとの気候変動対策の連携", "Cooperating with university climate networks abroad",
     "海外の大学気候ネットワークと覚書を結び、排出量の算定方法や報告の枠組みを相互に学び合っています。",
     "A memorandum with university climate networks abroad lets members learn from each other's emission accounting and reporting.",
     "## 連携の内容\n\n- 排出量算定（Scope 1・2・3）の方法の比較\n- 年次報告書の相互レビュー\n"
     "- 若手研究者の交流\n\n## 今後\n\n会員機関向けに、Scope 3算定の手引きを英語と日本語で作成しています。",
     "会員機関12校が海外のネットワークとの共同ワークショップに参加しました。", None, None, "海外大学ネットワーク", ["hokkaido", "waseda"]),
    ("waste-heat", ["campus", "innovation"], "ja", "データセンターの排熱を温室に利用", "Using the heat of the data centre for greenhouses",
     "学内データセンターの排熱を農学部の温室の暖房に活用し、冬季の燃料使用を削減しています。",
     "Waste heat from the campus data centre warms the agricultural faculty's greenhouses, cutting winter fuel use.",
     "## 仕組み\n\nサーバー冷却水の熱をヒートポンプで昇温し、温室まで配管で送っています。\n\n"
     "## 研究への活用\n\n温室ではイチゴとトマトの栽培試験を行い、作物への影響を調べています。",
     "温室の暖房用灯油を年間約40kL削減しました。", 100, None, "", ["gifu", "yamanashi", "utsunomiya"]),
    ("green-procurement", ["campus"], "en", "再エネ電力の共同調達", "Buying renewable electricity together",
     "近隣の複数の大学で電力を共同調達し、再生可能エネルギー比率の高い電力を有利な条件で購入しています。",
     "Several neighbouring universities buy electricity together and obtain renewable power on better terms.",
     "## How it works\n\nFive universities pooled their demand in one tender requiring at least 60% renewable power.\n\n"
     "## Lessons\n\n- Agree on the contract terms before the tender\n- Share one adviser\n- Publish the results for others",
     "The renewable share of the five campuses rose from 12% to 63%.", 5200, None, "Electricity retailer",
     ["kobe", "osaka", "nara-wu", "wakayama", "shiga"]),
    ("mobility-survey", ["regional"], "ja", "通勤・通学の移動データに基づく地域交通の提案", "Proposing regional transport from commuting data",
     "教職員と学生の通勤・通学データを分析し、市とともにバス路線の再編と自転車通学の促進策をまとめました。",
     "Commuting data of staff and students was analysed to propose, with the city, new bus routes and more cycling.",
     "## 調査\n\n約8,000人を対象に通勤・通学の手段と経路を調査しました。\n\n## 提案\n\n"
     "1. 朝夕の急行バスの新設\n2. 自転車レーンの整備とシェアサイクルの拡充\n3. 時差出勤の推奨\n\n"
     "提案の一部は翌年度のバス路線再編に反映されました。",
     "自家用車通勤の割合が3年で41%から33%に下がりました。", 520, None, "市\nバス事業者", ["kumamoto", "shimane", "tottori", "kagawa"]),
    ("kosen-workshop", ["human-resources"], "ja", "高専生による地域の省エネ診断", "College of technology students audit local businesses",
     "高専の学生が地域の中小企業を訪問し、教員の指導のもとで省エネ診断と改善提案を行っています。",
     "College of technology students visit small local businesses and, guided by teachers, audit their energy use and propose improvements.",
     "## 活動\n\n毎年20社程度を訪問し、照明・空調・コンプレッサーなどを点検します。\n\n"
     "## 教育効果\n\n実際の現場で測定と提案を行うことで、学生の実践力が高まっています。",
     "診断した企業の多くで、提案に基づく設備更新が行われました。", 150, None, "商工会議所\n地域の中小企業", ["kosen", "nagaokaut", "toyohashi-tech"]),
    ("nies-data", ["innovation", "regional"], "ja", "地域の排出量データの見える化ツール", "A tool that shows regional emissions",
     "市町村ごとの温室効果ガス排出量を推計・可視化するウェブツールを開発し、自治体に無償で提供しています。",
     "A web tool estimates and shows greenhouse-gas emissions for each municipality and is offered free to local governments.",
     "## ツールの機能\n\n- 部門別（産業・業務・家庭・運輸）の排出量推計\n- 他の自治体との比較\n"
     "- 施策を入れた場合の将来推計\n\n多くの自治体が計画策定に利用しています。",
     "全国の約300自治体がツールを利用しています。", None, None, "全国の市町村", ["nies", "aist", "tsukuba"]),
]

DRAFTS = {("zeb-library", "ehime"), ("perovskite", "ynu")}
MEMBERS_ONLY = {("ppa-campus", "shizuoka"), ("roadmap-2050", "ritsumeikan"), ("green-procurement", "shiga")}
ARCHIVED = {("student-energy", "kobe")}
