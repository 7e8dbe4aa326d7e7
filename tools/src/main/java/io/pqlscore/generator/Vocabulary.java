package io.pqlscore.generator;

/**
 * The generator's fixed vocabulary: plans, roles, industries, time zones, features, pages, the
 * activation funnel and its odds, usage limits per plan, and the names people and companies get.
 * Only data; the random choices among them are made by {@link Population}, {@link Schedule},
 * {@link SessionPlayer} and {@link RecordWriter}.
 */
final class Vocabulary {
    /** One simulated day, and an hour, in ms (the schedule runs day by day, UTC). */
    static final long DAY = Json.DAY_MS;
    static final long HOUR = 3_600_000L;

    static final String[] PLANS = {"free", "trial", "pro"};
    static final int FREE = 0;
    static final int TRIAL = 1;
    static final int PRO = 2;
    static final String[] ROLES = {"vp", "director", "head", "founder", "manager", "engineer", "analyst", "student"};
    /** Role weights of an account's first user (the one who signed up) and of teammates. */
    static final int[] FIRST_ROLE_WEIGHTS = {8, 14, 14, 24, 16, 12, 10, 2};
    static final int[] TEAM_ROLE_WEIGHTS = {2, 5, 5, 1, 15, 34, 33, 5};
    static final String[] INDUSTRIES = {"software", "fintech", "ecommerce", "healthcare", "education", "media",
        "manufacturing", "retail", "consulting", "logistics", "nonprofit", "government"};
    static final int[] INDUSTRY_WEIGHTS = {22, 10, 12, 9, 8, 7, 8, 7, 7, 5, 3, 2};
    static final int EDUCATION = 4;
    /** UTC offsets (minutes) of the accounts' home time zones, with weights. */
    static final int[] TZ_OFFSETS = {-480, -360, -300, -180, 0, 60, 120, 330, 480, 540, 600};
    static final int[] TZ_WEIGHTS = {15, 8, 20, 3, 12, 15, 6, 8, 5, 5, 3};
    /** Twelve features, most popular first. */
    static final String[] FEATURES = {"sql_editor", "chart_builder", "dashboard_filters", "alerts",
        "scheduled_reports", "drilldown", "data_blending", "annotations", "embedding", "api_access",
        "row_level_security", "forecasting"};
    static final String[][] PAGES = {{"Home", "/"}, {"Dashboards", "/dashboards"}, {"Reports", "/reports"},
        {"Explore", "/explore"}, {"Data Sources", "/sources"}, {"Settings", "/settings"},
        {"Team", "/settings/team"}, {"Integrations", "/integrations"}, {"Docs", "/docs"}};
    static final int[] PAGE_WEIGHTS = {20, 30, 15, 14, 5, 4, 3, 4, 5};
    static final String[] SCREENS = {"Home", "Dashboards", "Dashboard Detail", "Alerts", "Settings"};
    static final String[] SOURCES = {"postgres", "snowflake", "bigquery", "mysql", "redshift", "csv_upload"};
    static final String[] INTEGRATIONS = {"slack", "salesforce", "hubspot", "segment", "zapier", "jira"};
    static final String[] TEMPLATES = {"blank", "revenue", "funnel", "retention", "marketing", "ops"};
    static final String[] CHANNELS = {"email", "slack", "link", "pdf"};
    static final String[] USE_CASES = {"product_analytics", "finance_reporting", "marketing", "operations", "sales"};
    static final String[] FUNNEL = {"Onboarding Completed", "Data Source Connected", "Dashboard Created",
        "Report Shared", "Integration Connected"};
    /** P(reach stage k+1 | reached stage k), for the first user and for teammates. */
    static final double[] FUNNEL_FIRST = {0.85, 0.6, 0.8, 0.55, 0.45};
    static final double[] FUNNEL_TEAM = {0.75, 0.25, 0.8, 0.55, 0.4};
    static final String[] METRICS = {"rows", "seats", "api_calls"};
    static final long[] ROWS_LIMIT = {1_000_000L, 5_000_000L, 100_000_000L};
    static final long[] SEATS_LIMIT = {3, 10, 0};
    static final long[] API_LIMIT = {10_000L, 100_000L, 1_000_000L};

    static final String[][] FIRST_NAMES = {{"Maria", "maria"}, {"Jon", "jon"}, {"Li", "li"}, {"Sam", "sam"},
        {"Priya", "priya"}, {"Tom", "tom"}, {"Ana", "ana"}, {"Bob", "bob"}, {"Kim", "kim"}, {"Ahmed", "ahmed"},
        {"Fatima", "fatima"}, {"Lucas", "lucas"}, {"Emma", "emma"}, {"Noah", "noah"}, {"Olivia", "olivia"},
        {"Liam", "liam"}, {"Sofia", "sofia"}, {"Mateo", "mateo"}, {"Chloé", "chloe"}, {"José", "jose"},
        {"Zoë", "zoe"}, {"Łukasz", "lukasz"}, {"Søren", "soren"}, {"Björn", "bjorn"}, {"Aiko", "aiko"},
        {"Kenji", "kenji"}, {"Wei", "wei"}, {"Mei", "mei"}, {"Ravi", "ravi"}, {"Ananya", "ananya"},
        {"Yuki", "yuki"}, {"Omar", "omar"}, {"Leila", "leila"}, {"Ivan", "ivan"}, {"Olga", "olga"},
        {"Diego", "diego"}, {"Camila", "camila"}, {"Grace", "grace"}, {"Daniel", "daniel"}, {"Nia", "nia"}};
    static final String[][] LAST_NAMES = {{"Lopez", "lopez"}, {"Park", "park"}, {"Wang", "wang"},
        {"Osei", "osei"}, {"Nair", "nair"}, {"Reed", "reed"}, {"Costa", "costa"}, {"Porter", "porter"},
        {"Tanaka", "tanaka"}, {"Müller", "mueller"}, {"García", "garcia"}, {"O'Brien", "obrien"},
        {"Nguyen", "nguyen"}, {"Smith", "smith"}, {"Johnson", "johnson"}, {"Kowalski", "kowalski"},
        {"Hansen", "hansen"}, {"Rossi", "rossi"}, {"Dubois", "dubois"}, {"Silva", "silva"}, {"Kim", "kim"},
        {"Singh", "singh"}, {"Patel", "patel"}, {"Cohen", "cohen"}, {"Novak", "novak"}, {"Jensen", "jensen"},
        {"Schmidt", "schmidt"}, {"Ivanova", "ivanova"}, {"Haddad", "haddad"}, {"Mensah", "mensah"}};
    static final String[] COMPANY_A = {"Acme", "Blue", "Bright", "Cedar", "Delta", "Echo", "Fable", "Granite",
        "Harbor", "Iron", "Juniper", "Kestrel", "Lumen", "Maple", "Nimbus", "Orbit", "Pioneer", "Quartz", "River",
        "Summit", "Terra", "Umbra", "Vertex", "Willow", "Zenith", "Nordic", "Polar", "Silver", "Atlas", "Copper"};
    static final String[] COMPANY_B = {"Analytics", "Labs", "Systems", "Retail", "Health", "Capital", "Logistics",
        "Media", "Works", "Software", "Foods", "Energy", "Studios", "Networks", "Bank", "Learning", "Cloud",
        "Robotics", "Partners", "Goods"};
    static final String[] COMPANY_SUFFIX = {"", "", "", " Inc", " GmbH", " Ltd", " & Co", " S.A.", " AB"};
    /** A few real-world awkward names, so consumers see escaped and non-ASCII text. */
    static final String[] ODD_COMPANIES = {"Müller & Söhne", "Nordic \"Fjord\" AS", "Café São Paulo", "Zürich Data\\Ops"};
    static final String[] ODD_DOMAINS = {"mueller-soehne.de", "nordicfjord.no", "cafesaopaulo.com.br", "zurichdataops.ch"};
    static final String[] TLDS = {".com", ".io", ".co", ".de", ".ai"};

    private Vocabulary() {}
}
