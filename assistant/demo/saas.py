"""A deterministic B2B SaaS database: accounts, their plans, users, product usage, billing, support.

The shape is unlike the retail demo and TPC-DS on purpose: the customer is a company (`accounts`),
its people are rows of `users`, and product usage is recorded per user (`events.user_id ->
users.user_id -> accounts.account_id`), so an account's activity is two many-to-one hops away.

Every draw comes from one `numpy.random.default_rng(seed)` in a fixed order, so the contents
depend only on (accounts, seed, as_of). Latent per-account traits make the usual CSM segments
real: enterprise accounts have more users and more usage, churned accounts stop using the
product (and paying) on their churn date, some paying accounts have gone quiet in the last one to
three months while their invoices keep coming (at risk), and overdue invoices cluster on a few
slow payers. History spans the two years before `as_of` (with a few hundred accounts or more,
the last usage event, the catalog's anchor, falls on `as_of`).

    build_saas("data/saas.duckdb", accounts=2000, seed=7)   # under a second; 20,000 in ~7 s
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np

AS_OF = date(2026, 9, 30)
HISTORY_DAYS = 730
TABLES = ("plans", "accounts", "users", "events", "invoices", "tickets")

# plan_id, name, monthly list price, seats included, extra price per seat, share of accounts
PLANS = (
    (1, "free", 0.0, 3, 0.0, 0.30),
    (2, "starter", 49.0, 5, 8.0, 0.30),
    (3, "pro", 199.0, 10, 15.0, 0.27),
    (4, "enterprise", 999.0, 25, 25.0, 0.13),
)
# per plan (index 0..3): median employees, users (fixed + Poisson mean), usage rate factor
EMPLOYEES_MEDIAN = (8, 30, 180, 2500)
USERS_BASE = ((1, 1.0), (2, 3.0), (4, 9.0), (10, 30.0))
USAGE_FACTOR = (0.6, 0.8, 1.0, 1.25)

INDUSTRIES = (
    ("software", 0.24), ("fintech", 0.12), ("healthcare", 0.11), ("retail", 0.12),
    ("education", 0.10), ("manufacturing", 0.11), ("media", 0.10), ("logistics", 0.10),
)  # fmt: skip
COUNTRIES = (
    ("US", "AMER", 0.34), ("CA", "AMER", 0.07), ("BR", "AMER", 0.05), ("GB", "EMEA", 0.12),
    ("DE", "EMEA", 0.10), ("FR", "EMEA", 0.07), ("NL", "EMEA", 0.05), ("AU", "APAC", 0.07),
    ("IN", "APAC", 0.08), ("JP", "APAC", 0.05),
)  # fmt: skip
NAME_FIRST = (
    "Acme", "Blue", "Bright", "Cedar", "Delta", "Echo", "Falcon", "Granite", "Harbor", "Iron",
    "Juniper", "Kite", "Lumen", "Maple", "Nova", "Orbit", "Pine", "Quartz", "River", "Summit",
    "Tidal", "Umber", "Vertex", "Willow", "Zephyr", "Atlas", "Beacon", "Cobalt", "Drift", "Ember",
)  # fmt: skip
NAME_SECOND = (
    "Labs", "Systems", "Analytics", "Works", "Dynamics", "Networks", "Health", "Logistics",
    "Media", "Capital", "Foods", "Robotics", "Learning", "Studio", "Cloud", "Partners",
)  # fmt: skip
NAME_SUFFIX = ("Inc", "Ltd", "GmbH", "LLC", "Co", "Group", "AG", "SA")

ROLES = (("admin", 0.10), ("member", 0.60), ("viewer", 0.30))
ROLE_RATE = {"admin": 1.2, "member": 1.0, "viewer": 0.5}
# how often each role does each of EVENT_NAMES: admins invite more, viewers mostly look
EVENT_NAMES = ("login", "dashboard_viewed", "report_created", "export", "invite_sent", "api_call")
EVENT_WEIGHTS = {
    "admin": (0.30, 0.20, 0.12, 0.08, 0.10, 0.20),
    "member": (0.32, 0.24, 0.16, 0.09, 0.02, 0.17),
    "viewer": (0.40, 0.45, 0.03, 0.10, 0.00, 0.02),
}
FEATURES = ("dashboards", "reports", "forecasting", "integrations", "workflows", "settings")
BASE_EVENTS_PER_DAY = 0.16
PRIORITIES = (("low", 0.30), ("normal", 0.45), ("high", 0.18), ("urgent", 0.07))
TOPICS = (("bug", 0.30), ("how_to", 0.30), ("billing", 0.15), ("feature_request", 0.15),
          ("outage", 0.10))  # fmt: skip


def build_saas(path: Path | str, accounts: int = 2000, seed: int = 7, as_of: date = AS_OF) -> Path:
    """Write the SaaS database to `path` (replacing it) and return the path."""
    if accounts < 10:
        raise ValueError("accounts must be at least 10")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    rng = np.random.default_rng(seed)
    frames = _generate(rng, accounts, as_of)
    with duckdb.connect(str(tmp)) as con:
        _write(con, frames, as_of - timedelta(days=HISTORY_DAYS - 1))
        con.execute("CHECKPOINT")
    tmp.replace(path)
    return path


# --- generation --------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, options: tuple, n: int) -> np.ndarray:
    names = np.array([o[0] for o in options])
    weights = np.array([o[-1] for o in options], dtype=float)
    return names[rng.choice(len(options), size=n, p=weights / weights.sum())]


def _generate(rng: np.random.Generator, n: int, as_of: date) -> dict[str, dict[str, np.ndarray]]:
    start = as_of - timedelta(days=HISTORY_DAYS - 1)
    epoch = np.datetime64(start, "D")
    end_day = HISTORY_DAYS - 1  # as_of, in days since `start`

    # -- accounts --------------------------------------------------------------------------------
    ids = np.arange(1, n + 1)
    shares = np.array([p[5] for p in PLANS])
    plan_ix = rng.choice(len(PLANS), size=n, p=shares / shares.sum())
    plan_id = plan_ix + 1
    kind = rng.random(n)
    status = np.where(kind < 0.09, "trial", np.where(kind < 0.27, "churned", "active"))
    # Growth: more accounts were created recently (a skew towards the end of the history).
    created = (end_day - 31 - (end_day - 31) * rng.random(n) ** 1.3).astype(int)
    trial = status == "trial"
    created[trial] = end_day - rng.integers(0, 30, size=trial.sum())
    churned = status == "churned"
    # A churned account used the product for at least 45 days and left at least 14 days ago.
    created[churned] = np.minimum(created[churned], end_day - 75)
    span = (end_day - 14) - (created[churned] + 45)
    churn_day = np.full(n, -1)
    churn_day[churned] = created[churned] + 45 + (span * rng.random(churned.sum())).astype(int)
    active_until = np.where(churned, churn_day, end_day)
    # Some active paying accounts have gone quiet lately (the product, not the invoices).
    quiet = (status == "active") & (plan_ix > 0) & (rng.random(n) < 0.12)
    quiet &= created < end_day - 150
    usage_until = active_until.copy()
    usage_until[quiet] = end_day - rng.integers(32, 95, size=quiet.sum())
    employees = np.maximum(
        1,
        np.round(np.array(EMPLOYEES_MEDIAN)[plan_ix] * rng.lognormal(0.0, 0.8, n)),
    ).astype(int)
    employees = np.minimum(employees, 60_000)
    industry = _pick(rng, INDUSTRIES, n)
    country_ix = rng.choice(len(COUNTRIES), size=n, p=_norm([c[2] for c in COUNTRIES]))
    country = np.array([c[0] for c in COUNTRIES])[country_ix]
    region = np.array([c[1] for c in COUNTRIES])[country_ix]
    names = np.array(
        [
            f"{NAME_FIRST[a]} {NAME_SECOND[b]} {NAME_SUFFIX[c]}"
            for a, b, c in zip(
                rng.integers(0, len(NAME_FIRST), n),
                rng.integers(0, len(NAME_SECOND), n),
                rng.integers(0, len(NAME_SUFFIX), n),
                strict=True,
            )
        ]
    )
    activity = rng.lognormal(0.0, 0.6, n) * np.array(USAGE_FACTOR)[plan_ix]
    slow_payer = (plan_ix > 0) & (rng.random(n) < 0.10)

    # -- users -----------------------------------------------------------------------------------
    fixed = np.array([u[0] for u in USERS_BASE])[plan_ix]
    extra = rng.poisson(np.array([u[1] for u in USERS_BASE])[plan_ix])
    users_per = fixed + extra
    users_per[trial] = np.minimum(users_per[trial], 1 + rng.poisson(1.5, trial.sum()))
    u_account = np.repeat(ids, users_per)
    u_ix = u_account - 1
    m = len(u_account)
    first = np.r_[True, u_account[1:] != u_account[:-1]]
    role = _pick(rng, ROLES, m)
    role[first] = "admin"  # whoever opened the account administers it
    # Later users join between the account's creation and its last day, mostly early on.
    lifetime = usage_until[u_ix] - created[u_ix]
    u_created_day = created[u_ix] + (np.maximum(lifetime, 0) * rng.random(m) ** 2).astype(int)
    u_created_day[first] = created[u_ix][first]
    u_created_sec = u_created_day * 86400 + rng.integers(8 * 3600, 19 * 3600, m)
    dormant = rng.random(m) < 0.12  # invited, never came back

    # -- product usage ---------------------------------------------------------------------------
    days_used = np.maximum(usage_until[u_ix] - u_created_day, 0) + 1
    rate = (
        BASE_EVENTS_PER_DAY
        * activity[u_ix]
        * np.vectorize(ROLE_RATE.get)(role)
        * rng.lognormal(0.0, 0.5, m)
    )
    n_events = rng.poisson(rate * days_used)
    n_events[dormant] = 0
    n_events[first] = np.maximum(n_events[first], 1)  # the admin at least logged in once
    e_user = np.repeat(np.arange(1, m + 1), n_events)
    e_uix = e_user - 1
    k = len(e_user)
    e_day = u_created_day[e_uix] + (days_used[e_uix] * rng.random(k)).astype(int)
    e_day = np.minimum(e_day, usage_until[u_ix][e_uix])
    e_sec = e_day.astype(np.int64) * 86400 + rng.integers(6 * 3600, 22 * 3600, k)
    # The first event of each user is a login at signup.
    e_first = np.r_[True, e_user[1:] != e_user[:-1]]
    e_sec[e_first] = u_created_sec[e_uix][e_first] + 60
    # Event names and features are codes into EVENT_NAMES / FEATURES (-1: none) until SQL.
    login, dashboard, report, export, invite, api = range(len(EVENT_NAMES))
    e_name = np.empty(k, dtype=np.int8)
    draw = rng.random(k)
    e_role = role[e_uix]
    for r, weights in EVENT_WEIGHTS.items():
        sel = e_role == r
        e_name[sel] = np.searchsorted(np.cumsum(_norm(weights)), draw[sel], side="right")
    e_name[e_first] = login
    e_plan = plan_ix[u_ix][e_uix]
    e_name[(e_name == api) & (e_plan == 0)] = dashboard  # no API on the free plan
    dashboards, reports, forecasting, integrations, workflows, settings = range(len(FEATURES))
    feature = np.full(k, -1, dtype=np.int8)
    coin = rng.random(k)
    feature[e_name == dashboard] = dashboards
    sel = e_name == report
    feature[sel] = np.where((coin[sel] < 0.3) & (e_plan[sel] >= 2), forecasting, reports)
    sel = e_name == export
    feature[sel] = np.where(coin[sel] < 0.5, reports, dashboards)
    sel = e_name == api
    feature[sel] = np.where(coin[sel] < 0.7, integrations, workflows)
    feature[e_name == invite] = settings
    order = np.lexsort((e_user, e_sec))
    e_user, e_sec, e_name, feature = e_user[order], e_sec[order], e_name[order], feature[order]

    # -- invoices: monthly for paying accounts after a 14-day trial, until they leave ----------
    paying = np.flatnonzero((plan_ix > 0) & ~trial)
    months = np.arange(25)
    first_bill = epoch + (created[paying] + 14).astype("timedelta64[D]")
    month0 = first_bill.astype("datetime64[M]")
    dom = np.minimum((first_bill - month0.astype("datetime64[D]")).astype(int), 27)
    bill = (month0[:, None] + months[None, :]).astype("datetime64[D]") + dom[:, None]
    bill_day = (bill - epoch).astype(int)
    keep = (bill_day <= active_until[paying][:, None]) & (bill_day <= end_day)
    rows, _ = np.nonzero(keep)
    inv_ix = paying[rows]
    inv_day_a = bill_day[keep]
    inv_account_a = inv_ix + 1
    price = np.array([p[2] for p in PLANS])[plan_ix[inv_ix]]
    included = np.array([p[3] for p in PLANS])[plan_ix[inv_ix]]
    per_seat = np.array([p[4] for p in PLANS])[plan_ix[inv_ix]]
    base = price + per_seat * np.maximum(0, users_per[inv_ix] - included)
    inv_amount_a = np.round(base * rng.uniform(0.97, 1.03, len(inv_ix)), 2)
    age = end_day - inv_day_a
    p_overdue = np.where(slow_payer[inv_ix], 0.30, 0.006) * np.where(age > 120, 0.25, 1.0)
    last_bill = np.r_[inv_account_a[1:] != inv_account_a[:-1], True]
    p_overdue = np.where(churned[inv_ix] & last_bill, 0.45, p_overdue)
    u = rng.random(len(inv_ix))
    inv_status_a = np.where(u < 0.02, "void", np.where(u < 0.02 + p_overdue, "overdue", "paid"))
    inv_order = np.lexsort((inv_account_a, inv_day_a))

    # -- support tickets ------------------------------------------------------------------------
    months_active = np.maximum(active_until - created, 1) / 30.0
    t_rate = 0.06 * np.sqrt(users_per) * months_active * (1 + slow_payer)
    t_per = rng.poisson(t_rate)
    t_account = np.repeat(ids, t_per)
    t_ix = t_account - 1
    q = len(t_account)
    t_day = created[t_ix] + ((active_until[t_ix] - created[t_ix] + 1) * rng.random(q)).astype(int)
    t_day = np.minimum(t_day, end_day)
    t_sec = t_day.astype(np.int64) * 86400 + rng.integers(0, 86400, q)
    priority = _pick(rng, PRIORITIES, q)
    topic = _pick(rng, TOPICS, q)
    topic[(rng.random(q) < 0.35) & slow_payer[t_ix]] = "billing"
    unhappy = churned[t_ix] | slow_payer[t_ix]
    happy_p = _norm([0.04, 0.06, 0.15, 0.35, 0.40])
    sad_p = _norm([0.25, 0.25, 0.20, 0.18, 0.12])
    csat = np.where(
        unhappy,
        rng.choice(5, size=q, p=sad_p) + 1,
        rng.choice(5, size=q, p=happy_p) + 1,
    ).astype(float)
    csat[rng.random(q) < 0.4] = np.nan  # most customers skip the survey
    t_order = np.lexsort((t_account, t_sec))

    return {
        "plans": {
            "plan_id": np.array([p[0] for p in PLANS]),
            "plan_name": np.array([p[1] for p in PLANS]),
            "monthly_price": np.array([p[2] for p in PLANS]),
            "seats_included": np.array([p[3] for p in PLANS]),
        },
        "accounts": {
            "account_id": ids,
            "company_name": names,
            "industry": industry,
            "country": country,
            "sales_region": region,
            "plan_id": plan_id,
            "employees": employees,
            "created_at": created,
            "status": status,
            "churned_on": churn_day,
        },
        "users": {
            "user_id": np.arange(1, m + 1),
            "account_id": u_account,
            "role": role,
            "created_at": u_created_sec,
        },
        "events": {
            "event_id": np.arange(1, len(e_user) + 1),
            "user_id": e_user,
            "event_ts": e_sec,
            "event_name": e_name,
            "feature": feature,
        },
        "invoices": {
            "invoice_id": np.arange(1, len(inv_order) + 1),
            "account_id": inv_account_a[inv_order],
            "issued_on": inv_day_a[inv_order],
            "amount": inv_amount_a[inv_order],
            "status": inv_status_a[inv_order],
        },
        "tickets": {
            "ticket_id": np.arange(1, len(t_order) + 1),
            "account_id": t_account[t_order],
            "opened_at": t_sec[t_order],
            "priority": priority[t_order],
            "topic": topic[t_order],
            "csat": csat[t_order],
        },
    }


def _norm(weights: list[float] | tuple[float, ...]) -> np.ndarray:
    w = np.array(weights, dtype=float)
    return w / w.sum()


# --- writing -----------------------------------------------------------------------------------

# {start} is the first day of the history: dates arrive as days, timestamps as seconds since it.
# Rows arrive in their final order (by time), so ids are numbered in numpy and kept in order.
_DDL = {
    "plans": """
        SELECT CAST(plan_id AS INTEGER) AS plan_id, CAST(plan_name AS VARCHAR) AS plan_name,
               CAST(monthly_price AS DECIMAL(10,2)) AS monthly_price,
               CAST(seats_included AS INTEGER) AS seats_included
        FROM src ORDER BY plan_id""",
    "accounts": """
        SELECT CAST(account_id AS INTEGER) AS account_id,
               CAST(company_name AS VARCHAR) AS company_name,
               CAST(industry AS VARCHAR) AS industry, CAST(country AS VARCHAR) AS country,
               CAST(sales_region AS VARCHAR) AS sales_region,
               CAST(plan_id AS INTEGER) AS plan_id, CAST(employees AS INTEGER) AS employees,
               {start} + CAST(created_at AS INTEGER) AS created_at,
               CAST(status AS VARCHAR) AS status,
               CASE WHEN churned_on >= 0 THEN {start} + CAST(churned_on AS INTEGER) END
                   AS churned_on
        FROM src ORDER BY account_id""",
    "users": """
        SELECT CAST(u.user_id AS INTEGER) AS user_id, CAST(u.account_id AS INTEGER) AS account_id,
               'user' || u.user_id || '@' || lower(replace(a.company_name, ' ', '')) || '.example'
                   AS email,
               CAST(u.role AS VARCHAR) AS role,
               CAST({start} AS TIMESTAMP) + to_seconds(u.created_at) AS created_at,
               l.last_login_at
        FROM src u
        JOIN accounts a ON a.account_id = u.account_id
        LEFT JOIN (SELECT user_id, max(event_ts) AS last_login_at FROM events
                   WHERE event_name = 'login' GROUP BY user_id) l ON l.user_id = u.user_id
        ORDER BY u.user_id""",
    "events": """
        SELECT CAST(event_id AS BIGINT) AS event_id, CAST(user_id AS INTEGER) AS user_id,
               CAST({start} AS TIMESTAMP) + to_seconds(event_ts) AS event_ts,
               {event_names}[event_name + 1] AS event_name,
               CASE WHEN feature >= 0 THEN {features}[feature + 1] END AS feature
        FROM src""",
    "invoices": """
        SELECT CAST(invoice_id AS BIGINT) AS invoice_id, CAST(account_id AS INTEGER) AS account_id,
               {start} + CAST(issued_on AS INTEGER) AS issued_on,
               CAST(amount AS DECIMAL(12,2)) AS amount, CAST(status AS VARCHAR) AS status
        FROM src""",
    "tickets": """
        SELECT CAST(ticket_id AS BIGINT) AS ticket_id, CAST(account_id AS INTEGER) AS account_id,
               CAST({start} AS TIMESTAMP) + to_seconds(opened_at) AS opened_at,
               CAST(priority AS VARCHAR) AS priority, CAST(topic AS VARCHAR) AS topic,
               CAST(CASE WHEN isnan(csat) THEN NULL ELSE csat END AS INTEGER) AS csat
        FROM src""",
}
# users needs accounts and events (emails, last logins), so it is written after them
_ORDER = ("plans", "accounts", "events", "users", "invoices", "tickets")


def _write(
    con: duckdb.DuckDBPyConnection, frames: dict[str, dict[str, np.ndarray]], start: date
) -> None:
    """Dates arrive as days and timestamps as seconds since `start`."""
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = true")
    for name in _ORDER:
        columns = frames[name]
        con.register("src", {c: _column(v) for c, v in columns.items()})
        sql = (
            _DDL[name]
            .replace("{start}", f"DATE '{start.isoformat()}'")
            .replace("{event_names}", _sql_list(EVENT_NAMES))
            .replace("{features}", _sql_list(FEATURES))
        )
        con.execute(f"CREATE TABLE {name} AS {sql}")
        con.unregister("src")


def _sql_list(names: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{n}'" for n in names) + "]"


def _column(values: np.ndarray) -> np.ndarray:
    if values.dtype == object:
        return values  # strings with None for NULL
    if values.dtype.kind == "U":
        return values.astype(object)
    return values


def main() -> None:  # pragma: no cover - a convenience for `python -m assistant.demo.saas`
    began = time.perf_counter()
    path = build_saas("data/saas.duckdb")
    print(f"built {path} in {time.perf_counter() - began:.1f} s")


if __name__ == "__main__":  # pragma: no cover
    main()
