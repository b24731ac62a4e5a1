"""The data tables behind ``manage.py seed_demo``: the real K-City Network programme.

Countries and sites are those of the programme's public portfolio (2020–2022). Where a 2021
city is not public a plausible one is chosen (East Kalimantan for Indonesia, as in 2020).
Applicant organisations of the 2022 call, their titles and review targets are illustrative:
the targets are the official aggregate each application gets (mean of the five reviewers'
totals without the highest and the lowest), chosen so that exactly the ten real sites are
selected, two more planning proposals above 70 points go to the reserve list because the
track budget is spent, and the rest score below 70.
"""

# ISO 3166-1 alpha-2, alpha-3, English name, Korean name, region.
COUNTRIES = [
    ("AZ", "AZE", "Azerbaijan", "아제르바이잔", "central_asia"),
    ("BD", "BGD", "Bangladesh", "방글라데시", "south_asia"),
    ("BG", "BGR", "Bulgaria", "불가리아", "europe"),
    ("BO", "BOL", "Bolivia", "볼리비아", "latin_america"),
    ("CO", "COL", "Colombia", "콜롬비아", "latin_america"),
    ("ES", "ESP", "Spain", "스페인", "europe"),
    ("GH", "GHA", "Ghana", "가나", "africa"),
    ("ID", "IDN", "Indonesia", "인도네시아", "southeast_asia"),
    ("KE", "KEN", "Kenya", "케냐", "africa"),
    ("KG", "KGZ", "Kyrgyzstan", "키르기스스탄", "central_asia"),
    ("KH", "KHM", "Cambodia", "캄보디아", "southeast_asia"),
    ("KR", "KOR", "Republic of Korea", "대한민국", "east_asia"),
    ("LA", "LAO", "Laos", "라오스", "southeast_asia"),
    ("MM", "MMR", "Myanmar", "미얀마", "southeast_asia"),
    ("MN", "MNG", "Mongolia", "몽골", "east_asia"),
    ("MY", "MYS", "Malaysia", "말레이시아", "southeast_asia"),
    ("NP", "NPL", "Nepal", "네팔", "south_asia"),
    ("PE", "PER", "Peru", "페루", "latin_america"),
    ("PH", "PHL", "Philippines", "필리핀", "southeast_asia"),
    ("RU", "RUS", "Russia", "러시아", "europe"),
    ("TH", "THA", "Thailand", "태국", "southeast_asia"),
    ("TR", "TUR", "Türkiye", "튀르키예", "middle_east"),
    ("US", "USA", "United States", "미국", "north_america"),
    ("UZ", "UZB", "Uzbekistan", "우즈베키스탄", "central_asia"),
    ("VN", "VNM", "Vietnam", "베트남", "southeast_asia"),
]

# Country, English name, Korean name, latitude, longitude.
CITIES = [
    # 2020 portfolio
    ("MY", "Kota Kinabalu", "코타키나발루", "5.98040", "116.07350"),
    ("MM", "Dala", "달라", "16.75800", "96.16000"),
    ("RU", "Primorsky Krai", "연해주", "43.11550", "131.88550"),
    ("VN", "Mekong Delta", "메콩델타", "10.04520", "105.74690"),
    ("ID", "East Kalimantan", "동칼리만탄", "-0.50220", "117.15360"),
    ("PE", "Cusco", "쿠스코", "-13.53190", "-71.96750"),
    ("LA", "Vientiane", "비엔티안", "17.97570", "102.63310"),
    ("MN", "Ulaanbaatar", "울란바토르", "47.88640", "106.90570"),
    ("CO", "Bogotá", "보고타", "4.71100", "-74.07210"),
    ("TH", "Khon Kaen", "콘깬", "16.44190", "102.83600"),
    ("TR", "Gaziantep", "가지안테프", "37.06620", "37.38330"),
    ("TR", "Ankara", "앙카라", "39.93340", "32.85970"),
    # 2021 portfolio
    ("PH", "Clark", "클라크", "15.18600", "120.54600"),
    ("UZ", "Tashkent", "타슈켄트", "41.29950", "69.24010"),
    ("KE", "Nairobi", "나이로비", "-1.29210", "36.82190"),
    ("VN", "Haiphong", "하이퐁", "20.84490", "106.68810"),
    ("BO", "Santa Cruz de la Sierra", "산타크루즈", "-17.78330", "-63.18210"),
    ("AZ", "Baku", "바쿠", "40.40930", "49.86710"),
    ("BG", "Sofia", "소피아", "42.69770", "23.32190"),
    ("US", "Baltimore", "볼티모어", "39.29040", "-76.61220"),
    ("ES", "Valencia", "발렌시아", "39.46990", "-0.37630"),
    # 2022 selected sites
    ("KG", "Issyk-Kul", "이식쿨", "42.64970", "77.08280"),
    ("MN", "Zuunmod", "준모드", "47.70690", "106.95280"),
    ("MY", "Klang", "클랑", "3.04490", "101.44560"),
    ("BD", "Khulna", "쿨나", "22.84560", "89.54030"),
    ("AZ", "Zangilan", "잔길란", "39.08560", "46.65250"),
    ("ID", "Jakarta", "자카르타", "-6.20880", "106.84560"),
    ("BO", "Warnes", "와르네스", "-17.51670", "-63.16670"),
    ("VN", "Ho Chi Minh City", "호찌민", "10.82310", "106.62970"),
    ("TH", "Mukdahan", "묵다한", "16.54530", "104.72350"),
    ("ID", "Madiun", "마디운", "-7.62980", "111.52390"),
    # 2022 proposals that were not selected
    ("PH", "Davao", "다바오", "7.19070", "125.45530"),
    ("UZ", "Samarkand", "사마르칸트", "39.65420", "66.95970"),
    ("KE", "Kisumu", "키수무", "-0.09170", "34.76800"),
    ("PE", "Arequipa", "아레키파", "-16.40900", "-71.53750"),
    ("CO", "Medellín", "메데인", "6.24420", "-75.58120"),
    ("KH", "Phnom Penh", "프놈펜", "11.55640", "104.92820"),
    ("NP", "Kathmandu", "카트만두", "27.71720", "85.32400"),
    ("GH", "Accra", "아크라", "5.60370", "-0.18700"),
    ("PH", "Cebu", "세부", "10.31570", "123.88540"),
    ("UZ", "Bukhara", "부하라", "39.77470", "64.42860"),
    ("KE", "Mombasa", "몸바사", "-4.04350", "39.66820"),
    ("KH", "Siem Reap", "시엠레아프", "13.36710", "103.84480"),
    ("NP", "Pokhara", "포카라", "28.20960", "83.98560"),
    ("GH", "Kumasi", "쿠마시", "6.68850", "-1.62440"),
    ("PE", "Trujillo", "트루히요", "-8.11160", "-79.02880"),
    ("CO", "Cali", "칼리", "3.45160", "-76.53200"),
    ("KG", "Bishkek", "비슈케크", "42.87460", "74.56980"),
    ("TH", "Chiang Mai", "치앙마이", "18.78830", "98.98530"),
    ("ID", "Surabaya", "수라바야", "-7.25750", "112.75210"),
    ("VN", "Da Nang", "다낭", "16.05440", "108.20220"),
    ("PH", "Quezon City", "케손시티", "14.67600", "121.04370"),
    # 2026 demo call
    ("PH", "Iloilo", "일로일로", "10.72020", "122.56210"),
]

# The historical portfolio: year, code, track kind, country, city, title, budget (KRW or None).
HISTORICAL_PROJECTS = [
    (
        2020,
        "2020-PL-01",
        "planning",
        "MY",
        "Kota Kinabalu",
        "Kota Kinabalu smart city master plan",
        None,
    ),
    (2020, "2020-PL-02", "planning", "MM", "Dala", "Dala new town smart city plan", None),
    (
        2020,
        "2020-PL-03",
        "planning",
        "RU",
        "Primorsky Krai",
        "Primorsky Krai smart city cooperation plan",
        None,
    ),
    (
        2020,
        "2020-PL-04",
        "planning",
        "VN",
        "Mekong Delta",
        "Mekong Delta smart water and resilience plan",
        None,
    ),
    (
        2020,
        "2020-PL-05",
        "planning",
        "ID",
        "East Kalimantan",
        "New capital smart city plan, East Kalimantan",
        None,
    ),
    (
        2020,
        "2020-PL-06",
        "planning",
        "PE",
        "Cusco",
        "Cusco smart tourism and heritage city plan",
        None,
    ),
    (2020, "2020-PL-07", "planning", "LA", "Vientiane", "Vientiane smart city master plan", None),
    (2020, "2020-PL-08", "planning", "MN", "Ulaanbaatar", "Ulaanbaatar smart mobility plan", None),
    (2020, "2020-PL-09", "planning", "CO", "Bogotá", "Bogotá smart district plan", None),
    (2020, "2020-PL-10", "planning", "TH", "Khon Kaen", "Khon Kaen smart city master plan", None),
    (2020, "2020-PL-11", "planning", "TR", "Gaziantep", "Gaziantep smart city strategy", None),
    (2020, "2020-PL-12", "planning", "TR", "Ankara", "Ankara smart transport plan", None),
    (2021, "2021-PL-01", "planning", "PH", "Clark", "Clark smart city master plan", 600_000_000),
    (
        2021,
        "2021-PL-02",
        "planning",
        "ID",
        "East Kalimantan",
        "Nusantara capital smart city planning",
        500_000_000,
    ),
    (
        2021,
        "2021-PL-03",
        "planning",
        "UZ",
        "Tashkent",
        "Tashkent smart city master plan",
        450_000_000,
    ),
    (2021, "2021-PL-04", "planning", "KE", "Nairobi", "Nairobi smart city planning", 400_000_000),
    (
        2021,
        "2021-SP-01",
        "solution_planning",
        "VN",
        "Haiphong",
        "Haiphong smart traffic solution plan",
        300_000_000,
    ),
    (
        2021,
        "2021-SP-02",
        "solution_planning",
        "BO",
        "Santa Cruz de la Sierra",
        "Santa Cruz smart water solution plan",
        250_000_000,
    ),
    (
        2021,
        "2021-SP-03",
        "solution_planning",
        "AZ",
        "Baku",
        "Baku smart safety solution plan",
        250_000_000,
    ),
    (
        2021,
        "2021-SP-04",
        "solution_planning",
        "BG",
        "Sofia",
        "Sofia smart energy solution plan",
        200_000_000,
    ),
    (
        2021,
        "2021-DM-01",
        "demonstration",
        "US",
        "Baltimore",
        "Baltimore smart mobility demonstration",
        600_000_000,
    ),
    (
        2021,
        "2021-DM-02",
        "demonstration",
        "ES",
        "Valencia",
        "Valencia smart port logistics demonstration",
        500_000_000,
    ),
    (
        2021,
        "2021-DM-03",
        "demonstration",
        "TR",
        "Gaziantep",
        "Gaziantep smart parking demonstration",
        400_000_000,
    ),
]

# The intake of the years before the portal, as the programme reported it.
HISTORICAL_CALLS = [
    # year, slug, title, reported applications, reported applicant countries
    (2020, "k-city-network-2020", "K-City Network 2020 Global Cooperation Programme", 80, 23),
    (2021, "k-city-network-2021", "K-City Network 2021 Global Cooperation Programme", 111, 39),
]

CALL_2022 = {
    "slug": "k-city-network-2022",
    "name": "K-City Network 2022 Global Cooperation Programme",
    "name_ko": "2022 K-City Network 글로벌 협력 프로그램",
    # Asia/Seoul wall-clock times; stored in UTC.
    "opens_at": (2022, 3, 2, 10, 0),
    "closes_at": (2022, 5, 2, 18, 0),
    "decisions_released_at": (2022, 6, 30, 10, 0),
}

CRITERIA = {
    # code, name, Korean name, max points, tie-break priority
    "planning": [
        ("feasibility", "Feasibility", "사업 실현 가능성", 30, 1),
        ("site_preparation", "Preparation status of the site", "대상지 준비 상태", 25, 2),
        ("importance", "Project importance", "사업 중요도", 15, None),
        ("business_viability", "Business viability", "사업성", 15, None),
        ("korean_cooperation", "Cooperation with Korean companies", "한국 기업과의 협력", 15, None),
    ],
    "demonstration": [
        ("implementation", "Implementation conditions", "실증 여건", 40, 1),
        (
            "export_potential",
            "Export potential of the Korean solution",
            "한국 솔루션 수출 가능성",
            35,
            2,
        ),
        ("partner_commitment", "Partner commitment", "현지 파트너 참여 의지", 25, None),
    ],
}

TRACKS_2022 = {
    "PL": {
        "kind": "planning",
        "name": "Smart City Planning",
        "name_ko": "스마트시티 계획 수립",
        "secretariat": "KIND",
        "applicant_kind": "foreign_public",
        "budget_floor": 300_000_000,
        "budget_ceiling": 500_000_000,
        "total_budget": 3_400_000_000,
        "target_awards": 8,
        "max_reviewer_load": 30,
        "order": 1,
    },
    "DM": {
        "kind": "demonstration",
        "name": "Smart Solution Overseas Demonstration",
        "name_ko": "스마트 솔루션 해외 실증",
        "secretariat": "KAIA",
        "applicant_kind": "korean_consortium",
        "budget_floor": 400_000_000,
        "budget_ceiling": 400_000_000,
        "total_budget": 800_000_000,
        "target_awards": 2,
        "max_reviewer_load": 30,
        "order": 2,
    },
}

SECRETARIATS = [
    ("KIND", "한국해외인프라도시개발지원공사", "kind.or.kr"),
    ("KAIA", "국토교통과학기술진흥원", "kaia.re.kr"),
]

# Applications to the 2022 call. Planning: the applicant is a foreign public body.
# track, country, city, applicant, applicant kind, requested KRW, review target, outcome.
# Outcomes: selected (with award), reserve (reserve rank in the order listed), rejected.
APPLICATIONS_2022 = [
    (
        "PL",
        "KG",
        "Issyk-Kul",
        "Issyk-Kul Regional Administration",
        "regional_government",
        450_000_000,
        88,
        "selected",
    ),
    (
        "PL",
        "MN",
        "Zuunmod",
        "Töv Province Governor's Office",
        "regional_government",
        400_000_000,
        86,
        "selected",
    ),
    (
        "PL",
        "MY",
        "Klang",
        "Klang Royal City Council",
        "city_government",
        450_000_000,
        85,
        "selected",
    ),
    (
        "PL",
        "BD",
        "Khulna",
        "Khulna City Corporation",
        "city_government",
        400_000_000,
        83,
        "selected",
    ),
    (
        "PL",
        "AZ",
        "Zangilan",
        "Ministry of Economy of Azerbaijan",
        "national_government",
        500_000_000,
        81,
        "selected",
    ),
    (
        "PL",
        "ID",
        "Jakarta",
        "Jakarta Provincial Government",
        "regional_government",
        400_000_000,
        79,
        "selected",
    ),
    (
        "PL",
        "BO",
        "Warnes",
        "Autonomous Municipal Government of Warnes",
        "city_government",
        400_000_000,
        77,
        "selected",
    ),
    (
        "PL",
        "VN",
        "Ho Chi Minh City",
        "Ho Chi Minh City People's Committee",
        "city_government",
        400_000_000,
        75,
        "selected",
    ),
    ("PL", "PH", "Davao", "Davao City Government", "city_government", 400_000_000, 73, "reserve"),
    (
        "PL",
        "UZ",
        "Samarkand",
        "Samarkand Regional Khokimiyat",
        "regional_government",
        350_000_000,
        71,
        "reserve",
    ),
    (
        "PL",
        "KE",
        "Kisumu",
        "County Government of Kisumu",
        "regional_government",
        450_000_000,
        68,
        "rejected",
    ),
    (
        "PL",
        "PE",
        "Arequipa",
        "Provincial Municipality of Arequipa",
        "city_government",
        400_000_000,
        66,
        "rejected",
    ),
    (
        "PL",
        "CO",
        "Medellín",
        "Mayor's Office of Medellín",
        "city_government",
        500_000_000,
        65,
        "rejected",
    ),
    (
        "PL",
        "KH",
        "Phnom Penh",
        "Phnom Penh Capital Administration",
        "city_government",
        400_000_000,
        64,
        "rejected",
    ),
    (
        "PL",
        "NP",
        "Kathmandu",
        "Kathmandu Metropolitan City",
        "city_government",
        350_000_000,
        62,
        "rejected",
    ),
    (
        "PL",
        "GH",
        "Accra",
        "Accra Metropolitan Assembly",
        "city_government",
        400_000_000,
        61,
        "rejected",
    ),
    ("PL", "PH", "Cebu", "Cebu City Government", "city_government", 300_000_000, 60, "rejected"),
    (
        "PL",
        "UZ",
        "Bukhara",
        "Bukhara Regional Khokimiyat",
        "regional_government",
        400_000_000,
        59,
        "rejected",
    ),
    (
        "PL",
        "KE",
        "Mombasa",
        "County Government of Mombasa",
        "regional_government",
        450_000_000,
        58,
        "rejected",
    ),
    (
        "PL",
        "KH",
        "Siem Reap",
        "Siem Reap Provincial Administration",
        "regional_government",
        300_000_000,
        57,
        "rejected",
    ),
    (
        "PL",
        "NP",
        "Pokhara",
        "Pokhara Metropolitan City",
        "city_government",
        350_000_000,
        55,
        "rejected",
    ),
    (
        "PL",
        "GH",
        "Kumasi",
        "Kumasi Metropolitan Assembly",
        "city_government",
        400_000_000,
        54,
        "rejected",
    ),
    (
        "PL",
        "PE",
        "Trujillo",
        "Provincial Municipality of Trujillo",
        "city_government",
        300_000_000,
        52,
        "rejected",
    ),
    (
        "PL",
        "CO",
        "Cali",
        "Mayor's Office of Santiago de Cali",
        "city_government",
        450_000_000,
        50,
        "rejected",
    ),
    ("PL", "KG", "Bishkek", "Bishkek City Hall", "city_government", 400_000_000, 48, "rejected"),
    # Demonstration: the applicant is the Korean lead company; the partner is overseas public.
    (
        "DM",
        "TH",
        "Mukdahan",
        "Hanbit Smart Grid Co., Ltd.",
        "korean_company",
        400_000_000,
        84,
        "selected",
    ),
    (
        "DM",
        "ID",
        "Madiun",
        "Seoul Urban Mobility Co., Ltd.",
        "korean_company",
        400_000_000,
        80,
        "selected",
    ),
    (
        "DM",
        "TH",
        "Chiang Mai",
        "Arirang Water Tech Co., Ltd.",
        "korean_company",
        400_000_000,
        66,
        "rejected",
    ),
    (
        "DM",
        "ID",
        "Surabaya",
        "Daehan Smart Safety Co., Ltd.",
        "korean_company",
        400_000_000,
        63,
        "rejected",
    ),
    (
        "DM",
        "VN",
        "Da Nang",
        "K-Parking Solutions Inc.",
        "korean_company",
        400_000_000,
        61,
        "rejected",
    ),
    (
        "DM",
        "MN",
        "Ulaanbaatar",
        "Baekdu Heating Systems Co., Ltd.",
        "korean_company",
        400_000_000,
        58,
        "rejected",
    ),
    (
        "DM",
        "PH",
        "Quezon City",
        "Hangang Data Platforms Inc.",
        "korean_company",
        400_000_000,
        56,
        "rejected",
    ),
    (
        "DM",
        "KE",
        "Nairobi",
        "Jeju Green Energy Co., Ltd.",
        "korean_company",
        400_000_000,
        53,
        "rejected",
    ),
]

# Overseas public partner of each demonstration consortium (by site city).
DEMONSTRATION_PARTNERS = {
    "Mukdahan": ("Mukdahan Provincial Administration", "regional_government"),
    "Madiun": ("Madiun City Government", "city_government"),
    "Chiang Mai": ("Chiang Mai University", "university"),
    "Surabaya": ("Surabaya City Government", "city_government"),
    "Da Nang": ("Da Nang People's Committee", "city_government"),
    "Ulaanbaatar": ("Ulaanbaatar City Governor's Office", "city_government"),
    "Quezon City": ("Quezon City Government", "city_government"),
    "Nairobi": ("Nairobi City County", "regional_government"),
}

# Offsets of the five reviewers' totals around an application's target. The official rule
# drops the highest (+5) and the lowest (−4) and averages −2, 0, +2: exactly the target.
REVIEWER_OFFSETS = (-4, -2, 0, 2, 5)

# Demo people. Role names are those of accounts.roles.
REVIEWERS = [
    # e-mail, name, affiliation, expertise
    (
        "kim.jiwon@review.kcity.example",
        "Kim Ji-won",
        "Seoul National University",
        ["urban_planning", "governance"],
    ),
    (
        "lee.minho@review.kcity.example",
        "Lee Min-ho",
        "Korea Research Institute for Human Settlements",
        ["urban_planning", "construction"],
    ),
    (
        "park.soyeon@review.kcity.example",
        "Park So-yeon",
        "Korea Transport Institute",
        ["transport", "ict"],
    ),
    (
        "choi.daniel@review.kcity.example",
        "Daniel Choi",
        "KAIST Graduate School of Urban Studies",
        ["ict", "energy"],
    ),
    (
        "jung.haeun@review.kcity.example",
        "Jung Ha-eun",
        "Korea Development Institute",
        ["finance", "international_development"],
    ),
    (
        "kang.seojun@review.kcity.example",
        "Kang Seo-jun",
        "Korea Environment Institute",
        ["water", "energy"],
    ),
    ("yoon.mirae@review.kcity.example", "Yoon Mi-rae", "Hanyang University", ["safety", "ict"]),
]
# Committees: reviewer index ranges (the first is the chair).
COMMITTEES = {"PL": (0, 1, 2, 3, 4), "DM": (2, 3, 4, 5, 6)}

CALL_2026 = {
    "slug": "k-city-network-2026",
    "name": "K-City Network 2026 Global Cooperation Programme",
    "name_ko": "2026 K-City Network 글로벌 협력 프로그램",
}

# Korean planning firms that carry out the 2022 planning projects (selected in July 2022), by
# site. The Klang firm is the demo contractor's organisation.
PLANNING_CONTRACTORS = {
    "Issyk-Kul": "Baekdu Urban Engineering Co., Ltd.",
    "Zuunmod": "Hanmaeum Planning Group Co., Ltd.",
    "Klang": "Hanul Urban Planning Co., Ltd.",
    "Khulna": "Saebit Smart City Consultants Inc.",
    "Zangilan": "Gaon Engineering & Architecture Co., Ltd.",
    "Jakarta": "Nuri Urban Design Co., Ltd.",
    "Warnes": "Doore Infrastructure Planning Co., Ltd.",
    "Ho Chi Minh City": "Arum Smart Planning Co., Ltd.",
}

EVENTS = [
    # kind, title, partners, city, starts (y, m, d), ends (y, m, d)
    ("workshop", "K-City Network 2022 kick-off workshop", "", None, (2022, 7, 20), (2022, 7, 21)),
    (
        "road_show",
        "K-City Network road show in Latin America",
        "IDB",
        ("CO", "Bogotá"),
        (2022, 10, 11),
        (2022, 10, 12),
    ),
    (
        "conference",
        "Smart city cooperation conference with the World Bank",
        "World Bank",
        None,
        (2022, 11, 15),
        (2022, 11, 16),
    ),
]

CALL_ELIGIBILITY = (
    "Smart City Planning: foreign national, regional or city governments, or international "
    "organisations working with them after prior consultation. A country may send several "
    "proposals but ranks them by priority; one proposal per applicant per city.\n"
    "Smart Solution Overseas Demonstration: Korean companies in a consortium that includes an "
    "overseas public partner (government, public institution or university)."
)

# Documents an application to the open 2026 call must carry before it can be submitted (the
# 2022 applications predate the portal's document rules and carry none).
REQUIRED_DOCUMENTS_2026 = {
    "PL": ["letter_of_intent", "concept_paper", "site_map"],
    "DM": ["letter_of_intent", "concept_paper", "consortium_agreement"],
}

# The walkthrough of the open 2026 call: applications already submitted by other demo
# organisations (not the demo applicant's), so staff can screen them, start the review, run the
# automatic assignment, and the demo reviewers can score them.
# track, country, city, applicant organisation, kind, requested KRW.
WALKTHROUGH_2026 = [
    ("PL", "PH", "Davao", "Davao City Government", "city_government", 450_000_000),
    (
        "PL",
        "UZ",
        "Samarkand",
        "Samarkand Regional Khokimiyat",
        "regional_government",
        400_000_000,
    ),
    ("PL", "KE", "Kisumu", "County Government of Kisumu", "regional_government", 400_000_000),
    ("PL", "PE", "Arequipa", "Provincial Municipality of Arequipa", "city_government", 350_000_000),
    ("PL", "KH", "Phnom Penh", "Phnom Penh Capital Administration", "city_government", 500_000_000),
    ("DM", "TH", "Chiang Mai", "Arirang Water Tech Co., Ltd.", "korean_company", 400_000_000),
    ("DM", "ID", "Surabaya", "Daehan Smart Safety Co., Ltd.", "korean_company", 400_000_000),
]
# Small enough for the demo committees of five.
WALKTHROUGH_MIN_REVIEWERS = 3
# Committees of the 2026 tracks: reviewer indexes (the first is the chair).
COMMITTEES_2026 = {"PL": (0, 1, 2, 3, 4), "DM": (2, 3, 4, 5, 6)}
