"""Draft a version-2 semantic catalog from any DuckDB database, and check a catalog against one.

`draft(db)` profiles every table (one scan per table), then infers:

- keys: unique, non-null columns with key-like names (`_sk`, `_key`, `key`, `_id`, `id`);
- relations `child.fk -> parent.key`: the names agree (`customer_id -> customers.customer_id`,
  `ss_customer_sk -> customer.c_customer_sk`, `c_nationkey -> nation.n_nationkey`,
  `c_current_addr_sk -> customer_address.ca_address_sk`) and sampled foreign-key values are
  contained in the key. One relation per pair of tables: the one whose name says sold / order /
  created / bill... is kept, the others are listed in a comment;
- the entity (the customer table): the most referenced table named like customer / client /
  account / user / member, with the key the others reference;
- date dimensions (a referenced table with a unique DATE column, e.g. TPC-DS date_dim);
- events: tables that name the customer and have a time (own DATE/TIMESTAMP column, or a key of a
  date dimension), plus "lines" (an order's items) that reach the customer through such an event;
  with `instance` (a repeating ticket / order number), `amount` (a money column) and measures;
- enumerated text columns (short codes and names, not free text), with value synonyms;
- properties: columns of the entity's many-to-one neighbours (address, demographics);
- the anchor: the latest event date, as SQL.

Everything required is filled in; what needs a person is listed at the top of the file and in
`Draft.needs_person`, and only descriptions carry "TODO". `check_catalog` binds a catalog to a
database: tables/columns/types, the anchor, every event's rows, predicates, measures and
properties are compiled and EXPLAINed read-only.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml

# More distinct values than this and a text column is not an enumeration.
MAX_ENUM_VALUES = 250
# Foreign-key values sampled per candidate relation, and the share that must be in the key.
SAMPLE_ROWS = 20_000
MIN_CONTAINED = 0.9
# An event's customer column must be filled in at least this share of rows.
MIN_CUSTOMER_FILLED = 0.5
TODO = "TODO: describe"

_ENTITY_WORDS = {
    "customer",
    "customers",
    "cust",
    "client",
    "clients",
    "account",
    "accounts",
    "user",
    "users",
    "member",
    "members",
    "subscriber",
    "subscribers",
    "patient",
    "patients",
    "consumer",
    "consumers",
    "shopper",
    "shoppers",
    "buyer",
    "buyers",
    "person",
    "people",
    "guest",
    "guests",
}
_PERSON_COLUMNS = ("email", "birth", "gender", "first_name", "last_name", "salutation", "login")
# Words that mark the main relation / time column among several (a sale's sold date, not its
# ship date); earlier is better, matched as token prefixes.
_PREFERRED = (
    "sold",
    "sale",
    "order",
    "creat",
    "transact",
    "purchas",
    "bill",
    "return",
    "event",
    "start",
    "open",
    "ts",
    "time",
    "date",
    "first",
)
_INSTANCE_WORDS = ("ticket", "order", "invoice", "receipt", "transaction", "txn", "basket", "cart")
_MONEY_WORDS = (
    "net_paid",
    "amount",
    "amt",
    "total",
    "totalprice",
    "paid",
    "revenue",
    "spend",
    "net",
    "sales",
    "price",
    "value",
)
_NOT_MONEY = {
    "discount",
    "tax",
    "fee",
    "cost",
    "ship",
    "shipping",
    "coupon",
    "wholesale",
    "list",
    "profit",
    "loss",
    "credit",
    "charge",
    "inc",
    "supplycost",
    "acctbal",
}
_FREE_TEXT = {
    "email",
    "mail",
    "street",
    "desc",
    "description",
    "comment",
    "comments",
    "note",
    "notes",
    "url",
    "uri",
    "login",
    "phone",
    "password",
    "message",
    "body",
    "ip",
    "token",
    "hash",
    "address",
    "suite",
    "zip",
    "postcode",
    "html",
    "text",
}
_PERSON_NAME = {"first", "last", "full", "given", "family", "middle", "sur", "user", "display"}
_GENERIC_PROPERTY = {"name", "comment", "description", "code", "type", "id", "key", "value"}
_GEOGRAPHY = ("country", "nation", "region", "state", "province", "county", "city", "zip")
_ABBREVIATIONS = {
    "cust": "customer",
    "addr": "address",
    "qty": "quantity",
    "amt": "amount",
    "dep": "dependent",
    "num": "number",
    "mkt": "market",
    "dow": "day of week",
    "moy": "month of year",
    "dom": "day of month",
    "qoy": "quarter of year",
    "ext": "extended",
    "desc": "description",
    "emp": "employee",
    "mgr": "manager",
    "cnt": "count",
    "pct": "percent",
}
_GENDER_WORDS = {
    "male": ["male", "males", "men", "man"],
    "female": ["female", "females", "women", "woman"],
}
_GENDER_CODES = {"m": "male", "male": "male", "f": "female", "female": "female"}
_MARITAL_CODES = {
    "m": ("married", ["married"]),
    "s": ("single", ["single", "unmarried"]),
    "d": ("divorced", ["divorced"]),
    "w": ("widowed", ["widowed", "widows", "widowers"]),
    "u": ("unknown", []),
}
# ISO 3166 alpha-2 codes of the countries most customer tables hold: a drafted country column
# of codes gets readable labels ("DE" -> Germany) without a person typing them.
_COUNTRIES = {
    "US": "United States", "CA": "Canada", "MX": "Mexico", "BR": "Brazil", "AR": "Argentina",
    "GB": "United Kingdom", "UK": "United Kingdom", "IE": "Ireland", "FR": "France",
    "DE": "Germany", "NL": "Netherlands", "BE": "Belgium", "LU": "Luxembourg", "CH": "Switzerland",
    "AT": "Austria", "IT": "Italy", "ES": "Spain", "PT": "Portugal", "DK": "Denmark",
    "SE": "Sweden", "NO": "Norway", "FI": "Finland", "PL": "Poland", "CZ": "Czechia",
    "GR": "Greece", "TR": "Turkey", "RU": "Russia", "UA": "Ukraine", "IL": "Israel",
    "AE": "United Arab Emirates", "SA": "Saudi Arabia", "IN": "India", "CN": "China",
    "JP": "Japan", "KR": "South Korea", "SG": "Singapore", "HK": "Hong Kong", "TW": "Taiwan",
    "AU": "Australia", "NZ": "New Zealand", "ZA": "South Africa", "NG": "Nigeria",
    "EG": "Egypt", "KE": "Kenya", "CL": "Chile", "CO": "Colombia", "PE": "Peru",
    "ID": "Indonesia", "MY": "Malaysia", "TH": "Thailand", "PH": "Philippines", "VN": "Vietnam",
}  # fmt: skip

_US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York",
    "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon",
    "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia",
    "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip

# Endings of words that are not countable nouns: no plural for "opened" or "promotional".
_NOT_NOUNS = ("ed", "ing", "al", "ly", "ous", "ive", "ful", "less", "ish", "ary", "ible", "able")

_INT_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}


# --- profiles ----------------------------------------------------------------------------------


@dataclass
class ColumnProfile:
    name: str
    type: str
    rows: int
    filled: int = 0
    distinct: int = 0  # approximate, except for unique columns
    unique: bool = False
    avg_len: float | None = None
    values: list[tuple[str, int]] | None = None  # text/boolean columns with few distinct values

    @property
    def family(self) -> str:
        return _family(self.type)

    @property
    def missing(self) -> float:
        return 0.0 if not self.rows else 1 - self.filled / self.rows


@dataclass
class TableProfile:
    name: str
    rows: int
    columns: dict[str, ColumnProfile] = field(default_factory=dict)
    prefix: str = ""

    def stripped(self, column: str) -> str:
        """The column without the table's column prefix (ca_state -> state)."""
        if self.prefix and column.lower().startswith(self.prefix + "_"):
            return column[len(self.prefix) + 1 :]
        return column


@dataclass(frozen=True)
class Link:
    """A candidate many-to-one relation child.fk -> parent.key."""

    child: str
    column: str
    parent: str
    key: str
    score: int
    contained: float | None

    @property
    def text(self) -> str:
        return f"{self.child}.{self.column} -> {self.parent}.{self.key}"


@dataclass
class EventDraft:
    name: str
    table: str
    customer: str
    time: str
    instance: str | None = None
    amount: str | None = None
    amount_sql: tuple[str, str] | None = None  # (sql, type) when the amount is computed
    lines: str | None = None
    parent: str | None = None  # for lines: the event they roll up to
    fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_via: str | None = None  # the foreign key to the date dimension, when dated through one
    rows: int = 0


@dataclass
class Draft:
    """A drafted catalog and what was found, for the summary the command prints."""

    text: str
    entity: str
    key: str
    relations: list[str]
    alternatives: list[str]
    events: dict[str, EventDraft]
    anchor_sql: str
    anchor: date | None
    needs_person: list[str]
    seconds: float

    @property
    def todo_count(self) -> int:
        """TODO markers left in values (all of them in descriptions)."""
        return len(list(_todo_paths(yaml.safe_load(self.text), "")))


def _family(type_name: str) -> str:
    t = type_name.upper()
    if t in _INT_TYPES:
        return "int"
    if t.startswith(("DECIMAL", "NUMERIC", "DOUBLE", "FLOAT", "REAL")):
        return "num"
    if t.startswith(("VARCHAR", "TEXT", "CHAR", "STRING", "UUID", "ENUM")):
        return "text"
    if t == "DATE":
        return "date"
    if t.startswith("TIMESTAMP"):
        return "ts"
    if t.startswith("BOOL"):
        return "bool"
    return "other"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def live_schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """table -> column -> DuckDB type of the main schema."""
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' ORDER BY table_name, ordinal_position"
    ).fetchall()
    schema: dict[str, dict[str, str]] = {}
    for table, column, type_name in rows:
        schema.setdefault(table, {})[column] = type_name
    return schema


def _profile_table(
    con: duckdb.DuckDBPyConnection, table: str, columns: dict[str, str]
) -> TableProfile:
    tbl = _quote(table)
    exprs = ["count(*)"]
    for name, type_name in columns.items():
        col = _quote(name)
        exprs += [f"count({col})", f"approx_count_distinct({col})"]
        exprs.append(f"avg(length({col}))" if _family(type_name) == "text" else "NULL")
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {tbl}").fetchone()
    rows = int(row[0])
    profile = TableProfile(table, rows, prefix=_table_prefix(list(columns)))
    for i, (name, type_name) in enumerate(columns.items()):
        filled, distinct, avg_len = row[1 + 3 * i : 4 + 3 * i]
        profile.columns[name] = ColumnProfile(
            name, type_name, rows, int(filled), int(distinct or 0), avg_len=avg_len
        )
    _mark_unique(con, profile)
    _collect_values(con, profile)
    return profile


def _mark_unique(con: duckdb.DuckDBPyConnection, table: TableProfile) -> None:
    candidates = [
        c
        for c in table.columns.values()
        if table.rows > 0
        and c.filled == table.rows
        and c.family in ("int", "text", "date", "other")
        and c.distinct >= 0.9 * table.rows
    ]
    if not candidates:
        return
    exprs = ", ".join(f"count(DISTINCT {_quote(c.name)})" for c in candidates)
    row = con.execute(f"SELECT {exprs} FROM {_quote(table.name)}").fetchone()
    for column, distinct in zip(candidates, row, strict=True):
        column.distinct = int(distinct)
        column.unique = distinct == table.rows


def _collect_values(con: duckdb.DuckDBPyConnection, table: TableProfile) -> None:
    for c in table.columns.values():
        if c.family not in ("text", "bool") or c.filled == 0 or (c.unique and c.filled > 20):
            continue
        if c.distinct > MAX_ENUM_VALUES * 1.3:
            continue
        col = _quote(c.name)
        found = con.execute(
            f"SELECT {col}, count(*) FROM {_quote(table.name)} WHERE {col} IS NOT NULL "
            f"GROUP BY {col} ORDER BY 2 DESC, 1 LIMIT {MAX_ENUM_VALUES + 1}"
        ).fetchall()
        if len(found) <= MAX_ENUM_VALUES:
            c.values = [(_as_key(v), int(n)) for v, n in found]
            c.distinct = len(found)


def _table_prefix(columns: list[str]) -> str:
    """The short prefix nearly every column shares (TPC-style `ss_`, `c_`), or ''."""
    heads = [c.lower().split("_", 1)[0] for c in columns if "_" in c]
    if not heads:
        return ""
    head, count = Counter(heads).most_common(1)[0]
    if len(head) <= 4 and count >= max(2, 0.8 * len(columns)):
        return head
    return ""


def _as_key(value: Any) -> str:
    # Booleans become "true"/"false" so the YAML keys stay text, as the catalog expects.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- names -------------------------------------------------------------------------------------


def _tokens(text: str) -> list[str]:
    return [t for t in re.split(r"[^a-z0-9]+", text.lower()) if t]


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _plural(word: str) -> str:
    if word.endswith("s"):
        return word
    if word.endswith("y") and len(word) > 2 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    if word.endswith(("sh", "ch", "x", "z")):
        return word + "es"
    return word + "s"


def _words(name: str) -> str:
    """A column or table name as words, abbreviations spelled out (c_cust_flag -> cust flag)."""
    return " ".join(_ABBREVIATIONS.get(t, t) for t in _tokens(name))


def _key_stem(table: TableProfile, column: str) -> list[str] | None:
    """The tokens a key or foreign-key column names (`ss_customer_sk` -> [customer]), or None
    when the name is not key-like. A bare `id` names its own table (customers.id -> customer)."""
    if _family(table.columns[column].type) not in ("int", "text", "other"):
        return None
    name = table.stripped(column).lower()
    for suffix in ("_sk", "_key", "_id"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return _tokens(name[: -len(suffix)])
    if name.endswith("key") and len(name) > 3 and table.columns[column].family == "int":
        return _tokens(name[:-3])
    if name in ("id", "key", "sk"):
        return [_singular(t) for t in _tokens(table.name)][-1:]
    return None


def _name_score(fk: list[str], key: list[str], parent: TableProfile) -> int:
    """3: same stem; 2: the foreign key ends with the key's stem (sold_date ~ date); 1: an
    abbreviation (addr ~ address, cust ~ customer, cdemo ~ cd_ + demo); 0: no match."""
    if not fk or not key:
        return 0
    if fk == key:
        return 3
    if len(fk) > len(key) and fk[-len(key) :] == key:
        return 2
    if len(key) > 1 and fk[-len(key) : -1] != key[:-1]:
        return 0
    last, k = fk[-1], key[-1]
    if last.endswith(k) and parent.prefix and parent.prefix.startswith(last[: -len(k)]):
        return 1
    if len(last) >= 3 and k.startswith(last):
        return 1
    table_words = [_singular(t) for t in _tokens(parent.name)]
    if len(last) >= 3 and table_words and table_words[-1].startswith(last):
        return 1
    return 0


def _preference(link: Link, tables: dict[str, TableProfile]) -> tuple[Any, ...]:
    """Sort key among relations between the same two tables: plain name, then preferred words."""
    child = tables[link.child]
    stem = _key_stem(child, link.column) or []
    exact = stem == _key_stem(tables[link.parent], link.key)
    return (not exact, _word_rank(stem), len(link.column), link.column)


def _word_rank(tokens: Iterable[str]) -> int:
    tokens = list(tokens)
    ranks = [i for i, w in enumerate(_PREFERRED) for t in tokens if t.startswith(w)]
    return min(ranks, default=len(_PREFERRED))


# --- relations ---------------------------------------------------------------------------------


def _find_links(con: duckdb.DuckDBPyConnection, tables: dict[str, TableProfile]) -> list[Link]:
    """Every accepted candidate foreign key, at most one parent per column."""
    keys = [
        (t, c)
        for t in tables.values()
        for c in t.columns.values()
        if c.unique and _key_stem(t, c.name) is not None and _own_key(t, c.name)
    ]
    links = []
    for child in tables.values():
        for column in child.columns.values():
            stem = _key_stem(child, column.name)
            if stem is None:
                continue
            best: Link | None = None
            for parent, key in keys:
                if parent.name == child.name or key.family != column.family:
                    continue
                if column.unique and column.name != key.name and _own_key(child, column.name):
                    continue  # a table's own key is only a foreign key under the very same name
                if column.unique and not _one_to_one_parent(child, parent, key.name):
                    continue
                score = _name_score(stem, _key_stem(parent, key.name) or [], parent)
                if score == 0 and column.name != key.name:
                    continue
                score = max(score, 4 if column.name == key.name else 0)
                candidate = Link(child.name, column.name, parent.name, key.name, score, None)
                if best is not None and _rank(candidate) <= _rank(best):
                    continue
                contained = _contained(con, candidate)
                if contained is None and column.name != key.name:
                    continue  # no values to go by and the names differ: no evidence
                if contained is not None and contained < MIN_CONTAINED:
                    continue
                best = Link(child.name, column.name, parent.name, key.name, score, contained)
            if best is not None:
                links.append(best)
    return links


def _own_key(table: TableProfile, column: str) -> bool:
    """Whether a unique column is its table's own key: its name names the table
    (cd_demo_sk in customer_demographics, customer_id in customers) or it comes first."""
    if list(table.columns).index(column) == 0:
        return True
    table_words = [_singular(t) for t in _tokens(table.name)]
    for token in _key_stem(table, column) or []:
        for word in table_words:
            if len(token) >= 3 and (word.startswith(token) or token.startswith(word)):
                return True
    return False


def _rank(link: Link) -> tuple[int, int]:
    suffix = link.column.rsplit("_", 1)[-1] == link.key.rsplit("_", 1)[-1]
    return (link.score, int(suffix))


def _one_to_one_parent(child: TableProfile, parent: TableProfile, key: str) -> bool:
    """Two tables keyed by the same column: the smaller one (or the one not named by the key)
    is the child."""
    if child.rows != parent.rows:
        return child.rows < parent.rows
    stem = _key_stem(parent, key) or []
    return [_singular(t) for t in _tokens(parent.name)][-1:] == stem[-1:]


def _contained(con: duckdb.DuckDBPyConnection, link: Link) -> float | None:
    """Share of sampled distinct foreign-key values found in the key (None: no values)."""
    fk, key = _quote(link.column), _quote(link.key)
    total, found = con.execute(
        f"SELECT count(*), count(p.k) FROM (SELECT DISTINCT v FROM (SELECT {fk} AS v "
        f"FROM {_quote(link.child)} USING SAMPLE reservoir({SAMPLE_ROWS} ROWS) REPEATABLE (42)) s "
        f"WHERE v IS NOT NULL) f LEFT JOIN (SELECT {key} AS k FROM {_quote(link.parent)}) p "
        "ON f.v = p.k"
    ).fetchone()
    return None if not total else found / total


def _one_per_pair(
    links: list[Link], tables: dict[str, TableProfile]
) -> tuple[list[Link], dict[Link, list[Link]]]:
    """Keep one relation per (child, parent) pair; the others hang off the kept one."""
    groups: dict[tuple[str, str], list[Link]] = {}
    for link in links:
        groups.setdefault((link.child, link.parent), []).append(link)
    kept, others = [], {}
    for group in groups.values():
        group.sort(key=lambda link: _preference(link, tables))
        kept.append(group[0])
        if len(group) > 1:
            others[group[0]] = group[1:]
    return kept, others


# --- the customer entity -----------------------------------------------------------------------


def _date_dimensions(tables: dict[str, TableProfile], links: list[Link]) -> dict[str, str]:
    """table -> its unique DATE column, for referenced calendar tables (TPC-DS date_dim)."""
    referenced = {link.parent for link in links}
    dims = {}
    for t in tables.values():
        if t.name not in referenced:
            continue
        dates = [c for c in t.columns.values() if c.family == "date" and c.unique]
        if not dates:
            continue
        words = set(_tokens(t.name))
        calendar = sum(
            1
            for c in t.columns
            if set(_tokens(t.stripped(c))) & {"year", "month", "moy", "dow", "quarter", "week"}
        )
        if words & {"date", "dates", "day", "days", "calendar", "dim", "time"} or calendar >= 2:
            dims[t.name] = dates[0].name
    return dims


def _pick_entity(
    tables: dict[str, TableProfile], links: list[Link], dims: dict[str, str]
) -> tuple[str, str]:
    referenced: dict[tuple[str, str], set[str]] = {}
    for link in links:
        referenced.setdefault((link.parent, link.key), set()).add(link.child)
    best: tuple[float, str, str] | None = None
    for t in tables.values():
        if t.name in dims:
            continue
        keys = [c for c in t.columns.values() if c.unique and _key_stem(t, c.name) is not None]
        if not keys:
            continue
        key = max(keys, key=lambda c: (len(referenced.get((t.name, c.name), ())), -_col_pos(t, c)))
        refs = len(referenced.get((t.name, key.name), ()))
        words = [_singular(w) for w in _tokens(t.name)]
        stem = _key_stem(t, key.name) or []
        score = refs
        if len(words) == 1 and words[0] in _ENTITY_WORDS:
            score += 50
        elif words and words[-1] in _ENTITY_WORDS:
            score += 30
        elif set(words) & _ENTITY_WORDS:
            score += 10
        if set(stem) & _ENTITY_WORDS:
            score += 20
        score += 5 * any(p in c.lower() for c in t.columns for p in _PERSON_COLUMNS)
        # Tables reaching it in two many-to-one hops (events through users to accounts) count
        # too, and a table that itself belongs to another customer-like table (users of an
        # account) is that table's detail, not the customer.
        score += len(_reaching(t.name, links) - {t.name})
        parents = {link.parent for link in links if link.child == t.name}
        if any(set(_singular(w) for w in _tokens(p)) & _ENTITY_WORDS for p in parents):
            score -= 25
        candidate = (score, t.name, key.name)
        if best is None or candidate[0] > best[0]:
            best = candidate
    if best is None:
        raise ValueError("no table has a unique key column: cannot choose the customer table")
    return best[1], best[2]


def _reaching(table: str, links: list[Link], hops: int = 2) -> set[str]:
    """Tables with a many-to-one path of at most `hops` to `table`."""
    found, frontier = set(), {table}
    for _ in range(hops):
        frontier = {link.child for link in links if link.parent in frontier} - found
        found |= frontier
    return found


def _col_pos(table: TableProfile, column: ColumnProfile) -> int:
    return list(table.columns).index(column.name)


# --- events ------------------------------------------------------------------------------------


def _own_time(table: TableProfile) -> str | None:
    candidates = [c for c in table.columns.values() if c.family in ("date", "ts") and c.filled]
    candidates = [
        c
        for c in candidates
        if not set(_tokens(table.stripped(c.name)))
        & {"birth", "dob", "end", "closed", "expiry", "expires", "rec"}
    ]
    if not candidates:
        return None
    best = min(
        candidates,
        key=lambda c: (_word_rank(_tokens(table.stripped(c.name))), c.family != "ts", c.name),
    )
    return best.name


def _instance(table: TableProfile, exclude: set[str]) -> str | None:
    """A repeating column that names one event when rows are finer (a ticket number)."""
    found = []
    for c in table.columns.values():
        if c.name in exclude or c.unique or c.family not in ("int", "text") or not c.filled:
            continue
        words = _tokens(table.stripped(c.name))
        if not any(w.startswith(i) for w in words for i in _INSTANCE_WORDS):
            continue
        marked = any(w.endswith(("number", "num", "no", "nr", "id", "key", "sk")) for w in words)
        if not (marked or c.family == "int"):
            continue  # an order's priority or status is not an order
        if c.distinct >= 0.95 * c.filled or c.distinct < 0.02 * c.filled:
            continue
        found.append((_word_rank(words), c.name))
    return min(found)[1] if found else None


def _amount(table: TableProfile) -> tuple[str | None, tuple[str, str] | None]:
    """The money column: a DECIMAL/DOUBLE named like amount / net paid / total / price."""
    found = []
    for c in table.columns.values():
        if c.family != "num":
            continue
        name = table.stripped(c.name).lower()
        words = set(_tokens(name))
        if words & _NOT_MONEY:
            continue
        ranks = [i for i, w in enumerate(_MONEY_WORDS) if w in name]
        if ranks:
            found.append((min(ranks), len(name), c.name))
    if not found:
        return None, None
    column = min(found)[2]
    if "unit" in _tokens(table.stripped(column)):
        quantity = next(
            (
                c.name
                for c in table.columns.values()
                if c.family in ("int", "num") and set(_tokens(c.name)) & {"quantity", "qty"}
            ),
            None,
        )
        if quantity:
            return None, (f"{table.name}.{quantity} * {table.name}.{column}", "")
    return column, None


def _sales_like(events: dict[str, EventDraft]) -> list[EventDraft]:
    """Top-level events whose table is named like sales, orders or bookings (not returns)."""
    buying = {"sale", "order", "transaction", "purchase", "booking", "invoice"}
    found = []
    for e in events.values():
        words = {_singular(t) for t in _tokens(e.table)}
        if e.parent is None and words & buying and "return" not in words:
            found.append(e)
    return found


def _event_noun(table: str) -> tuple[str, str]:
    words = _tokens(table)
    if not words:
        return table, table
    plural = " ".join([*words[:-1], _plural(words[-1])])
    singular = " ".join([*words[:-1], _singular(words[-1])])
    return singular, plural


# --- values ------------------------------------------------------------------------------------


def _is_enumeration(table: TableProfile, c: ColumnProfile) -> bool:
    if c.values is None:
        return False
    if c.family == "bool":
        return True
    words = set(_tokens(table.stripped(c.name)))
    if words & _FREE_TEXT or _key_stem(table, c.name) is not None:
        return False
    if "name" in words and (words & _PERSON_NAME or words == {"name"} or words == {"surname"}):
        return False
    if (c.avg_len or 0) > 30:
        return False
    return not (c.filled > 20 and c.distinct > 0.5 * c.filled)


def _flag_words(table: TableProfile, column: str) -> str:
    words = [t for t in _tokens(table.stripped(column)) if t not in ("is", "has", "flag", "ind")]
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def _value_entries(table: TableProfile, c: ColumnProfile) -> dict[str, dict[str, Any]]:
    stored = [v for v, _ in c.values or []]
    lowered = {v.lower() for v in stored}
    words = set(_tokens(table.stripped(c.name)))
    entries: dict[str, dict[str, Any]] = {}
    flag = _flag_words(table, c.name)
    yes_no = lowered <= {"y", "n", "yes", "no"} or c.family == "bool"
    gender = bool(words & {"gender", "sex"})
    marital = bool(words & {"marital"}) and lowered <= set(_MARITAL_CODES)
    states = "state" in words and sum(v in _US_STATES for v in stored) >= 0.9 * len(stored)
    places = bool(words & {*_GEOGRAPHY, "birth", "location"})
    countries = "country" in words and sum(v in _COUNTRIES for v in stored) >= 0.9 * len(stored)
    for value in sorted(stored):
        low = value.lower()
        entry: dict[str, Any] = {}
        synonyms: list[str] = []
        if yes_no:
            positive = low in ("y", "yes", "true")
            if flag:
                synonyms = [flag] if positive else [f"not {flag}"]
            entry["label"] = "yes" if positive else "no"
            if c.family == "bool":
                entry.pop("label")
        elif gender and low in _GENDER_CODES:
            meaning = _GENDER_CODES[low]
            entry["label"] = meaning
            synonyms = list(_GENDER_WORDS[meaning])
        elif marital:
            label, more = _MARITAL_CODES[low]
            entry["label"] = label
            synonyms = list(more)
        elif states and value in _US_STATES:
            entry["label"] = _US_STATES[value]
            synonyms = [_US_STATES[value].lower()]
        elif countries and value in _COUNTRIES:
            entry["label"] = _COUNTRIES[value]
            synonyms = [_COUNTRIES[value].lower()]
        else:
            synonyms = _value_synonyms(value, number=not places)
        label = str(entry.get("label", "")).lower()
        synonyms = [s for s in dict.fromkeys(synonyms) if s and s not in (low, label)]
        if synonyms:
            entry["synonyms"] = synonyms
        entries[value] = entry
    return entries


def _value_synonyms(value: str, number: bool = True) -> list[str]:
    """Phrases from the value itself: spaces for underscores, singular/plural (not for places)."""
    text = re.sub(r"\s+", " ", value.replace("_", " ")).strip().lower()
    if not text or not re.search(r"[a-z]", text):
        return []
    out = [text]
    last = text.rsplit(" ", 1)[-1]
    adjective = last.endswith(_NOT_NOUNS)
    if number and last.isalpha() and len(last) >= 4 and not adjective:
        head = text[: len(text) - len(last)]
        other = _singular(last) if last.endswith("s") else _plural(last)
        if other != last:
            out.append(head + other)
    return out


# --- the draft ---------------------------------------------------------------------------------


def draft_catalog(db_path: Path | str) -> str:
    """Introspect a DuckDB file (opened read-only) into draft YAML that load_catalog accepts."""
    return draft(db_path).text


def draft(db_path: Path | str) -> Draft:
    """Introspect a DuckDB file (read-only) into a version-2 catalog draft and a summary."""
    started = time.perf_counter()
    with duckdb.connect(str(db_path), read_only=True) as con:
        schema = live_schema(con)
        tables = {t: _profile_table(con, t, schema[t]) for t in _table_names(con) if t in schema}
        links = _find_links(con, tables)
        return _Drafter(con, Path(db_path), tables, links, started).build()


class _Drafter:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        path: Path,
        tables: dict[str, TableProfile],
        links: list[Link],
        started: float,
    ) -> None:
        self.con = con
        self.path = path
        self.tables = tables
        self.started = started
        self.kept, self.others = _one_per_pair(links, tables)
        self.kept.sort(key=lambda link: (list(tables).index(link.child), link.column))
        self.dims = _date_dimensions(tables, self.kept)
        self.entity, self.key = _pick_entity(tables, self.kept, self.dims)
        self.parents: dict[str, list[Link]] = {}
        for link in self.kept:
            self.parents.setdefault(link.child, []).append(link)
        self.needs: list[str] = []

    # graph helpers

    def up(self, table: str, depth: int) -> list[tuple[str, list[Link]]]:
        """Tables reachable many-to-one from `table` within `depth` hops, nearest first."""
        out: list[tuple[str, list[Link]]] = []
        seen = {table}
        frontier: list[tuple[str, list[Link]]] = [(table, [])]
        for _ in range(depth):
            nxt = []
            for name, path in frontier:
                for link in self.parents.get(name, []):
                    if link.parent not in seen:
                        seen.add(link.parent)
                        nxt.append((link.parent, [*path, link]))
            out += nxt
            frontier = nxt
        return out

    def link(self, child: str, parent: str) -> Link | None:
        return next((lk for lk in self.parents.get(child, []) if lk.parent == parent), None)

    # pieces

    def events(self) -> dict[str, EventDraft]:
        attribute_tables = {t for t, _ in self.up(self.entity, 3)}
        events: dict[str, EventDraft] = {}
        for t in self.tables.values():
            if t.name == self.entity or t.name in self.dims or t.name in attribute_tables:
                continue
            to_customer = self.link(t.name, self.entity)
            if to_customer is None:
                continue
            if t.rows and t.columns[to_customer.column].filled < MIN_CUSTOMER_FILLED * t.rows:
                self.needs.append(
                    f"{t.name} names the customer ({to_customer.column}) in only "
                    f"{t.columns[to_customer.column].filled} of {t.rows} rows: not drafted "
                    "as an event"
                )
                continue
            own = _own_time(t)
            dim = next((lk for lk in self.parents.get(t.name, []) if lk.parent in self.dims), None)
            if own is not None:
                when, via = own, None
            elif dim is not None:
                when, via = f"{dim.parent}.{self.dims[dim.parent]}", dim.column
            else:
                continue
            event = EventDraft(t.name, t.name, to_customer.column, when, time_via=via, rows=t.rows)
            exclude = {lk.column for lk in self.parents.get(t.name, [])}
            event.instance = _instance(t, exclude)
            event.amount, event.amount_sql = _amount(t)
            events[t.name] = event
        # Lines: rows that reach the customer only through an event (an order's items).
        for t in self.tables.values():
            if t.name in events or t.name == self.entity or t.name in self.dims:
                continue
            if t.name in attribute_tables:
                continue
            own = _own_time(t)
            for link in self.parents.get(t.name, []):
                parent = events.get(link.parent)
                if parent is None or parent.parent is not None or parent.lines is not None:
                    continue
                if own is not None and parent.amount is None and parent.amount_sql is None:
                    # Rows with a time of their own under a parent without money (a user's
                    # usage events) are events of their own, reaching the customer through it.
                    event = EventDraft(
                        t.name, t.name, f"{parent.table}.{parent.customer}", own, rows=t.rows
                    )
                    exclude = {lk.column for lk in self.parents.get(t.name, [])}
                    event.instance = _instance(t, exclude)
                    event.amount, event.amount_sql = _amount(t)
                    events[t.name] = event
                    break
                if self.tables[parent.table].columns[link.key].unique is False:
                    continue
                when = parent.time if "." in parent.time else f"{parent.table}.{parent.time}"
                lines = EventDraft(
                    t.name,
                    t.name,
                    f"{parent.table}.{parent.customer}",
                    when,
                    instance=link.column,
                    parent=parent.name,
                    rows=t.rows,
                )
                lines.amount, lines.amount_sql = _amount(t)
                has_amount = lines.amount or lines.amount_sql
                if (parent.amount or parent.amount_sql) and not has_amount:
                    continue
                parent.lines = t.name
                events[t.name] = lines
                break
        for event in events.values():
            self.event_fields(event, events)
        return events

    def event_fields(self, event: EventDraft, events: dict[str, EventDraft]) -> None:
        """Enumerated columns of the event's other neighbours (an item's category)."""
        skip = {self.entity, *self.dims, *events, *(t for t, _ in self.up(self.entity, 3))}
        sources = [event.table]
        if event.lines:
            sources.append(events[event.lines].table)
        own = set(self.tables[event.table].columns)
        taken = set(own)
        for source in sources:
            for table, _ in self.up(source, 1):
                if table in skip:
                    continue
                self.add_fields(event, self.tables[table], taken)
        if event.parent is not None:
            parent = self.tables[events[event.parent].table]
            for c in parent.columns.values():
                if _is_enumeration(parent, c) and c.name not in taken:
                    event.fields[c.name] = {"column": f"{parent.name}.{c.name}"}
                    taken.add(c.name)
        if event.amount_sql is not None:
            sql, _ = event.amount_sql
            name = "line_amount" if "line_amount" not in taken else f"{event.table}_line_amount"
            described = self.con.execute(f"DESCRIBE SELECT {sql} AS v FROM {event.table}")
            event.fields[name] = {"sql": sql, "type": described.fetchone()[1]}
            event.amount = name

    def add_fields(self, event: EventDraft, table: TableProfile, taken: set[str]) -> None:
        for c in table.columns.values():
            if not _is_enumeration(table, c):
                continue
            for name in (table.stripped(c.name), c.name, f"{table.name}_{c.name}"):
                if name not in taken:
                    event.fields[name] = {"column": f"{table.name}.{c.name}"}
                    taken.add(name)
                    break

    def properties(self) -> dict[str, dict[str, Any]]:
        taken = set(self.tables[self.entity].columns)
        props: dict[str, dict[str, Any]] = {}
        for table_name, _ in self.up(self.entity, 3):
            if table_name in self.dims:
                continue
            table = self.tables[table_name]
            keys = {lk.column for lk in self.parents.get(table_name, [])}
            for c in table.columns.values():
                if c.name in keys or _key_stem(table, c.name) is not None:
                    continue
                words = set(_tokens(table.stripped(c.name)))
                free = words & (_FREE_TEXT - {"zip", "postcode"})
                if c.family == "text" and not _is_enumeration(table, c) and free:
                    continue
                base = table.stripped(c.name)
                names = [base, c.name, f"{table_name}_{c.name}"]
                if base.lower() in _GENERIC_PROPERTY or base.lower() in (
                    "lower_bound",
                    "upper_bound",
                ):
                    stem = "_".join(_singular(w) for w in _tokens(table_name))
                    names.insert(0, f"{stem}_{base}")
                name = next(n for n in names if n not in taken)
                taken.add(name)
                props[name] = {"column": f"{table_name}.{c.name}"}
        return props

    def anchor(self, events: dict[str, EventDraft]) -> str:
        """The latest sale (returns trail sales), else the latest event of any kind."""
        parts = []
        chosen = _sales_like(events) or [e for e in events.values() if e.parent is None]
        ranked = sorted(chosen, key=lambda e: (-e.rows, e.name))
        for e in ranked:
            if e.time_via is not None:
                dim, column = e.time.split(".")
                link = self.link(e.table, dim)
                assert link is not None
                parts.append(
                    f"SELECT CAST(max({e.time}) AS DATE) AS d FROM {e.table} "
                    f"JOIN {dim} ON {e.table}.{link.column} = {dim}.{link.key}"
                )
            else:
                parts.append(f"SELECT CAST(max({e.table}.{e.time}) AS DATE) AS d FROM {e.table}")
        if len(parts) == 1:
            return parts[0].replace(" AS d", "")
        if parts:
            union = "\n  UNION ALL ".join(parts)
            return f"SELECT max(d) FROM (\n  {union}\n)"
        dated = [
            (t.rows, t.name, c.name)
            for t in self.tables.values()
            for c in t.columns.values()
            if c.family in ("date", "ts") and c.filled
        ]
        if dated:
            _, table, column = max(dated)
            return f"SELECT CAST(max({column}) AS DATE) FROM {table}"
        return ""

    # the document

    def build(self) -> Draft:
        events = self.events()
        props = self.properties()
        anchor_sql = self.anchor(events)
        measures = self.measures(events)
        roles = self.roles(events, measures, props)
        self.notes(events)
        doc_events = {name: self.event_entry(e, events) for name, e in events.items()}
        name = re.sub(r"\W+", "_", self.path.stem) or "data"
        dataset = {
            "name": name,
            "anchor": {"sql": anchor_sql} if anchor_sql else "today",
            "description": (
                f"{TODO} the data. Drafted from {self.path.name}: {len(self.tables)} tables, "
                f"customers in {self.entity} (key {self.key}); "
                "the anchor is the latest sale (or event)."
            ),
        }
        entity = {"table": self.entity, "key": self.key, "noun": "customer", "plural": "customers"}
        tables = {t.name: self.table_entry(t, events) for t in self.tables.values()}
        body = [
            "version: 2\n",
            _dataset_block(dataset),
            _dump({"entity": entity}),
            self.relations_block(),
            _dump({"tables": tables}),
        ]
        for key, value in (
            ("properties", props),
            ("events", doc_events),
            ("measures", measures),
            ("roles", roles),
        ):
            body.append(_dump({key: value}) if value else _dump({key: {}}))
        header = self.header()
        text = header + "\n".join(body)
        anchor = self.con.execute(anchor_sql).fetchone()[0] if anchor_sql else None
        seconds = time.perf_counter() - self.started
        return Draft(
            text=text,
            entity=self.entity,
            key=self.key,
            relations=[lk.text for lk in self.kept],
            alternatives=[o.text for others in self.others.values() for o in others],
            events=events,
            anchor_sql=anchor_sql,
            anchor=anchor if isinstance(anchor, date) else None,
            needs_person=list(self.needs),
            seconds=seconds,
        )

    def header(self) -> str:
        lines = [
            f"# Draft catalog (version 2) generated by `segment-assistant catalog` from "
            f"{self.path.name}.",
            "# Shape: see the header of schemas/retail.yaml. Everything required is filled in from",
            "# the data; descriptions marked TODO and the list below need a person. Check it with",
            f"#   segment-assistant catalog check <this file> --db {self.path.name}",
            "#",
            "# Needs a person:",
        ]
        lines += [f"#   - {note}" for note in self.needs] or ["#   (nothing found)"]
        return "\n".join(lines) + "\n\n"

    def relations_block(self) -> str:
        if not self.kept:
            return "relations: []\n"
        lines = ["relations:"]
        for link in self.kept:
            lines.append(f"  - {link.text}")
            for other in self.others.get(link, []):
                lines.append(
                    f"  # also {other.text} (not declared: one relation per pair of tables)"
                )
        return "\n".join(lines) + "\n"

    def table_entry(self, table: TableProfile, events: dict[str, EventDraft]) -> dict[str, Any]:
        key = self.key if table.name == self.entity else self.table_key(table)
        entry: dict[str, Any] = {"description": f"{TODO} ({table.rows} rows)."}
        event = events.get(table.name)
        if key:
            entry["grain"] = f"one row per {key}"
        elif event is not None and event.instance:
            entry["grain"] = f"several rows per {event.instance}"
        entry["key"] = key or []
        if table.name == self.entity:
            entry["synonyms"] = ["customers", "people", "clients", "buyers"]
        fks = {lk.column: lk for lk in self.parents.get(table.name, [])}
        alts = {o.column: o for lk in self.kept for o in self.others.get(lk, [])}
        alts = {c: o for c, o in alts.items() if o.child == table.name}
        entry["columns"] = {
            c.name: self.column_entry(table, c, key, fks, alts) for c in table.columns.values()
        }
        return entry

    def table_key(self, table: TableProfile) -> str | None:
        referenced = {lk.key for lk in self.kept if lk.parent == table.name}
        keys = [c.name for c in table.columns.values() if c.unique and c.name in referenced]
        keys = keys or [
            c.name
            for c in table.columns.values()
            if c.unique and c.family in ("int", "text") and _key_stem(table, c.name) is not None
        ]
        return keys[0] if keys else None

    def column_entry(
        self,
        table: TableProfile,
        c: ColumnProfile,
        key: str | None,
        fks: dict[str, Link],
        alts: dict[str, Link],
    ) -> dict[str, Any]:
        if c.name == key:
            text = f"Unique key of {table.name}."
        elif c.name in fks:
            text = f"Refers to {fks[c.name].parent}.{fks[c.name].key}."
        elif c.name in alts:
            text = f"Refers to {alts[c.name].parent}.{alts[c.name].key}; not a declared relation."
        else:
            words = _words(table.stripped(c.name))
            text = (words[:1].upper() + words[1:]) + "."
        if c.missing >= 0.005 and c.name != key:
            text = text[:-1] + f" ({c.missing:.0%} missing)."
        entry: dict[str, Any] = {"type": c.type, "description": text}
        if _is_enumeration(table, c):
            entry["values"] = _value_entries(table, c)
        return entry

    def event_entry(self, e: EventDraft, events: dict[str, EventDraft]) -> dict[str, Any]:
        if e.parent is not None:
            parent = events[e.parent]
            noun, plural = _event_noun(parent.table)
            what = f"Lines of {parent.name} ({e.table} rows, one {e.instance} per {noun})"
        else:
            noun, plural = _event_noun(e.table)
            what = f"Rows of {e.table} by customer {e.customer}"
        dated = f"dated by {e.time}" + (f" via {e.time_via}" if e.time_via else "")
        entry: dict[str, Any] = {
            "table": e.table,
            "description": f"{TODO} what one {noun} is and which rows count. {what}, {dated}.",
            "noun": noun,
            "plural": plural,
            "customer": e.customer,
            "time": e.time,
        }
        if e.instance:
            entry["instance"] = e.instance
        if e.amount:
            entry["amount"] = e.amount
        if e.lines:
            entry["lines"] = e.lines
        if e.fields:
            entry["fields"] = e.fields
        return entry

    def measures(self, events: dict[str, EventDraft]) -> dict[str, dict[str, Any]]:
        measures: dict[str, dict[str, Any]] = {}
        for e in events.values():
            if e.parent is not None:
                continue
            noun, plural = _event_noun(e.table)
            counted = f"one per {e.instance}" if e.instance else "one per row"
            measures[e.name] = {
                "description": f"Number of {plural} ({counted}).",
                "event": e.name,
                "aggregate": "count",
                "unit": "count",
                "phrases": [plural, noun],
            }
            if e.amount:
                words = _words(self.tables[e.table].stripped(e.amount))
                name = f"{e.name}_{self.tables[e.table].stripped(e.amount)}"
                measures[name] = {
                    "description": f"Sum of {e.amount} over {plural}.",
                    "event": e.name,
                    "aggregate": "sum",
                    "field": e.amount,
                    "unit": "currency",
                    "phrases": [f"{plural} {words}", f"{words} of {plural}"],
                }
        return measures

    def roles(
        self,
        events: dict[str, EventDraft],
        measures: dict[str, dict[str, Any]],
        props: dict[str, dict[str, Any]],
    ) -> dict[str, Any]:
        roles: dict[str, Any] = {}
        candidates = _sales_like(events)
        if candidates:
            main = max(candidates, key=lambda e: (e.rows, e.name))
            roles["purchases"] = main.name
            revenue = next(
                (n for n, m in measures.items() if m["event"] == main.name and m.get("field")),
                None,
            )
            if revenue:
                roles["revenue"] = revenue
            self.needs.append(
                f"roles: purchases = {main.name}"
                + (f", revenue = {revenue}" if revenue else "")
                + " are guesses (the largest sales-like event); confirm or change them"
            )
        entity = self.tables[self.entity]
        signup = [
            c.name
            for c in entity.columns.values()
            if c.family in ("date", "ts")
            and set(_tokens(entity.stripped(c.name)))
            & {"signup", "created", "registered", "joined", "registration", "since"}
        ]
        if signup:
            roles["signup"] = signup[0]
        names = {**{c: c for c in entity.columns}, **{p: p for p in props}}
        geography = []
        for level in _GEOGRAPHY:
            match = next(
                (
                    n
                    for n in names
                    if (entity.stripped(n) if n in entity.columns else n).lower()
                    in (level, f"{level}_name")
                ),
                None,
            )
            if match:
                geography.append(match)
        if geography:
            roles["geography"] = geography
        return roles

    def notes(self, events: dict[str, EventDraft]) -> None:
        for e in events.values():
            table = self.tables[e.table]
            for c in table.columns.values():
                words = set(_tokens(table.stripped(c.name)))
                if c.values and words & {"status", "state", "type", "kind"} and c.family == "text":
                    if "state" in words and not words & {"status"}:
                        continue
                    shown = ", ".join(v for v, _ in c.values[:6])
                    self.needs.append(
                        f"events.{e.name}: which rows count? {e.table}.{c.name} has {shown}: "
                        "add a `where` (e.g. completed only) or separate events"
                    )
        if events:
            self.needs.append(
                "events: add verbs (words for doing each one) and predicates; check nouns"
            )
        else:
            self.needs.append(
                f"no events found: no table names {self.entity}.{self.key} and has a date"
            )
        undeclared = [f"{o.child}.{o.column}" for others in self.others.values() for o in others]
        if undeclared:
            shown = ", ".join(undeclared[:6]) + (" ..." if len(undeclared) > 6 else "")
            self.needs.append(
                f"{len(undeclared)} more foreign keys are not declared (one relation per pair of "
                f"tables; see the comments under relations): {shown}"
            )
        codes = []
        for t in self.tables.values():
            for c in t.columns.values():
                if not _is_enumeration(t, c) or c.family == "bool":
                    continue
                entries = _value_entries(t, c)
                if any(len(v) <= 2 and "label" not in entry for v, entry in entries.items()):
                    codes.append(f"{t.name}.{c.name}")
        if codes:
            self.needs.append("label short codes: " + ", ".join(codes))
        metadata = [
            f"{t.name}.{c.name}"
            for t in self.tables.values()
            if t.rows == 1
            for c in t.columns.values()
            if c.family == "date"
        ]
        if metadata:
            self.needs.append(
                f"anchor: {metadata[0]} (a one-row table) may be the intended today; the draft "
                "uses the latest sale / event date"
            )


def _dataset_block(dataset: dict[str, Any]) -> str:
    """The dataset section by hand, so the anchor query reads as a block of SQL."""
    anchor = dataset["anchor"]
    lines = ["dataset:", f"  name: {_scalar(dataset['name'])}"]
    if isinstance(anchor, dict):
        lines += ["  anchor:", "    sql: |-"]
        lines += [f"      {line}" for line in anchor["sql"].splitlines()]
    else:
        lines.append(f"  anchor: {anchor}")
    lines.append(f"  description: {_scalar(dataset['description'])}")
    return "\n".join(lines) + "\n"


def _scalar(value: str) -> str:
    return yaml.safe_dump(value, width=10_000).removesuffix("\n...\n").strip()


class _Dumper(yaml.SafeDumper):
    """Block style, except small mappings of scalars (a column, a value) on one line."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    simple = all(
        not isinstance(v, dict)
        and (not isinstance(v, list) or all(not isinstance(i, dict | list) for i in v))
        for v in data.values()
    )
    flow = simple and len(str(data)) <= 110 and bool(data)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(not isinstance(i, dict | list) for i in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def _dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# --- check -------------------------------------------------------------------------------------


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    needs_person: list[str] = field(default_factory=list)
    anchor: date | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def check_catalog(catalog_path: Path | str, db_path: Path | str) -> CheckReport:
    """Bind every fragment of a catalog to a database (read-only); see the module docstring."""
    from assistant.catalog import CatalogError, load_catalog

    report = CheckReport()
    text = Path(catalog_path).read_text(encoding="utf-8") if Path(catalog_path).exists() else ""
    report.needs_person = _needs_person(text)
    try:
        catalog = load_catalog(catalog_path)
    except CatalogError as error:
        report.errors += str(error).splitlines()
        return report
    with duckdb.connect(str(db_path), read_only=True) as con:
        report.errors += catalog.check_against(live_schema(con))
        if report.errors:
            return report
        _check_fragments(con, catalog, report)
    return report


def _check_fragments(con: duckdb.DuckDBPyConnection, catalog: Any, report: CheckReport) -> None:
    from assistant.compiler import compile_spec, sql_literal
    from assistant.datagraph import EventRows
    from assistant.spec import Activity, ActivityCondition, SegmentSpec, ShareOf

    def explain(what: str, sql: str) -> bool:
        try:
            con.execute(f"EXPLAIN {sql}").fetchall()
        except duckdb.Error as error:
            report.errors.append(f"{what}: {str(error).splitlines()[0]}")
            return False
        report.checked.append(what)
        return True

    try:
        value = con.execute(f"SELECT {catalog.anchor_sql}").fetchone()[0]
        report.anchor = value if isinstance(value, date) else None
        report.checked.append("dataset.anchor")
    except duckdb.Error as error:
        report.errors.append(f"dataset.anchor: {str(error).splitlines()[0]}")
    as_of = report.anchor or date.today()
    entity = catalog.entity.table
    graph = catalog.graph
    for name in catalog.property_names():
        if name in catalog.derived:
            sql = catalog.fill(catalog.derived[name].sql, as_of=sql_literal(as_of))
            explain(f"derived.{name}", f"SELECT {sql} FROM {entity}")
        elif name in catalog.properties:
            sql = graph.property_sql(catalog.properties[name].column)
            explain(f"properties.{name}", f"SELECT {sql} FROM {entity}")
    for name, event in catalog.events.items():
        try:
            rows = EventRows(graph, name)
            sql = rows.rows_sql({f: rows.field(f) for f in _aggregatable(graph, name)})
        except Exception as error:  # noqa: BLE001 - report anything the graph refuses
            report.errors.append(f"events.{name}: {error}")
            continue
        explain(f"events.{name}", catalog.fill(sql))
        for pname, predicate in event.predicates.items():
            try:
                rows = EventRows(graph, name)
                rows.add_condition(predicate.sql)
                sql = rows.rows_sql()
            except Exception as error:  # noqa: BLE001
                report.errors.append(f"events.{name}.predicates.{pname}: {error}")
                continue
            explain(f"events.{name}.predicates.{pname}", catalog.fill(sql))
    for name, m in catalog.measures.items():
        try:
            activity = Activity(source=m.event, filters=m.filters, predicates=m.predicates)
            share = ShareOf(filters=m.filters, predicates=m.predicates)
            condition = ActivityCondition(
                activity=activity if m.aggregate != "share" else Activity(source=m.event),
                measure=m.aggregate,
                field=m.field if m.aggregate not in ("count", "days_since_last", "share") else None,
                share_of=share if m.aggregate == "share" else None,
            )
            compiled = compile_spec(SegmentSpec(conditions=[condition]), as_of, catalog)
        except Exception as error:  # noqa: BLE001
            report.errors.append(f"measures.{name}: {error}")
            continue
        explain(f"measures.{name}", compiled.sql)


def _aggregatable(graph: Any, event: str) -> list[str]:
    """Declared fields that are not on the event's lines (those only filter)."""
    out = []
    for name, ref in graph.event_fields(event).items():
        if name in graph.event(event).fields and not graph.needs_lines(event, ref.tables):
            out.append(name)
    return out


def _needs_person(text: str) -> list[str]:
    """The header's "Needs a person" items still present, then every TODO by its place."""
    items: list[str] = []
    lines = text.splitlines()
    if "# Needs a person:" in lines:
        for line in lines[lines.index("# Needs a person:") + 1 :]:
            if not line.startswith("#   - "):
                break
            items.append(line.removeprefix("#   - "))
    try:
        data = yaml.safe_load(text) if text else None
    except yaml.YAMLError:
        data = None
    todos = list(_todo_paths(data, ""))
    if todos:
        shown = ", ".join(todos[:8]) + (f" and {len(todos) - 8} more" if len(todos) > 8 else "")
        items.append(f"{len(todos)} TODO: {shown}")
    return items


def _todo_paths(data: Any, where: str) -> Iterable[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _todo_paths(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _todo_paths(value, f"{where}.{i}")
    elif isinstance(data, str) and "TODO" in data:
        yield where
