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

# The historical portfolio: year, code, track kind, country, city, title, title in Korean,
# budget (KRW or None).
HISTORICAL_PROJECTS = [
    (
        2020,
        "2020-PL-01",
        "planning",
        "MY",
        "Kota Kinabalu",
        "Kota Kinabalu smart city master plan",
        "코타키나발루 스마트시티 마스터플랜",
        None,
    ),
    (
        2020,
        "2020-PL-02",
        "planning",
        "MM",
        "Dala",
        "Dala new town smart city plan",
        "달라 신도시 스마트시티 계획",
        None,
    ),
    (
        2020,
        "2020-PL-03",
        "planning",
        "RU",
        "Primorsky Krai",
        "Primorsky Krai smart city cooperation plan",
        "연해주 스마트시티 협력 계획",
        None,
    ),
    (
        2020,
        "2020-PL-04",
        "planning",
        "VN",
        "Mekong Delta",
        "Mekong Delta smart water and resilience plan",
        "메콩델타 스마트 물관리·기후 회복력 계획",
        None,
    ),
    (
        2020,
        "2020-PL-05",
        "planning",
        "ID",
        "East Kalimantan",
        "New capital smart city plan, East Kalimantan",
        "동칼리만탄 신수도 스마트시티 계획",
        None,
    ),
    (
        2020,
        "2020-PL-06",
        "planning",
        "PE",
        "Cusco",
        "Cusco smart tourism and heritage city plan",
        "쿠스코 스마트 관광·문화유산 도시 계획",
        None,
    ),
    (
        2020,
        "2020-PL-07",
        "planning",
        "LA",
        "Vientiane",
        "Vientiane smart city master plan",
        "비엔티안 스마트시티 마스터플랜",
        None,
    ),
    (
        2020,
        "2020-PL-08",
        "planning",
        "MN",
        "Ulaanbaatar",
        "Ulaanbaatar smart mobility plan",
        "울란바토르 스마트 모빌리티 계획",
        None,
    ),
    (
        2020,
        "2020-PL-09",
        "planning",
        "CO",
        "Bogotá",
        "Bogotá smart district plan",
        "보고타 스마트 지구 계획",
        None,
    ),
    (
        2020,
        "2020-PL-10",
        "planning",
        "TH",
        "Khon Kaen",
        "Khon Kaen smart city master plan",
        "콘깬 스마트시티 마스터플랜",
        None,
    ),
    (
        2020,
        "2020-PL-11",
        "planning",
        "TR",
        "Gaziantep",
        "Gaziantep smart city strategy",
        "가지안테프 스마트시티 전략",
        None,
    ),
    (
        2020,
        "2020-PL-12",
        "planning",
        "TR",
        "Ankara",
        "Ankara smart transport plan",
        "앙카라 스마트 교통 계획",
        None,
    ),
    (
        2021,
        "2021-PL-01",
        "planning",
        "PH",
        "Clark",
        "Clark smart city master plan",
        "클라크 스마트시티 마스터플랜",
        600000000,
    ),
    (
        2021,
        "2021-PL-02",
        "planning",
        "ID",
        "East Kalimantan",
        "Nusantara capital smart city planning",
        "누산타라 신수도 스마트시티 계획",
        500000000,
    ),
    (
        2021,
        "2021-PL-03",
        "planning",
        "UZ",
        "Tashkent",
        "Tashkent smart city master plan",
        "타슈켄트 스마트시티 마스터플랜",
        450000000,
    ),
    (
        2021,
        "2021-PL-04",
        "planning",
        "KE",
        "Nairobi",
        "Nairobi smart city planning",
        "나이로비 스마트시티 계획",
        400000000,
    ),
    (
        2021,
        "2021-SP-01",
        "solution_planning",
        "VN",
        "Haiphong",
        "Haiphong smart traffic solution plan",
        "하이퐁 스마트 교통 솔루션 계획",
        300000000,
    ),
    (
        2021,
        "2021-SP-02",
        "solution_planning",
        "BO",
        "Santa Cruz de la Sierra",
        "Santa Cruz smart water solution plan",
        "산타크루즈 스마트 물관리 솔루션 계획",
        250000000,
    ),
    (
        2021,
        "2021-SP-03",
        "solution_planning",
        "AZ",
        "Baku",
        "Baku smart safety solution plan",
        "바쿠 스마트 안전 솔루션 계획",
        250000000,
    ),
    (
        2021,
        "2021-SP-04",
        "solution_planning",
        "BG",
        "Sofia",
        "Sofia smart energy solution plan",
        "소피아 스마트 에너지 솔루션 계획",
        200000000,
    ),
    (
        2021,
        "2021-DM-01",
        "demonstration",
        "US",
        "Baltimore",
        "Baltimore smart mobility demonstration",
        "볼티모어 스마트 모빌리티 실증",
        600000000,
    ),
    (
        2021,
        "2021-DM-02",
        "demonstration",
        "ES",
        "Valencia",
        "Valencia smart port logistics demonstration",
        "발렌시아 스마트 항만 물류 실증",
        500000000,
    ),
    (
        2021,
        "2021-DM-03",
        "demonstration",
        "TR",
        "Gaziantep",
        "Gaziantep smart parking demonstration",
        "가지안테프 스마트 주차 실증",
        400000000,
    ),
]

# The intake of the years before the portal, as the programme reported it.
HISTORICAL_CALLS = [
    # year, slug, title, title in Korean, reported applications, reported applicant countries
    (
        2020,
        "k-city-network-2020",
        "K-City Network 2020 Global Cooperation Programme",
        "2020 K-City 네트워크 글로벌 협력 프로그램",
        80,
        23,
    ),
    (
        2021,
        "k-city-network-2021",
        "K-City Network 2021 Global Cooperation Programme",
        "2021 K-City 네트워크 글로벌 협력 프로그램",
        111,
        39,
    ),
]
# What a call from before the portal says of itself (English, Korean).
HISTORICAL_CALL_DESCRIPTION = (
    "Run before the portal; the intake figures are as reported.",
    "포털 도입 이전에 운영된 공모입니다. 접수 현황은 사업 발표 자료의 수치입니다.",
)

CALL_2022 = {
    "slug": "k-city-network-2022",
    "name": "K-City Network 2022 Global Cooperation Programme",
    "name_ko": "2022 K-City 네트워크 글로벌 협력 프로그램",
    # Asia/Seoul wall-clock times; stored in UTC.
    "opens_at": (2022, 3, 2, 10, 0),
    "closes_at": (2022, 5, 2, 18, 0),
    "decisions_released_at": (2022, 6, 30, 10, 0),
}

# What the yearly call says of itself (the 2022 and 2026 calls), in English and Korean.
CALL_DESCRIPTION = (
    "The yearly international call of the K-City Network: smart-city planning for foreign "
    "governments and overseas demonstration of Korean solutions."
)
CALL_DESCRIPTION_KO = (
    "K-City 네트워크의 연례 국제 공모입니다. 해외 정부의 스마트시티 계획 수립과 한국 스마트 "
    "솔루션의 해외 실증을 지원합니다."
)

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

# The guidance reviewers read next to each criterion on the scoring form (English, Korean).
CRITERIA_GUIDANCE = {
    "feasibility": (
        "Can the plan be carried out with the site's institutions, land, funding and "
        "timetable? Are the objectives realistic?",
        "대상지의 제도, 부지, 재원, 일정으로 계획을 실행할 수 있는가? 목표가 현실적인가?",
    ),
    "site_preparation": (
        "Is the site ready: land secured, local plans and data available, a responsible "
        "department and counterpart staff named?",
        "대상지가 준비되어 있는가? 부지 확보, 지역 계획과 자료 확보, 담당 부서와 협력 인력 "
        "지정 여부를 봅니다.",
    ),
    "importance": (
        "How much does the project matter to the city and the country: policy priority, "
        "people served, problems solved?",
        "도시와 국가에 얼마나 중요한 사업인가? 정책 우선순위, 수혜 인구, 해결하는 문제를 봅니다.",
    ),
    "business_viability": (
        "Does the plan lead to investable projects, with funding sources (public, development "
        "banks, private) identified?",
        "계획이 투자 가능한 후속 사업으로 이어지는가? 재원(공공, 개발은행, 민간)이 확인되었는가?",
    ),
    "korean_cooperation": (
        "Room for Korean companies and technology in the follow-up projects, and the "
        "partner's willingness to work with them.",
        "후속 사업에 한국 기업과 기술이 참여할 여지, 그리고 이들과 협력하려는 파트너의 의지.",
    ),
    "implementation": (
        "Are the site, permits, data and a local operator in place to install and run the "
        "solution within the project period?",
        "사업 기간 안에 솔루션을 설치하고 운영할 수 있도록 대상지, 인허가, 데이터, 현지 운영 "
        "주체가 갖추어져 있는가?",
    ),
    "export_potential": (
        "Is there a market for the Korean solution in the country and the region after the "
        "demonstration?",
        "실증 이후 해당 국가와 지역에 한국 솔루션의 시장이 있는가?",
    ),
    "partner_commitment": (
        "Does the overseas public partner commit staff, data, co-funding or the operation "
        "after the project?",
        "해외 공공 파트너가 인력, 데이터, 공동 재원 또는 사업 종료 후 운영을 약속하는가?",
    ),
}

TRACKS_2022 = {
    "PL": {
        "kind": "planning",
        "name": "Smart City Planning",
        "name_ko": "스마트시티 계획 수립",
        "description": (
            "A basic plan or feasibility study for a smart city, prepared with the applicant "
            "government and carried out by a Korean company selected for the project. The "
            "budget is paid to the Korean contractor, not to the applicant."
        ),
        "description_ko": (
            "신청 정부와 함께 스마트시티 기본계획 또는 타당성 조사를 수립합니다. 사업별로 선정된 "
            "한국 기업이 수행하며, 사업비는 신청자가 아니라 한국 수행기관에 지급됩니다."
        ),
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
        "description": (
            "A Korean smart solution demonstrated at an overseas site by a consortium of Korean "
            "companies with a local public partner, to show that it works there and to open "
            "export markets."
        ),
        "description_ko": (
            "한국 기업 컨소시엄이 현지 공공 파트너와 함께 해외 대상지에서 한국 스마트 솔루션을 "
            "실증하여 현지 적용성을 검증하고 수출 기반을 마련합니다."
        ),
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
# The reviewers' names in Hangul, as they gave them in their profiles (Korean pages show these).
# Daniel Choi gave none: Korean pages show his name as he writes it.
# The Korean companies' names in Korean (Organization.name_ko), as Korean pages show them.
ORGANIZATION_NAMES_KO = {
    "Arirang Water Tech Co., Ltd.": "(주)아리랑워터테크",
    "Arum Smart Planning Co., Ltd.": "(주)아름스마트플래닝",
    "Baekdu Heating Systems Co., Ltd.": "(주)백두난방시스템",
    "Baekdu Urban Engineering Co., Ltd.": "(주)백두도시엔지니어링",
    "Daehan Smart Safety Co., Ltd.": "(주)대한스마트세이프티",
    "Doore Infrastructure Planning Co., Ltd.": "(주)두레인프라플래닝",
    "Gaon Engineering & Architecture Co., Ltd.": "(주)가온엔지니어링건축",
    "Hanbit Smart Grid Co., Ltd.": "(주)한빛스마트그리드",
    "Hangang Data Platforms Inc.": "(주)한강데이터플랫폼",
    "Hanmaeum Planning Group Co., Ltd.": "(주)한마음플래닝그룹",
    "Hanul Urban Planning Co., Ltd.": "(주)한울도시계획",
    "Jeju Green Energy Co., Ltd.": "(주)제주그린에너지",
    "K-Parking Solutions Inc.": "(주)케이파킹솔루션",
    "Mirae Smart City Co., Ltd.": "(주)미래스마트시티",
    "Nuri Urban Design Co., Ltd.": "(주)누리도시디자인",
    "Saebit Smart City Consultants Inc.": "(주)새빛스마트시티컨설턴츠",
    "Seoul Urban Mobility Co., Ltd.": "(주)서울어반모빌리티",
}

REVIEWER_NAMES_KO = {
    "kim.jiwon@review.kcity.example": "김지원",
    "lee.minho@review.kcity.example": "이민호",
    "park.soyeon@review.kcity.example": "박소연",
    "jung.haeun@review.kcity.example": "정하은",
    "kang.seojun@review.kcity.example": "강서준",
    "yoon.mirae@review.kcity.example": "윤미래",
}
# Committees: reviewer index ranges (the first is the chair).
COMMITTEES = {"PL": (0, 1, 2, 3, 4), "DM": (2, 3, 4, 5, 6)}

CALL_2026 = {
    "slug": "k-city-network-2026",
    "name": "K-City Network 2026 Global Cooperation Programme",
    "name_ko": "2026 K-City 네트워크 글로벌 협력 프로그램",
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

CALL_ELIGIBILITY_KO = (
    "스마트시티 계획 수립: 해외 국가·지방·도시 정부, 또는 사전 협의를 거쳐 이들과 협력하는 "
    "국제기구. 한 국가가 여러 제안서를 낼 수 있으나 우선순위를 정해야 하며, 신청자당 도시별로 "
    "1건만 제안할 수 있습니다.\n"
    "스마트 솔루션 해외 실증: 해외 공공 파트너(정부, 공공기관 또는 대학)를 포함한 컨소시엄을 "
    "구성한 한국 기업."
)

# Titles of the events in Korean, by their English title.
EVENT_TITLES_KO = {
    "K-City Network 2022 kick-off workshop": "K-City 네트워크 2022 착수 워크숍",
    "K-City Network road show in Latin America": "K-City 네트워크 중남미 로드쇼",
    "Smart city cooperation conference with the World Bank": "세계은행과 함께하는 스마트시티 협력 콘퍼런스",
}

# Documents an application to the open 2026 call must carry before it can be submitted.
REQUIRED_DOCUMENTS_2026 = {
    "PL": ["letter_of_intent", "concept_paper", "site_map"],
    "DM": ["letter_of_intent", "concept_paper", "consortium_agreement"],
}

# What the 2022 call asked for: a call opens only with a required document on each track
# (projects.services.call_problems). Its applications predate the portal's document checks
# and carry none.
REQUIRED_DOCUMENTS_2022 = {
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

# A notice the KIND secretariat sent to the applicants of the 2026 planning track and published
# on the call's page (sent once: its key is fixed, so a second seeding sends nothing).
# A clarification round on one walkthrough proposal (by city): KIND staff asked, the applicant
# changed the reopened section and answered, so the proposal waits for screening again with
# what the answer changed (``seed_clarification``).
CLARIFICATION_2026 = {
    "city": "Kisumu",
    "sections": ["project"],
    "message": (
        "Please name the outputs the plan will deliver for the lakefront,\n"
        "and say who will own and run the data platform after the project."
    ),
    "outputs": (
        "A lakefront mobility and flood-warning plan, a feasibility study for the data "
        "platform, and a training programme for the County's planners."
    ),
    "objectives_added": (
        " After the project the County's ICT directorate will own and run the data platform."
    ),
    "response": (
        "We have named the three outputs for the lakefront and added who will own and run the "
        "data platform after the project."
    ),
}

NOTICE_2026 = {
    "track": "PL",
    "key": "6f1c2a4e-9b7d-5e3f-8a1b-2c3d4e5f6a7b",
    "audience": "all",
    "public": True,
    "subject": "Online information session on the 2026 call",
    "subject_ko": "2026년 공모 온라인 설명회",
    "body": (
        "The secretariat holds an online information session for applicants to the Smart City "
        "Planning track two weeks before the call closes, at 16:00 Korea time. It covers the "
        "form's questions, the documents and the review criteria, with time for questions. "
        "The link will be sent to your organisation's members the day before."
    ),
    "body_ko": (
        "사무국은 공모 마감 2주 전 한국 시각 16시에 스마트시티 계획 수립 트랙 신청자를 위한 "
        "온라인 설명회를 엽니다. 신청서 질문, 제출 문서, 평가 기준을 설명하고 질의응답 시간을 "
        "갖습니다. 접속 링크는 하루 전에 기관 구성원에게 보내 드립니다."
    ),
}

# The questions of the open 2026 call's application form, designed by staff (the 2022
# applications predate them and keep the form's fixed fields only). "track": None asks the
# question on every track of the call; otherwise the track's code.
_CHALLENGES = [
    ("traffic", "Traffic congestion", "교통 혼잡"),
    ("flood", "Flooding and climate risks", "홍수와 기후 위험"),
    ("waste", "Waste management", "폐기물 관리"),
    ("energy", "Energy supply", "에너지 공급"),
    ("housing", "Housing", "주거"),
    ("safety", "Public safety", "공공 안전"),
]
QUESTIONS_2026 = [
    {
        "track": None,
        "code": "population",
        "type": "number",
        "required": True,
        "section": "The city",
        "section_ko": "도시 현황",
        "section_order": 1,
        "order": 10,
        "label": "Population of the city",
        "label_ko": "도시 인구",
        "help_text": "From the latest census or official estimate.",
        "help_text_ko": "최근 인구조사 또는 공식 추정치 기준.",
        "constraints": {"min": 1, "decimals": 0, "unit": "inhabitants", "unit_ko": "명"},
    },
    {
        "track": None,
        "code": "challenges",
        "type": "multiple_choice",
        "required": True,
        "section": "The city",
        "section_ko": "도시 현황",
        "section_order": 1,
        "order": 20,
        "label": "Main urban challenges",
        "label_ko": "주요 도시 문제",
        "options": [
            {"value": value, "label": label, "label_ko": label_ko}
            for value, label, label_ko in _CHALLENGES
        ],
        "constraints": {"max_choices": 3},
    },
    {
        "track": None,
        "code": "has_strategy",
        "type": "yes_no",
        "required": True,
        "section": "The city",
        "section_ko": "도시 현황",
        "section_order": 1,
        "order": 30,
        "label": "Has the city a smart-city strategy?",
        "label_ko": "도시에 스마트시티 전략이 있습니까?",
    },
    {
        "track": None,
        "code": "strategy_details",
        "type": "long_text",
        "required": True,
        "section": "The city",
        "section_ko": "도시 현황",
        "section_order": 1,
        "order": 40,
        "label": "Describe the strategy: its name, year and main measures",
        "label_ko": "전략의 명칭, 수립 연도, 주요 내용을 설명하십시오",
        "constraints": {"max_words": 300},
        "condition": {"question": "has_strategy", "equals": True},
    },
    {
        "track": "DM",
        "code": "budget_breakdown",
        "type": "table",
        "required": False,
        "section": "The demonstration",
        "section_ko": "실증 사업",
        "section_order": 2,
        "order": 10,
        "label": "Budget breakdown of the demonstration",
        "label_ko": "실증 사업 예산 내역",
        "constraints": {
            "max_rows": 8,
            "columns": [
                {"code": "item", "type": "short_text", "label": "Item", "label_ko": "항목"},
                {
                    "code": "amount",
                    "type": "amount_krw",
                    "label": "Amount (KRW)",
                    "label_ko": "금액(원)",
                },
            ],
        },
    },
]
# The walkthrough applicants' answers, by city: population, challenges, strategy (or "").
WALKTHROUGH_ANSWERS_2026 = {
    "Davao": (1_776_949, ["traffic", "flood"], "Smart Davao 2030 (2021): command centre, CCTV."),
    "Samarkand": (573_000, ["traffic", "waste"], ""),
    "Kisumu": (610_082, ["waste", "flood", "housing"], ""),
    "Arequipa": (1_080_635, ["traffic", "safety"], "Arequipa Ciudad Inteligente (2022)."),
    "Phnom Penh": (2_281_951, ["traffic", "flood", "waste"], "Phnom Penh Smart City (2020)."),
    "Chiang Mai": (127_240, ["flood", "energy"], "Chiang Mai Smart City (2019): air quality."),
    "Surabaya": (2_874_314, ["flood", "safety"], "Surabaya Smart City (2018): e-government."),
}

# --- After the award: the 2022 projects' agreements and payments ----------------------------
#
# Every 2022 project has its grant agreement with the partner (signed on 20 July 2022) and a
# planning project its service contract with its Korean contractor (signed on 29 July 2022),
# each running 1 August 2022 – 30 June 2023; the agreement that pays (the service contract, or
# a demonstration's grant agreement) budgets the whole award in these shares and pays it on the
# default schedule (30 % on signature, 40 % after the interim report or the demonstration
# results, 30 % after the final report). Where each project stands, by site; a site not named
# here handed in every deliverable, was paid in full and completed on 30 June 2023.
FUNDING_2022_STAGES = {
    # Two tranches paid; the final one waits for the final report, due soon after the
    # contract's extension (an approved amendment). The interim report went back once.
    "Klang": "final_report_due",
    # Final report accepted; the last payment is checked and waits for a programme admin.
    "Zangilan": "final_payment_checked",
    # Final report accepted; the last payment request went back to the partner for changes.
    "Madiun": "final_payment_returned",
}
FUNDING_2022_FINAL_RETURNED = (
    "The equipment invoices of the demonstration site are missing: attach them and send the "
    "request again."
)
FUNDING_2022_INTERIM_RETURNED = (
    "The interim report lacks the traffic survey of the Klang town centre (chapter 3): add it "
    "and send the report again."
)
FUNDING_2022_EXTENSION_REASON = (
    "Klang Municipal Council moved the public consultation on the master plan; the final "
    "report follows it."
)
# The whole award by budget line, in whole percent (adding up to 100), by project kind.
BUDGET_SHARES_2022 = {
    "planning": (
        ("personnel", 50),
        ("subcontracting", 25),
        ("travel", 10),
        ("workshops", 10),
        ("other", 5),
    ),
    "demonstration": (
        ("equipment", 45),
        ("personnel", 25),
        ("subcontracting", 15),
        ("workshops", 10),
        ("travel", 5),
    ),
}
