"""Deterministic demo retail database, generated with set-based DuckDB SQL.

Every random draw is `hash(seed, stream, key...)`, so the contents depend only on
(seed, customers, as_of) and never on thread scheduling. Latent per-customer traits
(activity level, churn date, lifestyle) drive the behavioural tables so that segments
such as "lapsed outdoor adventurers" or "top spenders" really exist in the data.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import duckdb

from assistant import datagen_data as ref

ProgressFn = Callable[[str, float], None]

TABLES = (
    "dataset_info",
    "customers",
    "products",
    "transactions",
    "transaction_items",
    "campaigns",
    "campaign_events",
    "web_sessions",
    "support_tickets",
)

HISTORY_YEARS = 3
TARGET_TX_PER_CUSTOMER = 12.0
TARGET_SESSIONS_PER_CUSTOMER = 15.0
TARGET_TICKETS_PER_CUSTOMER = 1.0
NEVER_PURCHASED_SHARE = 0.09
CHURNED_SHARE = 0.30
BUSINESS_SHARE = 0.08
SLOTS = 100  # resolution of weighted picks from lookup lists
DAY_BUCKETS = 1 << 14  # resolution of the seasonal day sampler
POOL_SIZE = 1 << 15  # basket pool entries per lifestyle
CAMPAIGN_REACH = 0.9  # share of eligible customers a campaign reaches (tuned for ~40 events)
POOL_WINDOW = 12  # longest basket; pool windows this long hold distinct products


@dataclass(frozen=True)
class BuildStats:
    """What a build produced, for the CLI to report."""

    path: Path
    customers: int
    seed: int
    as_of: date
    seconds: float
    row_counts: dict[str, int] = field(default_factory=dict)
    bytes: int = 0


@dataclass(frozen=True)
class _Spec:
    customers: int
    seed: int
    as_of: date

    @property
    def start(self) -> date:
        """First day with activity: exactly three years of days ending at as_of."""
        try:
            back = self.as_of.replace(year=self.as_of.year - HISTORY_YEARS)
        except ValueError:  # 29 February
            back = self.as_of.replace(year=self.as_of.year - HISTORY_YEARS, day=28)
        return back + timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.as_of - self.start).days + 1


def build_demo_database(
    path: Path | str,
    customers: int = 50_000,
    seed: int = 42,
    as_of: date = date(2026, 9, 30),
    progress: ProgressFn | None = None,
) -> BuildStats:
    """Write a fresh demo database to `path` (built beside it, swapped in atomically)."""
    if customers < 1:
        raise ValueError("customers must be positive")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    _remove_db_files(tmp)
    spec = _Spec(customers=customers, seed=seed, as_of=as_of)
    began = time.perf_counter()
    con = duckdb.connect(str(tmp))
    try:
        _run_steps(con, spec, progress)
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
        con.execute("CHECKPOINT")
    except BaseException:
        con.close()
        _remove_db_files(tmp)
        raise
    con.close()
    os.replace(tmp, target)
    _remove_db_files(tmp)
    return BuildStats(
        path=target,
        customers=customers,
        seed=seed,
        as_of=as_of,
        seconds=time.perf_counter() - began,
        row_counts=counts,
        bytes=target.stat().st_size,
    )


def _remove_db_files(db: Path) -> None:
    for leftover in (db, db.with_name(db.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _run_steps(con: duckdb.DuckDBPyConnection, spec: _Spec, progress: ProgressFn | None) -> None:
    steps: list[tuple[str, Callable[[duckdb.DuckDBPyConnection, _Spec], None]]] = [
        ("helpers", _create_helpers),
        ("dataset_info", _build_dataset_info),
        ("products", _build_products),
        ("customers", _build_customers),
        ("transactions", _build_transactions),
        ("transaction_items", _build_transaction_items),
        ("campaigns", _build_campaigns),
        ("campaign_events", _build_campaign_events),
        ("web_sessions", _build_web_sessions),
        ("support_tickets", _build_support_tickets),
    ]
    for done, (name, step) in enumerate(steps, start=1):
        step(con, spec)
        if progress is not None:
            progress(name, done / len(steps))


# --------------------------------------------------------------------------- helpers


def _sql_value(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _sql_list(values: Iterable[object]) -> str:
    return "[" + ", ".join(_sql_value(v) for v in values) + "]"


def _slots(weights: Sequence[float], size: int = SLOTS) -> list[int]:
    """Expand weights into `size` 1-based indexes so a uniform slot is a weighted pick."""
    total = float(sum(weights))
    out: list[int] = []
    cumulative = 0.0
    for index, weight in enumerate(weights, start=1):
        cumulative += weight
        out.extend([index] * (round(cumulative / total * size) - len(out)))
    return out


def _choice(draw: str, options: Sequence[tuple[object, float]]) -> str:
    """CASE expression picking an option by weight from a uniform draw column."""
    total = float(sum(w for _, w in options))
    arms, cumulative = [], 0.0
    for value, weight in options[:-1]:
        cumulative += weight / total
        arms.append(f"WHEN {draw} < {cumulative:.6f} THEN {_sql_value(value)}")
    return f"CASE {' '.join(arms)} ELSE {_sql_value(options[-1][0])} END"


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple]) -> None:
    """One multi-row INSERT for small reference tables (executemany is slow per row)."""
    values = ", ".join("(" + ", ".join(_sql_value(v) for v in row) + ")" for row in rows)
    con.execute(f"INSERT INTO {table} VALUES {values}")


def _lookup(con: duckdb.DuckDBPyConnection, name: str, list_sql: str) -> None:
    """Store a lookup list as a column of the one-row temp table `lk`.

    Queries cross join `lk`: indexing a list column is several times faster than
    indexing a list literal, which DuckDB re-materialises per vector.
    """
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'lk'"
    ).fetchone()[0]
    if not exists:
        con.execute(f"CREATE TEMP TABLE lk AS SELECT {list_sql} AS {name}")
        return
    list_type = con.execute(f"SELECT typeof({list_sql})").fetchone()[0]
    con.execute(f"ALTER TABLE lk ADD COLUMN {name} {list_type}")
    con.execute(f"UPDATE lk SET {name} = {list_sql}")


def _macro(con: duckdb.DuckDBPyConnection, name: str, body: str, args: str = "") -> None:
    con.execute(f"CREATE OR REPLACE TEMP MACRO {name}({args}) AS {body}")


def _day_weights(spec: _Spec) -> list[float]:
    """Relative purchase intensity of each day: holiday season and weekends are busier."""
    weights = []
    for offset in range(spec.days):
        day = spec.start + timedelta(days=offset)
        weekend = 1.15 if day.weekday() >= 5 else 1.0
        weights.append(ref.MONTH_WEIGHTS[day.month - 1] * weekend)
    return weights


def _day_sampler(spec: _Spec) -> tuple[list[float], list[int]]:
    """Cumulative day weights and a bucketed inverse CDF, for seasonal day draws in SQL."""
    weights = _day_weights(spec)
    total = sum(weights)
    cumulative, running = [0.0], 0.0
    for weight in weights:
        running += weight
        cumulative.append(running / total)
    inverse, day = [], 0
    for bucket in range(DAY_BUCKETS):
        target = (bucket + 0.5) / DAY_BUCKETS
        while cumulative[day + 1] <= target and day < spec.days - 1:
            day += 1
        inverse.append(day)
    return [round(c, 9) for c in cumulative], inverse


def _create_helpers(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    """Macros for draws, dates and the lookup lists every table step shares."""
    seed = int(spec.seed)
    # DuckDB's multi-argument hash mixes its arguments weakly (streams came out correlated),
    # so chain single-value hashes instead; the top 53 bits give a uniform double in [0, 1).
    stream = f"hash({seed} * 1000003 + s)"
    step1 = f"hash(xor({stream}, a::UBIGINT))"
    step2 = f"hash(xor({step1}, b::UBIGINT))"
    scale = "9007199254740992.0"
    _macro(con, "u", f"(({step1} >> 11)::DOUBLE / {scale})", "s, a")
    _macro(con, "u2", f"(({step2} >> 11)::DOUBLE / {scale})", "s, a, b")
    _macro(con, "nrm", "sqrt(-2 * ln(1 - u(s, a))) * cos(2 * pi() * u(s + 1000, a))", "s, a")
    _macro(con, "p_as_of", f"DATE '{spec.as_of.isoformat()}'")
    _macro(con, "p_start", f"DATE '{spec.start.isoformat()}'")
    _macro(con, "p_days", str(spec.days))
    cumulative, inverse = _day_sampler(spec)
    _lookup(con, "day_cum", _sql_list(cumulative))
    _lookup(con, "day_inv", _sql_list(inverse))
    _lookup(con, "hour_pick", _sql_list(i - 1 for i in _slots(ref.HOUR_WEIGHTS)))
    mix = [i for style in ref.LIFESTYLES for i in _slots(ref.CATEGORY_MIX[style])]
    _lookup(con, "cat_pick", _sql_list(mix))
    _lookup(con, "cat_names", _sql_list(ref.CATEGORIES))
    _lookup(con, "lifestyles", _sql_list(ref.LIFESTYLES))
    shares = [w / sum(ref.CATEGORY_MIX[s]) for s in ref.LIFESTYLES for w in ref.CATEGORY_MIX[s]]
    _lookup(con, "cat_mix_share", _sql_list(round(x, 4) for x in shares))
    _lookup(con, "female_names", _sql_list(ref.FEMALE_NAMES))
    _lookup(con, "male_names", _sql_list(ref.MALE_NAMES))
    _lookup(con, "neutral_names", _sql_list(ref.NEUTRAL_NAMES))
    _lookup(con, "last_names", _sql_list(ref.LAST_NAMES))


# SQL snippets over the `lk` lookup row (DuckDB binds macros eagerly, so these are Python).


def _pick_day(lo: str, hi: str, r: str) -> str:
    """A seasonal day offset in [lo, hi] (days after p_start()) from a uniform draw."""
    bucket = (
        f"least({DAY_BUCKETS - 1}, floor((lk.day_cum[{lo} + 1] + {r} * "
        f"(lk.day_cum[{hi} + 2] - lk.day_cum[{lo} + 1])) * {DAY_BUCKETS})::INT)"
    )
    return f"greatest({lo}, least({hi}, lk.day_inv[1 + {bucket}]))"


def _pick_hour(r: str) -> str:
    """Hour of day (0..23) following the evening-heavy shopping profile."""
    return f"lk.hour_pick[1 + floor({r} * {SLOTS})::INT]"


def _pick_cat(lifestyle_idx: str, r: str) -> str:
    """1-based category index drawn from the lifestyle's category mix."""
    return f"lk.cat_pick[{lifestyle_idx} * {SLOTS} + 1 + floor({r} * {SLOTS})::INT]"


# --------------------------------------------------------------------------- dataset_info


def _build_dataset_info(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    con.execute(
        "CREATE TABLE dataset_info (as_of DATE, seed INTEGER, customers INTEGER);"
        f"INSERT INTO dataset_info VALUES (p_as_of(), {int(spec.seed)}, {int(spec.customers)})"
    )


# --------------------------------------------------------------------------- products


@dataclass(frozen=True)
class _Product:
    product_id: int
    name: str
    category: str
    subcategory: str
    brand: str
    price: float
    eco: bool


def _catalog(seed: int) -> list[_Product]:
    """~500 products, grouped by category so a category is a contiguous id range."""
    rng = random.Random(seed)
    products: list[_Product] = []
    for category, (price_range, subcategories, brands) in ref.CATALOG.items():
        low, high = price_range
        for subcategory, nouns in subcategories.items():
            for noun in nouns:
                for adjective in rng.sample(ref.PRODUCT_ADJECTIVES, 3):
                    brand = rng.choice(brands)
                    # Log-uniform prices: many affordable items, a few premium ones.
                    price = low * (high / low) ** (rng.random() ** 2.2)
                    products.append(
                        _Product(
                            product_id=0,
                            name=f"{brand} {adjective} {noun}",
                            category=category,
                            subcategory=subcategory,
                            brand=brand,
                            price=round(price) - 0.01 if price > 20 else round(price, 2),
                            eco=rng.random() < 0.2,
                        )
                    )
    # Ids: categories are contiguous ranges, eco products first within each.
    order = {category: i for i, category in enumerate(ref.CATEGORIES)}
    products.sort(key=lambda p: (order[p.category], not p.eco))
    return [
        _Product(i, p.name, p.category, p.subcategory, p.brand, p.price, p.eco)
        for i, p in enumerate(products, start=1)
    ]


def _build_products(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    products = _catalog(spec.seed)
    con.execute(
        "CREATE TABLE products (product_id INTEGER, product_name VARCHAR, category VARCHAR,"
        " subcategory VARCHAR, brand VARCHAR, list_price DECIMAL(10,2), is_eco_friendly BOOLEAN)"
    )
    _insert_rows(
        con,
        "products",
        [
            (p.product_id, p.name, p.category, p.subcategory, p.brand, p.price, p.eco)
            for p in products
        ],
    )
    _create_item_pools(con, products, spec.seed)


def _product_weights(products: list[_Product], lifestyle: str) -> list[float]:
    """Chance that one basket line of a lifestyle is each product (eco shoppers favour eco)."""
    mix = ref.CATEGORY_MIX[lifestyle]
    total_mix = sum(mix)
    eco_share = 0.65 if lifestyle == "eco_conscious" else 0.0
    weights = []
    for category, share in zip(ref.CATEGORIES, mix, strict=True):
        members = [p for p in products if p.category == category]
        eco = [p for p in members if p.eco] or members[:1]
        n = len(members)
        for position, product in enumerate(members):
            rank = n - 1 - position  # popular products sit at the end of the range
            popular = ((rank + 1) / n) ** (1 / 1.6) - (rank / n) ** (1 / 1.6)
            eco_pick = eco_share / len(eco) if product in eco else 0.0
            weights.append(share / total_mix * ((1 - eco_share) * popular + eco_pick))
    return weights


def _item_pool(products: list[_Product], lifestyle: str, rng: random.Random) -> list[int]:
    """Offer ids (2*product-1 full price, 2*product markdown) for one lifestyle.

    Any POOL_WINDOW consecutive entries name distinct products, so a basket read as a
    window of the pool never repeats a product.
    """
    weights = _product_weights(products, lifestyle)
    ids = [p.product_id for p in products]
    pool: list[int] = []
    recent: list[int] = []
    draws = iter(rng.choices(ids, weights, k=POOL_SIZE * 2))
    while len(pool) < POOL_SIZE:
        product = next(draws, None) or rng.choice(ids)
        if product in recent:
            continue
        recent = (recent + [product])[-(POOL_WINDOW - 1) :]
        pool.append(2 * product - 1 + (rng.random() < 0.12))
    return pool


def _create_item_pools(con: duckdb.DuckDBPyConnection, products: list[_Product], seed: int) -> None:
    """Per-lifestyle basket pools: baskets are windows of these, read with list_select.

    Vectorised list functions over pools are far faster than per-item lambdas.
    """
    rng = random.Random(seed * 7919 + 1)
    pool = [o for style in ref.LIFESTYLES for o in _item_pool(products, style, rng)]
    consumer = [1 + (r < 0.18) + (r < 0.05) for r in (rng.random() for _ in range(POOL_SIZE))]
    business = [1 + int(rng.random() * 5) for _ in range(POOL_SIZE)]
    offers_product = [p.product_id for p in products for _ in (0, 1)]
    offers_price = [v for p in products for v in (p.price, round(p.price * 0.8, 2))]
    con.execute(
        "CREATE TEMP TABLE pools AS SELECT ?::INTEGER[] AS item_pool, ?::INTEGER[] AS qty_pool,"
        " ?::INTEGER[] AS offer_product, ?::DECIMAL(10,2)[] AS offer_price",
        [pool, consumer + business, offers_product, offers_price],
    )


# --------------------------------------------------------------------------- customers


def _geo_rows() -> list[tuple[str, str, str, float]]:
    rows = []
    for country, (country_weight, regions) in ref.GEOGRAPHY.items():
        region_total = sum(w for w, _ in regions.values())
        for region, (region_weight, cities) in regions.items():
            # The first city listed is the big one.
            city_weights = [2.0] + [1.0] * (len(cities) - 1)
            for city, city_weight in zip(cities, city_weights, strict=True):
                share = city_weight / sum(city_weights)
                rows.append(
                    (country, region, city, country_weight * region_weight / region_total * share)
                )
    return rows


def _create_geo(con: duckdb.DuckDBPyConnection) -> None:
    rows = _geo_rows()
    con.execute(
        "CREATE TEMP TABLE geo (geo_idx INTEGER, country VARCHAR, region VARCHAR, city VARCHAR)"
    )
    _insert_rows(con, "geo", [(i, c, r, city) for i, (c, r, city, _) in enumerate(rows, start=1)])
    _lookup(con, "geo_pick", _sql_list(_slots([w for *_, w in rows], 1000)))


def _customer_draws_sql() -> str:
    """Stage 1: independent uniform draws per customer, plus age and lifestyle."""
    draws = ",\n".join(f"u({s}, i) AS r{s}" for s in range(1, 31))
    lifestyle = _choice(
        "r10", list(zip(range(len(ref.LIFESTYLES)), ref.LIFESTYLE_WEIGHTS, strict=True))
    )
    return f"""
    SELECT i AS customer_id, {draws},
        -- Skewed so the median customer is around 40 while spanning 18..85.
        18 + floor(67.999 * (0.45 * u(31, i) + 0.55 * pow(u(32, i), 1.8)))::INT AS age,
        {lifestyle} AS lifestyle_idx,
        exp(0.85 * nrm(40, i)) AS activity,
        nrm(42, i) AS engagement_noise
    FROM range(1, {{n}} + 1) r(i)
    """


def _customer_traits_sql() -> str:
    """Stage 2: observable attributes, mostly weighted picks coupled to age and persona."""
    gender = _choice("r1", [(None, 3), ("female", 50), ("male", 45), ("non-binary", 2)])
    education = _choice(
        "r5", [("high_school", 35), ("bachelor", 38), ("master", 20), ("doctorate", 7)]
    )
    occupation = _choice(
        "r6",
        [
            ("professional", 36),
            ("manager", 15),
            ("self_employed", 12),
            ("homemaker", 8),
            ("other", 17),
            ("student", 6),
            ("retired", 6),
        ],
    )
    reward = _choice(
        "r13", [("cash_back", 35), ("points", 30), ("discounts", 25), ("experiential", 10)]
    )
    acquisition = _choice(
        "r14",
        [
            ("organic_search", 26),
            ("paid_search", 20),
            ("social", 18),
            ("referral", 11),
            ("in_store", 15),
            ("email", 10),
        ],
    )
    device = _choice("r15", [("ios", 38), ("android", 34), ("desktop", 28)])
    industry = _choice(
        "r12",
        [
            ("retail", 22),
            ("healthcare", 15),
            ("finance", 14),
            ("technology", 22),
            ("education", 12),
            ("hospitality", 15),
        ],
    )
    size = _choice(
        "r17", [("1-10", 40), ("11-50", 28), ("51-200", 17), ("201-1000", 10), ("1000+", 5)]
    )
    first_f, first_m, first_n = ref.FEMALE_NAMES, ref.MALE_NAMES, ref.NEUTRAL_NAMES
    return f"""
    SELECT d.*,
        {gender} AS gender,
        CASE gender WHEN 'female' THEN lk.female_names[1 + floor(r2 * {len(first_f)})::INT]
                    WHEN 'male' THEN lk.male_names[1 + floor(r2 * {len(first_m)})::INT]
                    ELSE lk.neutral_names[1 + floor(r2 * {len(first_n)})::INT] END AS first_name,
        lk.last_names[1 + floor(r3 * {len(ref.LAST_NAMES)})::INT] AS last_name,
        (p_as_of() - to_years(age))::DATE - floor(r4 * 364)::INT AS birth_date,
        -- Signups accelerate over time; sqrt puts ~5% in the last 30 days.
        (p_start() + floor(p_days() * CASE WHEN r29 < 0.25 THEN r7 ELSE sqrt(r7) END)::INT)::DATE
            AS signup_date,
        lk.geo_pick[1 + floor(r8 * 1000)::INT] AS geo_idx,
        {education} AS education,
        CASE WHEN age < 24 AND r18 < 0.6 THEN 'student'
             WHEN age >= 65 AND r18 < 0.75 THEN 'retired'
             ELSE {occupation} END AS occupation,
        CASE WHEN r11 < {BUSINESS_SHARE} THEN 'business' ELSE 'consumer' END AS customer_type,
        {industry} AS industry_pick, {size} AS size_pick,
        lk.lifestyles[lifestyle_idx + 1] AS lifestyle,
        CASE WHEN lifestyle_idx = 3 AND r19 < 0.5 THEN 'discounts'
             WHEN lifestyle_idx = 0 AND r19 < 0.35 THEN 'experiential'
             ELSE {reward} END AS reward_preference,
        {acquisition} AS acquisition_channel,
        CASE WHEN age >= 60 AND r20 < 0.4 THEN 'desktop' ELSE {device} END AS primary_device,
        CASE WHEN r21 < {NEVER_PURCHASED_SHARE} THEN TRUE ELSE FALSE END AS never_buys,
        r22 < {CHURNED_SHARE} AS churned
    FROM draws d, lk
    """


_CUSTOMER_PLAN_SQL = """
    SELECT t.*, g.country, g.region, g.city,
        CASE WHEN customer_type = 'business' THEN industry_pick END AS company_industry,
        CASE WHEN customer_type = 'business' THEN size_pick END AS company_size,
        CASE WHEN occupation = 'student' THEN
                 CASE WHEN r9 < 0.6 THEN '<25k' WHEN r9 < 0.9 THEN '25-50k' ELSE '50-100k' END
             ELSE CASE
                 WHEN r9 + CASE WHEN occupation = 'manager' THEN 0.25
                                WHEN education IN ('master', 'doctorate') THEN 0.12 ELSE 0 END
                      < 0.12 THEN '<25k'
                 WHEN r9 < 0.35 THEN '25-50k'
                 WHEN r9 < 0.72 THEN '50-100k'
                 WHEN r9 < 0.93 THEN '100-200k' ELSE '200k+' END
        END AS income_band,
        CASE WHEN age < 27 THEN CASE WHEN r23 < 0.8 THEN 'single' ELSE 'married' END
             WHEN age < 60 THEN CASE WHEN r23 < 0.3 THEN 'single' WHEN r23 < 0.85 THEN 'married'
                                     WHEN r23 < 0.97 THEN 'divorced' ELSE 'widowed' END
             ELSE CASE WHEN r23 < 0.12 THEN 'single' WHEN r23 < 0.65 THEN 'married'
                       WHEN r23 < 0.82 THEN 'divorced' ELSE 'widowed' END
        END AS marital_status,
        CASE WHEN primary_device = 'desktop' AND r24 < 0.5 THEN 'email'
             WHEN r24 < 0.45 THEN 'email' WHEN r24 < 0.62 THEN 'sms'
             WHEN r24 < 0.80 AND primary_device <> 'desktop' THEN 'push'
             WHEN r24 < 0.80 THEN 'email' ELSE 'none' END AS preferred_channel,
        -- Business accounts and heavy buyers buy more often; churners stop at end_day.
        activity * CASE WHEN customer_type = 'business' THEN 1.6 ELSE 1.0 END AS buy_rate,
        (signup_date - p_start())::INTEGER AS first_day,
        CASE WHEN churned
             THEN signup_date - p_start() + floor(r25 * (p_as_of() - signup_date + 1))
             ELSE p_days() - 1 END::INTEGER AS end_day,
        0.8 * ln(buy_rate) + 0.6 * ln(1 + end_day - first_day) + 0.35 * engagement_noise AS score
    FROM traits t JOIN geo g USING (geo_idx)
"""

# Loyalty tiers by quantile of a latent score (buy rate, tenure, noise); quantiles via one
# aggregate are much cheaper than a window rank over the wide customer rows.
_CUSTOMER_LOYALTY_SQL = """
    SELECT p.*,
        CASE WHEN never_buys OR score < q[1] THEN 'none' WHEN score < q[2] THEN 'bronze'
             WHEN score < q[3] THEN 'silver' WHEN score < q[4] THEN 'gold' ELSE 'platinum' END
            AS loyalty_tier,
        preferred_channel = 'email' OR (preferred_channel <> 'none' AND r26 < 0.55)
            OR r26 < 0.25 AS email_opt_in,
        preferred_channel = 'sms' OR (preferred_channel <> 'none' AND r27 < 0.2) AS sms_opt_in,
        preferred_channel = 'push'
            OR (primary_device <> 'desktop' AND preferred_channel <> 'none' AND r28 < 0.3)
            AS push_opt_in,
        -- Campaign responsiveness: loyal customers engage more, with personal noise.
        exp(0.5 * engagement_noise) AS engagement
    FROM plan p, (SELECT quantile_cont(score, [0.25, 0.58, 0.84, 0.96]) AS q FROM plan) t
"""

_CUSTOMERS_SQL = """
    CREATE TABLE customers AS
    SELECT customer_id::INTEGER AS customer_id, first_name::VARCHAR AS first_name,
        last_name::VARCHAR AS last_name,
        regexp_replace(lower(strip_accents(first_name || '.' || last_name)), '[^a-z.]', '', 'g')
            || customer_id || '@example.com' AS email,
        gender::VARCHAR AS gender, birth_date::DATE AS birth_date,
        signup_date::DATE AS signup_date, country, region, city,
        income_band::VARCHAR AS income_band, education::VARCHAR AS education,
        occupation::VARCHAR AS occupation, marital_status::VARCHAR AS marital_status,
        customer_type::VARCHAR AS customer_type, company_industry::VARCHAR AS company_industry,
        company_size::VARCHAR AS company_size, lifestyle::VARCHAR AS lifestyle,
        reward_preference::VARCHAR AS reward_preference, loyalty_tier::VARCHAR AS loyalty_tier,
        acquisition_channel::VARCHAR AS acquisition_channel,
        preferred_channel::VARCHAR AS preferred_channel, primary_device::VARCHAR AS primary_device,
        email_opt_in::BOOLEAN AS email_opt_in, sms_opt_in::BOOLEAN AS sms_opt_in,
        push_opt_in::BOOLEAN AS push_opt_in
    FROM cust
"""


def _build_customers(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    _create_geo(con)
    con.execute(
        f"CREATE TEMP TABLE draws AS {_customer_draws_sql().format(n=int(spec.customers))};"
        f"CREATE TEMP VIEW traits AS {_customer_traits_sql()};"
        f"CREATE TEMP TABLE plan AS {_CUSTOMER_PLAN_SQL};"
        f"CREATE TEMP TABLE cust AS {_CUSTOMER_LOYALTY_SQL};"
        "DROP TABLE plan; DROP VIEW traits; DROP TABLE draws;"
    )
    con.execute(_CUSTOMERS_SQL)


# --------------------------------------------------------------------------- transactions

# Purchases per customer: proportional to the latent buy rate times active days, scaled so
# the average lands near TARGET_TX_PER_CUSTOMER; everyone but never-buyers buys at least once.
# tx_base gives each customer a dense, contiguous block of transaction ids.
_TX_PLAN_SQL = """
    CREATE TEMP TABLE tx_plan AS
    SELECT *, sum(n_tx) OVER (ORDER BY customer_id) - n_tx AS tx_base
    FROM (
        SELECT customer_id, lifestyle_idx, first_day, end_day,
            customer_type = 'business' AS is_business, lifestyle_idx = 4 AS is_eco,
            lifestyle_idx = 3 AS is_bargain, primary_device, acquisition_channel,
            CASE WHEN never_buys THEN 0
                 ELSE 1 + least(2000, floor(buy_rate * (end_day - first_day + 1) * k.scale
                                            + u(50, customer_id)))::INT END AS n_tx
        FROM cust, (
            SELECT ({target} * count(*) - count(*) FILTER (WHERE NOT never_buys))
                   / sum(buy_rate * (end_day - first_day + 1)) FILTER (WHERE NOT never_buys)
                   AS scale
            FROM cust
        ) k
    )
"""


# One row per purchase with its basket as a list, so totals and items come from one pass.
# The first purchase follows signup within two weeks; later ones follow seasonality.
def _tx_raw_sql() -> str:
    draw = "u2(51, customer_id, k)"
    first = f"first_day + floor({draw} * least(14, end_day - first_day + 1))::INT"
    later = _pick_day("first_day", "end_day", draw)
    lines = """CASE WHEN is_business
                    THEN 2 + least(10, floor(-ln(1 - u2(55, customer_id, k)) * 2.5))
                    ELSE 1 + least(5, floor(-ln(1 - u2(55, customer_id, k)) * 1.0)) END::INT"""
    span = POOL_SIZE - POOL_WINDOW
    item_at = f"lifestyle_idx * {POOL_SIZE} + 1 + floor(u2(56, customer_id, k) * {span})::INT"
    qty_at = f"""CASE WHEN is_business THEN {POOL_SIZE} ELSE 0 END + 1
                 + floor(u2(57, customer_id, k) * {span})::INT"""
    return f"""
    CREATE TEMP TABLE tx_raw AS
    WITH cand AS (
        SELECT tx_plan.* EXCLUDE (n_tx), unnest(range(n_tx)) AS k FROM tx_plan
    ), dated AS (
        SELECT c.*,
            (p_start() + CASE WHEN k = 0 THEN {first} ELSE {later} END)::TIMESTAMP
                + to_seconds({_pick_hour("u2(53, customer_id, k)")} * 3600
                             + floor(u2(54, customer_id, k) * 3600)::INT) AS ts,
            {lines} AS n_lines, {item_at} AS item_at, {qty_at} AS qty_at
        FROM cand c, lk
    ), basket AS (
        SELECT d.*, list_select(pools.item_pool, range(item_at, item_at + n_lines)) AS offers,
            list_select(pools.qty_pool, range(qty_at, qty_at + n_lines)) AS qtys
        FROM dated d, pools
    )
    SELECT tx_base + k + 1 AS transaction_id, customer_id, k, ts, is_business, is_bargain,
        primary_device, acquisition_channel, qtys,
        list_select(pools.offer_product, offers) AS pids,
        list_select(pools.offer_price, offers) AS prices
    FROM basket, pools
    """


def _tx_columns_sql() -> str:
    mobile = _choice("u2(61, customer_id, k)", [("app", 45), ("online", 30), ("store", 25)])
    desktop = _choice("u2(61, customer_id, k)", [("online", 62), ("store", 33), ("app", 5)])
    in_store = _choice("u2(63, customer_id, k)", [("card", 65), ("cash", 25), ("gift_card", 10)])
    remote = _choice(
        "u2(63, customer_id, k)", [("card", 60), ("paypal", 25), ("bnpl", 10), ("gift_card", 5)]
    )
    status = _choice(
        "u2(64, customer_id, k)", [("returned", 5), ("cancelled", 3), ("completed", 92)]
    )
    rate = _choice("u2(65, customer_id, k)", [(0.0, 68), (0.10, 17), (0.15, 10), (0.25, 5)])
    return f"""
        CASE WHEN acquisition_channel = 'in_store' AND u2(62, customer_id, k) < 0.4 THEN 'store'
             WHEN primary_device = 'desktop' THEN {desktop} ELSE {mobile} END AS channel,
        CASE WHEN is_business AND u2(66, customer_id, k) < 0.85 THEN 'card'
             WHEN channel = 'store' THEN {in_store} ELSE {remote} END AS payment_method,
        {status} AS status,
        list_sum(qtys)::INTEGER AS item_count,
        -- Prices have cents and quantities are whole, so rounding the double sum is exact.
        round(list_inner_product(qtys::DOUBLE[], prices::DOUBLE[]), 2)::DECIMAL(12,2) AS gross,
        -- Bargain hunters redeem more discounts.
        round(gross * CASE WHEN is_bargain AND u2(67, customer_id, k) < 0.35 THEN 0.15
                           ELSE {rate} END, 2)::DECIMAL(12,2) AS discount_amount
    """


def _build_transactions(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    con.execute(_TX_PLAN_SQL.format(target=TARGET_TX_PER_CUSTOMER))
    con.execute(_tx_raw_sql())
    con.execute(
        f"""
        CREATE TABLE transactions AS
        SELECT transaction_id::BIGINT AS transaction_id, customer_id::INTEGER AS customer_id,
            ts::TIMESTAMP AS transaction_ts, channel::VARCHAR AS channel,
            payment_method::VARCHAR AS payment_method, status::VARCHAR AS status, item_count,
            discount_amount, (gross - discount_amount)::DECIMAL(12,2) AS total_amount
        FROM (SELECT *, {_tx_columns_sql()} FROM tx_raw)
        """
    )


def _build_transaction_items(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    con.execute(
        """
        CREATE TABLE transaction_items AS
        SELECT transaction_id::BIGINT AS transaction_id, unnest(pids)::INTEGER AS product_id,
            unnest(qtys)::INTEGER AS quantity, unnest(prices)::DECIMAL(10,2) AS unit_price
        FROM tx_raw
        """
    )
    con.execute("DROP TABLE tx_raw")


# --------------------------------------------------------------------------- campaigns

_SEASONS = {
    12: "Winter",
    1: "Winter",
    2: "Winter",
    3: "Spring",
    4: "Spring",
    5: "Spring",
    6: "Summer",
    7: "Summer",
    8: "Summer",
    9: "Fall",
    10: "Fall",
    11: "Fall",
}
_SEASONAL_CATEGORIES = {
    "Winter": ("Apparel", "Home", "Beauty"),
    "Spring": ("Outdoor", "Footwear", "Sports"),
    "Summer": ("Outdoor", "Sports", "Grocery"),
    "Fall": ("Apparel", "Footwear", "Home"),
}


@dataclass(frozen=True)
class _Campaign:
    name: str
    channel: str
    campaign_type: str
    target_category: str | None
    start: date
    end: date


def _month_campaigns(year: int, month: int, rng: random.Random) -> list[_Campaign]:
    """A realistic monthly calendar: newsletter, sales, and periodic winback/loyalty/launches."""
    label = f"{ref.MONTH_NAMES[month - 1]} {year}"
    first = date(year, month, 1)
    out = [
        _Campaign(
            f"{label} Newsletter",
            "email",
            "newsletter",
            None,
            first + timedelta(days=rng.randint(0, 4)),
            first + timedelta(days=12),
        )
    ]
    season = _SEASONS[month]
    if month == 11:
        sales = [
            ("Black Friday Electronics Sale", "Electronics"),
            ("Cyber Week Apparel Deals", "Apparel"),
        ]
    elif month == 12:
        sales = [("Holiday Toys Sale", "Toys"), ("Holiday Gift Guide Electronics", "Electronics")]
    else:
        category = rng.choice(_SEASONAL_CATEGORIES[season])
        sales = [(f"{season} {category} Sale", category)]
        if rng.random() < 0.5:
            sales.append((f"{season} Site-wide Savings", None))
    for title, category in sales:
        begin = first + timedelta(days=rng.randint(5, 18))
        channel = rng.choices(("email", "sms", "push"), (6, 2, 2))[0]
        out.append(
            _Campaign(
                f"{title} {year}",
                channel,
                "promotional",
                category,
                begin,
                begin + timedelta(days=rng.randint(4, 10)),
            )
        )
    if month % 2 == 0:
        begin = first + timedelta(days=rng.randint(8, 15))
        out.append(
            _Campaign(
                f"We Miss You Winback {label}",
                "email",
                "winback",
                None,
                begin,
                begin + timedelta(days=14),
            )
        )
    if month % 3 == 1:
        begin = first + timedelta(days=rng.randint(2, 10))
        channel = rng.choice(("email", "push"))
        out.append(
            _Campaign(
                f"Gold & Platinum Rewards {label}",
                channel,
                "loyalty",
                None,
                begin,
                begin + timedelta(days=10),
            )
        )
    if month % 2 == 1:
        category = rng.choice(ref.CATEGORIES)
        subcategory = rng.choice(list(ref.CATALOG[category][1]))
        begin = first + timedelta(days=rng.randint(10, 20))
        channel = rng.choices(("email", "push", "sms"), (5, 3, 2))[0]
        out.append(
            _Campaign(
                f"New {subcategory} Launch {label}",
                channel,
                "product_launch",
                category,
                begin,
                begin + timedelta(days=7),
            )
        )
    # The month-end push keeps campaign activity running to the last day, so windows such as
    # "yesterday" or "the last 7 days" have engagement in them too.
    month_end = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    out.append(
        _Campaign(
            f"Month-End Flash Deals {label}",
            "push",
            "promotional",
            None,
            month_end - timedelta(days=2),
            month_end,
        )
    )
    return out


def _campaign_calendar(spec: _Spec) -> list[_Campaign]:
    rng = random.Random(spec.seed * 31 + 5)
    campaigns: list[_Campaign] = []
    year, month = spec.start.year, spec.start.month
    while (year, month) <= (spec.as_of.year, spec.as_of.month):
        campaigns.extend(_month_campaigns(year, month, rng))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    # Keep everything inside the history window; a campaign needs two days to run.
    clipped = [
        _Campaign(
            c.name,
            c.channel,
            c.campaign_type,
            c.target_category,
            max(c.start, spec.start),
            min(c.end, spec.as_of),
        )
        for c in campaigns
    ]
    return [c for c in clipped if (c.end - c.start).days >= 1]


def _build_campaigns(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    con.execute(
        "CREATE TABLE campaigns (campaign_id INTEGER, campaign_name VARCHAR, channel VARCHAR,"
        " campaign_type VARCHAR, target_category VARCHAR, start_date DATE, end_date DATE)"
    )
    rows = [
        (
            i,
            c.name,
            c.channel,
            c.campaign_type,
            c.target_category,
            c.start.isoformat(),
            c.end.isoformat(),
        )
        for i, c in enumerate(
            sorted(_campaign_calendar(spec), key=lambda c: (c.start, c.name)), start=1
        )
    ]
    _insert_rows(con, "campaigns", rows)


# --------------------------------------------------------------------------- campaign_events

# Who receives each campaign: opted in to its channel and signed up before it started,
# with the audience shaped by type (winback -> lapsed, loyalty -> upper tiers, targeted
# sales -> lifestyles that buy the category). Then a funnel per recipient.
_CAMPAIGN_PAIRS_SQL = """
    CREATE TEMP TABLE camp_pairs AS
    WITH camp AS (
        SELECT c.*, (c.start_date - p_start())::INTEGER AS start_day,
            list_position(lk.cat_names, c.target_category) AS cat_idx,
            c.start_date::TIMESTAMP AS period_start,
            (c.end_date + 1)::TIMESTAMP AS period_end
        FROM campaigns c, lk
    ), recipients AS (
        SELECT m.campaign_id, m.channel, m.period_start, m.period_end, x.customer_id,
            x.loyalty_tier, x.engagement
        FROM camp m, lk, cust x
        WHERE x.first_day <= m.start_day
          AND CASE m.channel WHEN 'email' THEN x.email_opt_in WHEN 'sms' THEN x.sms_opt_in
                             ELSE x.push_opt_in END
          AND u2(70, m.campaign_id, x.customer_id) < {reach} * CASE m.campaign_type
                WHEN 'newsletter' THEN 1.0
                WHEN 'winback' THEN CASE WHEN x.end_day < m.start_day - 90 THEN 1.2 ELSE 0.0 END
                WHEN 'loyalty' THEN CASE WHEN x.loyalty_tier IN ('gold', 'platinum') THEN 1.3
                                         WHEN x.loyalty_tier = 'silver' THEN 0.6 ELSE 0.0 END
                ELSE CASE WHEN m.cat_idx IS NULL THEN 0.6
                          ELSE 0.25 + 4 * lk.cat_mix_share[x.lifestyle_idx * 9 + m.cat_idx] END
              END
    )
    SELECT r.*,
        CASE r.loyalty_tier WHEN 'none' THEN 0.7 WHEN 'bronze' THEN 0.9 WHEN 'silver' THEN 1.1
                            WHEN 'gold' THEN 1.35 ELSE 1.6 END * engagement AS lift,
        r.period_start + to_seconds(8 * 3600 + floor(u2(71, campaign_id, customer_id) * 14400)::INT)
            AS sent_ts,
        u2(72, campaign_id, customer_id) < 0.96 AS delivered,
        u2(73, campaign_id, customer_id) AS r_open,
        u2(74, campaign_id, customer_id) AS r_click,
        u2(75, campaign_id, customer_id) AS r_convert,
        u2(76, campaign_id, customer_id) AS r_unsub,
        u2(77, campaign_id, customer_id) AS r_delay
    FROM recipients r
"""

_CAMPAIGN_EVENTS_SQL = """
    CREATE TEMP VIEW camp_funnel AS
    WITH funnel AS (
        SELECT campaign_id, customer_id, sent_ts,
            CASE WHEN delivered THEN sent_ts + to_seconds(5 + floor(r_delay * 300)::INT) END
                AS delivered_ts,
            delivered AND r_open < least(0.9, CASE channel WHEN 'sms' THEN 0.45
                WHEN 'push' THEN 0.2 ELSE 0.25 END * lift) AS opened,
            opened AND r_click < least(0.8, 0.22 * sqrt(lift)) AS clicked,
            clicked AND r_convert < least(0.7, 0.18 * lift) AS converted,
            delivered AND r_unsub < 0.004 / lift AS unsubscribed,
            -- Later steps stay inside the campaign period: the open lands in the first 60%
            -- of the remaining time, so clicks and conversions minutes later still fit.
            epoch(period_end - sent_ts) AS remaining,
            r_delay
        FROM camp_pairs
    ), timed AS (
        SELECT *,
            CASE WHEN opened THEN delivered_ts
                 + to_seconds(60 + floor(pow(r_delay, 3) * 0.6 * (remaining - 400))::BIGINT) END
                AS opened_ts
        FROM funnel
    ), clicked_t AS (
        SELECT *,
            CASE WHEN clicked THEN opened_ts + to_seconds(10 + floor(r_delay * 900)::INT) END
                AS clicked_ts
        FROM timed
    )
    SELECT campaign_id, customer_id, sent_ts, delivered_ts, opened_ts, clicked_ts,
        CASE WHEN converted THEN clicked_ts + to_seconds(30 + floor(r_delay * 3000)::INT) END
            AS converted_ts,
        CASE WHEN unsubscribed THEN delivered_ts + to_seconds(120 + floor(r_delay * 3600)::INT) END
            AS unsubscribed_ts
    FROM clicked_t
"""


def _build_campaign_events(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    con.execute(_CAMPAIGN_PAIRS_SQL.format(reach=CAMPAIGN_REACH))
    con.execute(_CAMPAIGN_EVENTS_SQL)
    # One narrow scan per event type beats unnesting a list of structs per recipient; the
    # funnel is a view, so each scan computes only the timestamps it needs.
    selects = " UNION ALL ".join(
        f"SELECT campaign_id::INTEGER, customer_id::INTEGER, '{event}', {event}_ts"
        f" FROM camp_funnel WHERE {event}_ts IS NOT NULL"
        for event in ("sent", "delivered", "opened", "clicked", "converted", "unsubscribed")
    )
    con.execute(
        "CREATE TABLE campaign_events (campaign_id INTEGER, customer_id INTEGER,"
        f" event_type VARCHAR, event_ts TIMESTAMP); INSERT INTO campaign_events {selects}"
    )
    con.execute("DROP VIEW camp_funnel; DROP TABLE camp_pairs")
    # An unsubscribe withdraws that channel's consent: the customer row says so afterwards.
    for channel in ("email", "sms", "push"):
        con.execute(
            f"UPDATE customers SET {channel}_opt_in = FALSE WHERE customer_id IN ("
            "SELECT e.customer_id FROM campaign_events e JOIN campaigns m USING (campaign_id) "
            f"WHERE e.event_type = 'unsubscribed' AND m.channel = '{channel}')"
        )


# --------------------------------------------------------------------------- web_sessions

# Browsing continues a little after the last purchase (churners drift away), and heavier
# buyers browse more. Ids are dense per-customer blocks, like transactions.
_SESSION_PLAN_SQL = """
    CREATE TEMP TABLE sess_plan AS
    SELECT *, sum(n_sess) OVER (ORDER BY customer_id) - n_sess AS sess_base
    FROM (
        SELECT customer_id, lifestyle_idx, primary_device, first_day, last_day,
            floor(weight * k.scale + u(80, customer_id))::INT AS n_sess
        FROM (
            SELECT customer_id, lifestyle_idx, primary_device, first_day,
                least(p_days() - 1, end_day + 60) AS last_day,
                (0.5 + pow(buy_rate, 0.7)) * (least(p_days() - 1, end_day + 60) - first_day + 1)
                    AS weight
            FROM cust
        ) w, (
            SELECT {target} * count(*) / sum(
                (0.5 + pow(buy_rate, 0.7)) * (least(p_days() - 1, end_day + 60) - first_day + 1))
                AS scale
            FROM cust
        ) k
    )
"""


def _sessions_sql() -> str:
    key = "customer_id, k"
    other_device = _choice(f"u2(82, {key})", [("ios", 1), ("android", 1), ("desktop", 1)])
    desktop_browser = _choice(
        f"u2(83, {key})", [("chrome", 55), ("safari", 18), ("edge", 17), ("firefox", 10)]
    )
    return f"""
    CREATE TABLE web_sessions AS
    WITH s AS (
        SELECT sess_plan.* EXCLUDE (n_sess), unnest(range(n_sess)) AS k FROM sess_plan
    ), d AS (
        SELECT *,
            CASE WHEN u2(81, {key}) < 0.82 THEN primary_device ELSE {other_device} END AS device,
            1 + least(60, floor(-ln(1 - u2(84, {key})) * 5))::INT AS pages
        FROM s
    )
    SELECT (sess_base + k + 1)::BIGINT AS session_id, customer_id::INTEGER AS customer_id,
        ((p_start() + first_day + floor(u2(85, {key}) * (last_day - first_day + 1))::INT)::TIMESTAMP
            + to_seconds({_pick_hour(f"u2(86, {key})")} * 3600
                         + floor(u2(87, {key}) * 3600)::INT))::TIMESTAMP AS session_start,
        device::VARCHAR AS device,
        CASE WHEN device = 'desktop' THEN {desktop_browser}
             WHEN u2(88, {key}) < 0.55 THEN 'app'
             WHEN device = 'ios' THEN CASE WHEN u2(83, {key}) < 0.85 THEN 'safari' ELSE 'chrome' END
             ELSE CASE WHEN u2(83, {key}) < 0.85 THEN 'chrome' ELSE 'firefox' END
        END::VARCHAR AS browser,
        pages::INTEGER AS pages_viewed,
        lk.cat_names[CASE WHEN u2(89, {key}) < 0.75
                          THEN {_pick_cat("lifestyle_idx", f"u2(90, {key})")}
                          ELSE 1 + floor(u2(90, {key}) * 9)::INT END]::VARCHAR AS viewed_category,
        u2(91, {key}) < 0.06 + 0.025 * least(pages, 12) AS added_to_cart,
        added_to_cart AND u2(92, {key}) < 0.35 AS converted
    FROM d, lk
    """


def _build_web_sessions(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    con.execute(_SESSION_PLAN_SQL.format(target=TARGET_SESSIONS_PER_CUSTOMER))
    con.execute(_sessions_sql())
    con.execute("DROP TABLE sess_plan")


# --------------------------------------------------------------------------- support_tickets

# Tickets follow purchasing (more orders, more questions) and come after signup.
_TICKETS_SQL = """
    CREATE TABLE support_tickets AS
    WITH plan AS (
        SELECT *, sum(n_tickets) OVER (ORDER BY customer_id) - n_tickets AS ticket_base
        FROM (
            SELECT customer_id, first_day, least(p_days() - 1, end_day + 30) AS last_day,
                floor((0.3 + n_tx) * k.scale + u(100, customer_id))::INT AS n_tickets
            FROM tx_plan, (SELECT {target} * count(*) / sum(0.3 + n_tx) AS scale FROM tx_plan) k
        )
    ), t AS (
        SELECT plan.* EXCLUDE (n_tickets), unnest(range(n_tickets)) AS k FROM plan
    ), topics AS (
        SELECT *, {topic} AS topic, u2(104, customer_id, k) AS r_csat FROM t
    )
    SELECT (ticket_base + k + 1)::BIGINT AS ticket_id, customer_id::INTEGER AS customer_id,
        ((p_start() + first_day + floor(u2(102, customer_id, k) * (last_day - first_day + 1))::INT)
            ::TIMESTAMP + to_seconds(7 * 3600 + floor(u2(103, customer_id, k) * 50400)::INT))
            ::TIMESTAMP AS created_ts,
        topic::VARCHAR AS topic, {channel}::VARCHAR AS channel,
        -- Many customers skip the survey; delivery and returns issues score lower.
        CASE WHEN u2(105, customer_id, k) < 0.28 THEN NULL
             ELSE greatest(1, least(5, round(4.2 - CASE topic WHEN 'delivery' THEN 0.9
                 WHEN 'returns' THEN 0.6 WHEN 'billing' THEN 0.4 ELSE 0 END
                 + 1.3 * sqrt(-2 * ln(1 - r_csat)) * cos(2 * pi() * u2(106, customer_id, k)))))
        END::INTEGER AS csat_score
    FROM topics
"""


def _build_support_tickets(con: duckdb.DuckDBPyConnection, spec: _Spec) -> None:
    topic = _choice(
        "u2(101, customer_id, k)",
        [
            ("delivery", 30),
            ("returns", 20),
            ("product_question", 25),
            ("billing", 12),
            ("account", 13),
        ],
    )
    channel = _choice("u2(107, customer_id, k)", [("chat", 45), ("email", 35), ("phone", 20)])
    con.execute(
        _TICKETS_SQL.format(target=TARGET_TICKETS_PER_CUSTOMER, topic=topic, channel=channel)
    )
