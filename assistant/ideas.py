"""Suggested segmentation ideas: splits, narrowings and related segments of the current segment.

Every idea is data-driven: its counts come from a handful of set-based queries (one for all the
built-in model splits, one GROUPING SETS query for the attribute splits, one for look-alikes and
one for broadening an empty segment), never one query per part. Every idea and part carries a
SegmentSpec built with the spec helpers and the compiled, guarded SQL whose distinct customers
are exactly its `count`.

Usefulness score (0..1, higher first; ties by title):

    score = 0.40 * size + 0.35 * difference + 0.25 * actionability

- single segments: size is 0 when too small, 1 when it holds 5-60% of the parent, else 0.5;
  difference is 1 - (share of the parent it keeps), 0 when not different;
- splits: size is the share of the parent in parts large enough to target; difference is the
  normalised entropy of the part sizes (1 = an even split, 0 = everyone in one part); a split
  with fewer than two targetable parts scores 0;
- actionability is a fixed weight per kind of idea (`_ACTIONABILITY`): a win-back or high-value
  core can be acted on directly, a split by a descriptive attribute mostly informs creative.

What sets the segment apart then weighs in: splits and narrowings score
`0.6 * score + 0.4 * apart`, where apart is the total variation distance between the parent's
and the whole base's shares (for a narrowing, the difference of its two shares). A property the
request itself constrains (its roots: the columns it is read from, `roles.property_roots`) is
not compared with the base, since it differs only because it was asked; a split into the places
the request names counts as DRILL_DOWN apart. Each part carries its lift (share of the parent /
share of the base); a split is named for, and opens, its most over-represented targetable part
when one stands out (lift >= STANDOUT), else its biggest, so the first card says what is
distinctive about this segment rather than being the same split for every request.

Flags: "too_small" (< 1% of the base or < 50 customers); "not_different" (> 90% of the parent).
For a split, `spec`/`sql`/`count` are those of its headline part (the one the rationale names).

Everything dataset-specific comes from the catalog: the model splits are the built-in models
its roles support (`segmodels.available_models`), the attribute splits its trait properties and
geography levels (`assistant.roles`), the look-alikes its purchases event and category field.

Look-alikes are the 12-month buyers of one of the parent's categories who are not in the parent:
the categories the parent's own purchase conditions name when it names some, else its dominant
category (by 12-month spend); "top category" itself is not expressible as a spec condition. An
empty parent gets the whole base's ideas instead; a parent too small to target gets "broaden"
ideas (drop one condition) first. A raw-SQL parent (no spec) gets ideas whose `spec` is None. An
idea whose role the catalog lacks is left out, with a line in `IdeasResult.notes`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from assistant import roles, traits
from assistant.compiler import compile_spec, sql_literal
from assistant.executor import Executor
from assistant.guard import check_sql
from assistant.profile import count_segment, twelve_month_window
from assistant.segmodels import (
    labels,
    load_models,
    unavailable_models,
)
from assistant.spec import (
    Activity,
    ActivityCondition,
    AndGroup,
    AttributeCondition,
    Condition,
    NotGroup,
    OrGroup,
    SegmentRef,
    SegmentSpec,
    negate,
)
from assistant.value_counts import value_counts
from assistant.windows import Trailing, resolve

if TYPE_CHECKING:
    from assistant.catalog import Catalog

MIN_CUSTOMERS = 50
MIN_SHARE = 0.01
OVERLAP = 0.90
# An idea inside the parent holding this share of it or more is the parent again: not shown.
SAME_AS_PARENT = 0.95
MIN_IDEAS = 4
MAX_PARTS = 6  # an attribute with more values keeps its biggest and gathers the rest as "Other"
MAX_ATTRIBUTE_SPLITS = 3  # the best-scoring attribute splits compete with the other ideas
MAX_SPLIT_VALUES = 12  # attributes with more values than this are not split on
OTHER = "Other "  # the label prefix of the part gathering an attribute's smaller values
TOO_SMALL = "too_small"
DRILL_DOWN = 0.5  # how far apart a split into the places the request names counts (0..1)
STANDOUT = 1.25  # a part this many times as common as in the base is what a split is named for
NOT_DIFFERENT = "not_different"


# --- public models -------------------------------------------------------------------------------


class IdeaPart(BaseModel):
    """One part of a split: its own spec, SQL, count and share of the whole base."""

    label: str
    spec: dict[str, Any] | None = None
    sql: str
    count: int
    share: float
    flags: list[str] = Field(default_factory=list)
    # How much more common the part is in the parent than in the whole base (its share of the
    # parent / its share of the base); None when the parent is the base.
    lift: float | None = None


class Idea(BaseModel):
    title: str
    type: str
    rationale: str
    spec: dict[str, Any] | None = None
    sql: str
    count: int
    share: float
    flags: list[str] = Field(default_factory=list)
    parts: list[IdeaPart] = Field(default_factory=list)
    score: float = 0.0


class ParentSummary(BaseModel):
    title: str
    explanation: str
    count: int
    share: float
    sql: str


class IdeasResult(BaseModel):
    parent: ParentSummary
    ideas: list[Idea]
    notes: list[str] = Field(default_factory=list)  # ideas the catalog's roles switch off


# --- context -------------------------------------------------------------------------------------


@dataclass
class _Context:
    """The parent segment ideas grow from. `spec` is None only for a raw-SQL parent."""

    executor: Executor
    as_of: date
    catalog: Catalog
    spec: SegmentSpec | None
    sql: str
    count: int
    base: int
    members: str = ""  # SQL of the parent's customer ids for counting (defaults to `sql`)
    steps_table: str | None = None  # the parent's per-customer step flags, when computed
    # The parent's 12-month spend and buyers per category, when the profile computed them.
    category_spend: list[dict[str, Any]] | None = None

    @property
    def whole_base(self) -> bool:
        return self.spec is not None and not self.spec.conditions

    @property
    def noun(self) -> str:
        return f"all {self.catalog.entity.plural}" if self.whole_base else "this segment"

    def flags(self, count: int, inside: bool = True) -> list[str]:
        flags = []
        if count < MIN_CUSTOMERS or count < MIN_SHARE * self.base:
            flags.append(TOO_SMALL)
        if inside and self.count and count > OVERLAP * self.count:
            flags.append(NOT_DIFFERENT)
        return flags

    def share(self, count: int) -> float:
        return round(count / self.base, 4) if self.base else 0.0

    def of_parent(self, count: int) -> float:
        return count / self.count if self.count else 0.0

    def parent_cte(self) -> str:
        return f"parent_seg AS (SELECT DISTINCT customer_id FROM ({self.members or self.sql}) AS q)"

    def compile(self, spec: SegmentSpec) -> str:
        return compile_spec(spec, self.as_of, self.catalog).sql

    def within(self, condition: Condition, title: str) -> tuple[SegmentSpec | None, str]:
        """The parent AND `condition`, as a spec (when the parent has one) and guarded SQL."""
        if self.spec is not None:
            # Compiler output: guard-clean by construction (tests guard every idea's SQL), and
            # guarded again whenever an idea is run; skipping it here saves ~0.1 s per idea.
            spec = _add(self.spec, condition, title)
            return spec, self.compile(spec)
        return None, self.guard(self._raw(condition, "IN"))

    def outside(self, condition: Condition, title: str) -> tuple[SegmentSpec | None, str]:
        """`condition` AND NOT the parent (look-alikes)."""
        if self.spec is not None:
            spec = _add(negate(self.spec), condition, title)
            return spec, self.compile(spec)
        return None, self.guard(self._raw(condition, "NOT IN"))

    def _raw(self, condition: Condition, op: str) -> str:
        fragment = _fragment(condition, self.as_of, self.catalog)
        key = roles.entity_key(self.catalog)
        return (
            f"SELECT {key} AS customer_id\nFROM {roles.entity_table(self.catalog)}\n"
            f"WHERE {fragment}\n  AND {key} {op} (SELECT customer_id FROM ({self.sql}) AS q)"
        )

    def guard(self, sql: str) -> str:
        """SQL composed around a raw (user or model) parent query is checked before it is shown."""
        check_sql(sql, self.executor.schema())
        return sql


def _add(spec: SegmentSpec, condition: Condition, title: str) -> SegmentSpec:
    return spec.model_copy(update={"title": title, "conditions": [*spec.conditions, condition]})


def _fragment(condition: Condition, as_of: date, catalog: Catalog) -> str:
    return compile_spec(SegmentSpec(conditions=[condition]), as_of, catalog).steps[0].condition_sql


def _dump(spec: SegmentSpec | None) -> dict[str, Any] | None:
    # Not exclude_defaults: that would drop the `kind` tags SegmentSpec needs to read it back.
    return None if spec is None else spec.model_dump(mode="json", exclude_none=True)


def _pct(fraction: float) -> str:
    return f"{fraction:.0%}"


# --- entry point ---------------------------------------------------------------------------------


def suggest_ideas(
    executor: Executor,
    parent: SegmentSpec | None,
    as_of: date,
    catalog: Catalog,
    *,
    parent_sql: str | None = None,
    members_sql: str | None = None,
    steps_table: str | None = None,
    category_spend: list[dict[str, Any]] | None = None,
    limit: int = 8,
) -> IdeasResult:
    """4-8 ranked ideas for `parent` (the whole base when both parent and parent_sql are None).

    `members_sql` selects the parent's customer ids already computed (e.g. a temp table of the
    answer's members), so counting does not evaluate the parent's conditions again;
    `steps_table` holds every customer's flag per condition of `parent` (step_1 … step_n, as
    `compiler.steps_sql` makes them), so broadening counts come from it too.
    """
    spec = parent if parent is not None or parent_sql is not None else SegmentSpec()
    compiled = compile_spec(spec, as_of, catalog) if spec is not None else None
    sql = parent_sql or (compiled.sql if compiled else "")
    sql = check_sql(sql, executor.schema()).sql if parent_sql else sql
    if members_sql:  # the answer's members: counted in the same pass as reach and revenue
        built = traits.get(executor, catalog, as_of)
        count = traits.member_summary(executor, members_sql, built)["customers"]
        base = int(built.totals["customers"])
    else:
        count, base = count_segment(executor, sql, catalog)
    ctx = _Context(executor, as_of, catalog, spec, sql, count, base, members_sql or "")
    ctx.steps_table = steps_table
    ctx.category_spend = category_spend
    summary = ParentSummary(
        title=(spec.title if spec and spec.title else None) or _default_title(ctx),
        explanation=compiled.explanation
        if compiled
        else f"{catalog.entity.plural.capitalize()} returned by the SQL query.",
        count=count,
        share=ctx.share(count),
        sql=sql,
    )
    # An empty parent has nothing to split: the whole base's ideas stand in for it.
    candidates = _candidates(ctx if count else _base_context(ctx))
    # A parent too small to target is best helped by loosening it: those ideas come first.
    first = _broaden(ctx) if TOO_SMALL in ctx.flags(count, inside=False) else []
    return IdeasResult(
        parent=summary,
        ideas=_rank(first, candidates, max(MIN_IDEAS, limit)),
        notes=ideas_notes(catalog),
    )


def ideas_notes(catalog: Catalog) -> list[str]:
    """One line per kind of idea the catalog's roles switch off."""
    notes = list(unavailable_models(catalog).values())
    if catalog.roles.purchases is None:
        notes.append(roles.missing_note("look-alikes", "purchases"))
    elif catalog.roles.category is None:
        notes.append(roles.missing_note("look-alikes", "category"))
    return notes


def _default_title(ctx: _Context) -> str:
    return f"All {ctx.catalog.entity.plural}" if ctx.whole_base else "Current segment"


def _candidates(ctx: _Context) -> list[Idea]:
    models = _model_counts(ctx)
    offered = set(models)
    ideas = [
        _model_split(ctx, family, *models[family.model])
        for family in _MODEL_SPLITS
        if family.model in offered
    ]
    ideas += _attribute_splits(ctx)
    if "rfm" in offered:
        ideas.append(_high_value_core(ctx, *models["rfm"]))
    if "lifecycle" in offered:
        ideas.append(_lapsed(ctx, *models["lifecycle"]))
    if not ctx.whole_base:
        ideas += _look_alikes(ctx)
    return [idea for idea in ideas if idea is not None]


def _base_context(ctx: _Context) -> _Context:
    everyone = SegmentSpec()
    sql = ctx.compile(everyone)
    return _Context(ctx.executor, ctx.as_of, ctx.catalog, everyone, sql, ctx.base, ctx.base)


def _rank(first: list[Idea], candidates: list[Idea], limit: int) -> list[Idea]:
    """Broadening ideas that find someone (most customers first), then the rest by score; an
    idea that is the parent again (a single idea or a split's only real part) is dropped."""
    candidates = [idea for idea in candidates if "same_as_parent" not in idea.flags]
    broadened = sorted(
        (idea for idea in first if idea.count), key=lambda idea: (-idea.count, idea.title)
    )[: limit // 2]
    # An idea nobody is in is not worth a click.
    ordered = sorted(
        (idea for idea in candidates if idea.count), key=lambda idea: (-idea.score, idea.title)
    )
    useful = [idea for idea in ordered if idea.score > 0]
    chosen = broadened + useful[: limit - len(broadened)]
    if len(chosen) < MIN_IDEAS:  # top up with the best of the rest, flags say why they are weak
        chosen += [idea for idea in ordered if idea.score <= 0][: MIN_IDEAS - len(chosen)]
    return chosen


# --- scoring -------------------------------------------------------------------------------------

_ACTIONABILITY = {
    "rfm": 0.9,
    "abc": 0.7,
    "lifecycle": 0.85,
    "engagement_tier": 0.8,
    "geo": 0.6,
    "attribute": 0.65,
    "core": 1.0,
    "lapsed": 0.95,
    "look_alike": 0.9,
    "broaden": 0.9,
}


def _single_score(ctx: _Context, count: int, flags: list[str], key: str, inside: bool) -> float:
    fraction = ctx.of_parent(count) if inside else count / max(ctx.base, 1)
    size = 0.0 if TOO_SMALL in flags else (1.0 if 0.05 <= fraction <= 0.6 else 0.5)
    difference = 0.0 if NOT_DIFFERENT in flags else (1 - fraction if inside else 1.0)
    return round(0.4 * size + 0.35 * max(difference, 0.0) + 0.25 * _ACTIONABILITY[key], 6)


def _split_score(ctx: _Context, parts: Sequence[IdeaPart | _Draft], key: str) -> float:
    targetable = [p for p in parts if not p.flags]
    if len(targetable) < 2 or not ctx.count:
        return 0.0
    size = sum(p.count for p in targetable) / ctx.count
    fractions = [p.count / ctx.count for p in parts if p.count]
    entropy = -sum(f * math.log(f) for f in fractions) / math.log(len(fractions))
    return round(0.4 * size + 0.35 * entropy + 0.25 * _ACTIONABILITY[key], 6)


# --- splits --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ModelSplit:
    model: str
    type: str
    title: str


_MODEL_SPLITS = (
    _ModelSplit("rfm", "RFM", "Split by RFM segment"),
    _ModelSplit("abc", "ABC", "Split by ABC revenue class"),
    _ModelSplit("lifecycle", "lifecycle", "Split by lifecycle stage"),
    _ModelSplit("engagement_tier", "engagement", "Engaged vs not engaged with campaigns"),
)
# What a headline part suggests doing, so the rationale is a recommendation, not just a number.
_HINTS = {
    ("rfm", "champions"): "reward and keep them close",
    ("rfm", "loyal_customers"): "upsell and loyalty offers",
    ("rfm", "at_risk"): "a win-back target",
    ("rfm", "cannot_lose_them"): "win them back before they go",
    ("rfm", "hibernating"): "a low-cost reactivation target",
    ("rfm", "potential_loyalists"): "nurture them into loyalty",
    ("rfm", "need_attention"): "re-engage before they slip",
    ("rfm", "about_to_sleep"): "a reactivation target",
    ("lifecycle", "at_risk"): "a win-back target",
    ("lifecycle", "lapsed"): "a win-back target",
    ("lifecycle", "active"): "cross-sell while they are buying",
    ("lifecycle", "never_purchased"): "a first-purchase offer",
    ("engagement_tier", "dormant"): "try another channel or a re-permission campaign",
    ("engagement_tier", "engaged"): "campaigns reach them: test new offers here",
    ("abc", "a"): "the few who carry most of the revenue",
}


SPLIT_MODELS = ("rfm", "abc", "lifecycle", "engagement_tier")


def _model_counts(ctx: _Context) -> dict[str, tuple[dict[str, int], dict[str, float]]]:
    """Label counts of every built-in model this catalog supports, within the parent.

    Scoring a model needs the whole base (quintiles, cumulative revenue), which is the same for
    every segment: each model's label per customer is a column of the customer traits
    (`assistant.traits`), so a segment's counts are one GROUP BY over its members. Returns, per
    model, the parent's label counts and the whole base's label shares.
    """
    built = traits.get(ctx.executor, ctx.catalog, ctx.as_of)
    models = list(built.columns.models)
    if not models:
        return {}
    # One pass with reach and revenue (`traits.member_summary`), shared with Kotler's figures.
    summary = traits.member_summary(ctx.executor, ctx.members or ctx.sql, built)
    counts: dict[str, tuple[dict[str, int], dict[str, float]]] = {}
    for model in models:
        inside = {k: n for k, n in summary[f"labels_{model}"].items() if n}
        everyone = built.totals[f"labels_{model}"]
        shares = {str(k): n / max(ctx.base, 1) for k, n in everyone.items()}
        counts[model] = (inside, shares)
    return counts


def _model_split(
    ctx: _Context, family: _ModelSplit, counts: dict[str, int], base: dict[str, float]
) -> Idea | None:
    named = [(lb.key, lb.name) for lb in labels(family.model) if counts.get(lb.key)]
    parts = [
        _part(ctx, name, SegmentRef(model=family.model, label=key), counts[key], base.get(key))
        for key, name in named
    ]
    hints = {name: _HINTS.get((family.model, key)) for key, name in named}
    idea = _split_idea(ctx, family.title, family.type, family.model, parts, hints)
    if idea is not None:
        inside = [(key, counts[key]) for key, _ in named]
        everyone = [(key, round(f * ctx.base)) for key, f in base.items()]
        idea.score = _apart_score(idea.score, _distance(inside, everyone))
    return idea


def _apart_score(score: float, apart: float) -> float:
    """What sets a segment apart from the base weighs in every split's and narrowing's score, so
    the first card differs with the segment instead of being the same split for everyone."""
    return round(0.6 * score + 0.4 * apart, 6)


def _lift(ctx: _Context, count: int, base_share: float | None) -> float | None:
    if ctx.whole_base or not base_share or not ctx.count:
        return None
    return round(ctx.of_parent(count) / base_share, 3)


def _part(
    ctx: _Context, label: str, condition: Condition, count: int, base_share: float | None = None
) -> IdeaPart:
    spec, sql = ctx.within(condition, f"{_parent_title(ctx)} — {label}")
    return IdeaPart(
        label=label,
        lift=_lift(ctx, count, base_share),
        spec=_dump(spec),
        sql=sql,
        count=count,
        share=ctx.share(count),
        flags=ctx.flags(count),
    )


def _parent_title(ctx: _Context) -> str:
    if ctx.spec is not None and ctx.spec.title:
        return ctx.spec.title
    return _default_title(ctx)


def _split_idea(
    ctx: _Context,
    title: str,
    kind: str,
    key: str,
    parts: list[IdeaPart],
    hints: dict[str, str | None] | None = None,
    verb: str = " are {}",
) -> Idea | None:
    if not parts:
        return None
    headline = _headline(parts)
    standout = not headline.flags and headline.lift is not None and headline.lift >= STANDOUT
    targetable = sum(1 for p in parts if not p.flags)
    hint = (hints or {}).get(headline.label)
    versus = ""
    # A split card opens its headline part, so its title names it.
    if standout and headline.lift:
        usual = _pct(ctx.of_parent(headline.count) / headline.lift)
        versus = f" (vs {usual} of all {ctx.catalog.entity.plural})"
        title = f"{title} — {headline.label} stand out ({headline.lift:.1f}×)"
    else:
        title = f"{title} — {headline.label} lead ({_pct(ctx.of_parent(headline.count))})"
    rationale = (
        f"{_pct(ctx.of_parent(headline.count))} of {ctx.noun}{verb.format(headline.label)}"
        + versus
        + (f" — {hint}" if hint else "")
        + f"; {targetable} of {len(parts)} parts are large enough to target"
    )
    flags = []
    if all(TOO_SMALL in p.flags for p in parts):
        flags.append(TOO_SMALL)
    if max(p.count for p in parts) > OVERLAP * ctx.count:
        flags.append(NOT_DIFFERENT)
    if ctx.count and max(p.count for p in parts) >= SAME_AS_PARENT * ctx.count:
        flags.append("same_as_parent")  # one part is the parent again: nothing to split
    return Idea(
        title=title,
        type=kind,
        rationale=rationale,
        spec=headline.spec,
        sql=headline.sql,
        count=headline.count,
        share=headline.share,
        flags=flags,
        parts=parts,
        score=_split_score(ctx, parts, key),
    )


def _headline(parts: list[IdeaPart]) -> IdeaPart:
    """The part worth targeting on its own that is most over-represented against the base when
    one clearly is (what sets the segment apart), else the biggest such part (else simply the
    biggest)."""
    # "Other …" gathers many values: it is a part, never the one to name.
    named = [p for p in parts if not p.flags and not p.label.startswith(OTHER)]
    lifted = [p for p in named if p.lift is not None and p.lift >= STANDOUT]
    if lifted:
        return max(lifted, key=lambda p: (p.lift or 0, p.count, p.label))
    ranked = sorted(
        parts, key=lambda p: (bool(p.flags), p.label.startswith(OTHER), -p.count, p.label)
    )
    return ranked[0]


@dataclass(frozen=True)
class _AttributeSplit:
    attribute: str
    geographic: bool

    @property
    def title(self) -> str:
        return f"Split by {self.attribute.replace('_', ' ')}"

    @property
    def type(self) -> str:
        return "geographic" if self.geographic else "attribute"

    @property
    def key(self) -> str:
        return "geo" if self.geographic else "attribute"

    @property
    def verb(self) -> str:
        # How the rationale says "members have this value".
        return " live in {}" if self.geographic else ": {}"


@dataclass(frozen=True)
class _Draft:
    """A part before its spec and SQL are built (only the kept splits get those)."""

    label: str
    condition: Condition
    count: int
    flags: list[str]
    base_share: float | None = None


def _split_attributes(catalog: Catalog) -> list[_AttributeSplit]:
    geo = [_AttributeSplit(g, True) for g in catalog.roles.geography]
    traits = roles.trait_properties(catalog, max_values=MAX_SPLIT_VALUES, geography=False)
    return geo + [_AttributeSplit(t, False) for t in traits]


def _attribute_counts(
    ctx: _Context, splits: list[_AttributeSplit]
) -> dict[str, list[tuple[Any, int]]]:
    """Value counts of every split attribute within the parent (shared with the
    differentiators: one GROUPING SETS query per answer, see `assistant.value_counts`)."""
    members = ctx.members or ctx.sql
    return value_counts(
        ctx.executor, members, [s.attribute for s in splits], ctx.as_of, ctx.catalog
    )


def _attribute_splits(ctx: _Context) -> list[Idea]:
    """The geography split at its useful level, and the best-scoring trait splits."""
    splits = _split_attributes(ctx.catalog)
    if not splits:
        return []
    counts = _attribute_counts(ctx, splits)
    base = _base_attribute_counts(ctx, splits)
    geo = _geographic_level(ctx, [s for s in splits if s.geographic], counts)
    asked = _asked_roots(ctx)
    scored = []
    for split in splits:
        if split.geographic and split is not geo:
            continue
        # A property the request itself is about (regions within the country asked for, the
        # generation of an age range) differs from the base only because of the request.
        given = bool(roles.property_roots(ctx.catalog, split.attribute) & asked)
        compared = [] if given else base.get(split.attribute, [])
        drafts = _value_drafts(ctx, split, counts[split.attribute], compared)
        if drafts:
            # A split on what sets this segment apart from the base comes before one that any
            # segment would get (the same device mix as everyone); a drill-down into the places
            # the request names (cities of Texas) is about the request itself.
            apart = _distance(counts[split.attribute], compared)
            if given and split.geographic:
                apart = DRILL_DOWN
            score = _apart_score(_split_score(ctx, drafts, split.key), apart)
            scored.append((split, drafts, score, apart))
    traits = sorted(
        (item for item in scored if not item[0].geographic), key=lambda i: (-i[2], i[0].title)
    )[:MAX_ATTRIBUTE_SPLITS]
    kept = [item for item in scored if item[0].geographic] + traits
    ideas = []
    for split, drafts, _, apart in kept:
        parts = [_part(ctx, d.label, d.condition, d.count, d.base_share) for d in drafts]
        idea = _split_idea(ctx, split.title, split.type, split.key, parts, verb=split.verb)
        if idea is not None:
            idea.score = _apart_score(idea.score, apart)
            ideas.append(idea)
    return ideas


def _asked_roots(ctx: _Context) -> set[str]:
    """The stored properties the parent's own attribute conditions read."""
    found: set[str] = set()

    def walk(conditions: Sequence[Condition]) -> None:
        for condition in conditions:
            if isinstance(condition, AndGroup | OrGroup):
                walk(condition.conditions)
            elif isinstance(condition, NotGroup):
                walk([condition.condition])
            elif isinstance(condition, AttributeCondition):
                found.update(roles.property_roots(ctx.catalog, condition.attribute))

    walk(ctx.spec.conditions if ctx.spec is not None else [])
    return found


def _base_attribute_counts(
    ctx: _Context, splits: list[_AttributeSplit]
) -> dict[str, list[tuple[Any, int]]]:
    """The whole base's value counts of the split attributes, once per data file version."""
    return value_counts(ctx.executor, None, [s.attribute for s in splits], ctx.as_of, ctx.catalog)


def _distance(inside: list[tuple[Any, int]], base: list[tuple[Any, int]]) -> float:
    """Total variation distance between the segment's and the base's value shares (0..1)."""
    n_in, n_base = sum(n for _, n in inside), sum(n for _, n in base)
    if not n_in or not n_base:
        return 0.0
    a = {str(v): n / n_in for v, n in inside}
    b = {str(v): n / n_base for v, n in base}
    return round(0.5 * sum(abs(a.get(k, 0) - b.get(k, 0)) for k in a.keys() | b.keys()), 6)


def _geographic_level(
    ctx: _Context, levels: list[_AttributeSplit], counts: dict[str, list[tuple[Any, int]]]
) -> _AttributeSplit | None:
    """The broadest level, unless one value holds nearly everyone: then the next one down."""
    for level in levels:
        pairs = counts[level.attribute]
        if pairs and pairs[0][1] <= OVERLAP * ctx.count:
            return level
    return levels[-1] if levels else None


def _value_drafts(
    ctx: _Context,
    split: _AttributeSplit,
    pairs: list[tuple[Any, int]],
    base: list[tuple[Any, int]],
) -> list[_Draft]:
    # Many values keep their biggest and gather the rest as "Other".
    attribute = split.attribute
    keep = pairs[:MAX_PARTS] if len(pairs) > MAX_PARTS + 1 else pairs
    everyone = max(sum(n for _, n in base), 1)
    base_share = {str(v): n / everyone for v, n in base}
    drafts = [
        _Draft(
            _value_label(ctx.catalog, split, v),
            _value_condition(attribute, v),
            n,
            ctx.flags(n),
            base_share.get(str(v)),
        )
        for v, n in keep
    ]
    rest = pairs[len(keep) :]
    if rest:
        kept = [v for v, _ in keep if v is not None]
        condition: Condition = AttributeCondition(attribute=attribute, op="not_in", value=kept)
        if any(v is None for v, _ in rest):  # NOT IN never holds for unknown values
            condition = OrGroup(
                conditions=[condition, AttributeCondition(attribute=attribute, op="is_null")]
            )
        count = sum(n for _, n in rest)
        label = f"{OTHER}{_plural_words(attribute)}"
        drafts.append(_Draft(label, condition, count, ctx.flags(count)))
    return drafts


def _plural_words(attribute: str) -> str:
    words = attribute.replace("_", " ")
    if words.endswith("y") and not words.endswith(("ay", "ey", "oy", "uy")):
        return words[:-1] + "ies"
    return words if words.endswith("s") else words + "s"


def _value_label(catalog: Catalog, split: _AttributeSplit, value: Any) -> str:
    """The value as people say it; a trait value without a label of its own names its attribute
    ("loyalty tier gold"), a place is simply its name."""
    label = roles.value_label(catalog, split.attribute, value)
    if value is None or split.geographic or label != str(value):
        return label
    return f"{split.attribute.replace('_', ' ')} {label.replace('_', ' ')}"


def _value_condition(attribute: str, value: Any) -> AttributeCondition:
    if value is None:
        return AttributeCondition(attribute=attribute, op="is_null")
    return AttributeCondition(attribute=attribute, op="=", value=value)


# --- narrowings and related segments -------------------------------------------------------------


def _single(
    ctx: _Context,
    title: str,
    kind: str,
    key: str,
    rationale: str,
    built: tuple[SegmentSpec | None, str],
    count: int,
    inside: bool = True,
) -> Idea:
    spec, sql = built
    flags = ctx.flags(count, inside=inside)
    if inside and ctx.count and count >= SAME_AS_PARENT * ctx.count:
        flags.append("same_as_parent")
    return Idea(
        title=title,
        type=kind,
        rationale=rationale,
        spec=_dump(spec),
        sql=sql,
        count=count,
        share=ctx.share(count),
        flags=flags,
        score=_single_score(ctx, count, flags, key, inside),
    )


def _either(model: str, keys: Sequence[str]) -> OrGroup:
    return OrGroup(conditions=[SegmentRef(model=model, label=k) for k in keys])


def _narrowing_apart(ctx: _Context, count: int, base_share: float) -> float:
    """How far a narrowing's share of the parent is from its share of the base (0..1)."""
    return 0.0 if ctx.whole_base else abs(ctx.of_parent(count) - base_share)


def _narrowing(
    ctx: _Context, title: str, kind: str, key: str, rationale: str, condition: Condition,
    count: int, base_share: float,
) -> Idea:  # fmt: skip
    """A narrowing of the parent to one named group, titled by how over-represented it is."""
    lift = _lift(ctx, count, base_share)
    if lift is not None and lift >= STANDOUT:
        usual = _pct(base_share)
        title = f"{title} — {lift:.1f}× the usual share"
        rationale += f" (vs {usual} of all {ctx.catalog.entity.plural})"
    elif not ctx.whole_base:
        title = f"{title}: {_pct(ctx.of_parent(count))} of them"
    idea = _single(ctx, title, kind, key, rationale, ctx.within(condition, title), count)
    idea.score = _apart_score(idea.score, _narrowing_apart(ctx, count, base_share))
    return idea


def _high_value_core(ctx: _Context, rfm: dict[str, int], base: dict[str, float]) -> Idea:
    title = "High-value core: RFM Champions and Loyal Customers"
    keys = ("champions", "loyal_customers")
    count = sum(rfm.get(key, 0) for key in keys)
    rationale = (
        f"{count:,} {ctx.catalog.entity.plural} ({_pct(ctx.of_parent(count))} of {ctx.noun}) "
        "are RFM Champions or Loyal Customers — the core to protect and reward"
    )
    usual = sum(base.get(key, 0.0) for key in keys)
    return _narrowing(
        ctx, title, "value-based", "core", rationale, _either("rfm", keys), count, usual
    )


def _lapsed(ctx: _Context, lifecycle: dict[str, int], base: dict[str, float]) -> Idea:
    title = "At-risk and lapsed members"
    keys = ("at_risk", "lapsed")
    count = sum(lifecycle.get(key, 0) for key in keys)
    days = load_models().lifecycle.parameters.active_days
    rationale = (
        f"{_pct(ctx.of_parent(count))} of {ctx.noun} last bought more than {days} days ago "
        "— a win-back target"
    )
    usual = sum(base.get(key, 0.0) for key in keys)
    return _narrowing(
        ctx, title, "lifecycle", "lapsed", rationale, _either("lifecycle", keys), count, usual
    )


LOOK_ALIKE_WINDOW = Trailing(n=12, unit="months")


def _category_buyers(catalog: Catalog, category: Any) -> ActivityCondition:
    purchases, field = catalog.roles.purchases, catalog.roles.category
    assert purchases is not None and field is not None
    return ActivityCondition(
        activity=Activity(source=purchases, filters={field: [category]}),
        window=LOOK_ALIKE_WINDOW,
    )


def own_categories(catalog: Catalog, spec: SegmentSpec | None) -> list[Any]:
    """The categories the spec's own purchase conditions name (not under a NOT), in order.

    A condition on the purchases event (or its lines) that filters the category field names
    them: "outdoor buyers in Texas" has Outdoor."""
    purchases, field = catalog.roles.purchases, catalog.roles.category
    if spec is None or purchases is None or field is None:
        return []
    sources = {purchases, catalog.events[purchases].lines}
    found: list[Any] = []

    def walk(conditions: Sequence[Condition]) -> None:
        for condition in conditions:
            if isinstance(condition, AndGroup | OrGroup):
                walk(condition.conditions)
            elif isinstance(condition, ActivityCondition) and _counts_buyers(condition):
                act = condition.activity
                values = act.filters.get(field)
                if act.source in sources and isinstance(values, list):
                    found.extend(v for v in values if v not in found)

    walk(spec.conditions)
    return found


def _counts_buyers(condition: ActivityCondition) -> bool:
    """Whether a condition keeps people who did the activity ("bought X"), not who did not."""
    value = condition.value
    if condition.op == "between":
        return isinstance(value, list) and value[0] >= 1
    if not isinstance(value, int | float):
        return False
    return (
        (condition.op == ">=" and value >= 1)
        or (condition.op == ">" and value >= 0)
        or (condition.op == "=" and value >= 1)
    )


def _look_alikes(ctx: _Context) -> list[Idea]:
    """Buyers (last 12 months) of one of the parent's categories who are not in the parent.

    The categories are the parent's own when its purchase conditions name some (look-alikes of
    "outdoor buyers in Texas" are outdoor buyers elsewhere), else all it bought; the one with the
    largest 12-month spend among parent members whose outside buyers are not too few to target
    is chosen. Outside buyers = all the category's buyers in the window (the same for every
    segment, so cached per database and window) minus those inside the parent: exactly what the
    idea's compiled SQL selects (a NOT group counts unknown as false).
    """
    rows_sql = roles.category_sql(ctx.catalog)
    if rows_sql is None:
        return []
    window = resolve(LOOK_ALIKE_WINDOW, ctx.as_of)
    in_window = f"r.ts >= {sql_literal(window.start)} AND r.ts < {sql_literal(window.end)}"
    totals = _buyers_per_category(ctx, rows_sql, in_window, window)
    rows = _parent_category_spend(ctx, in_window, window)
    total = sum(float(spend or 0) for _, spend, _ in rows)
    own = own_categories(ctx.catalog, ctx.spec)
    if own:
        rows = [row for row in rows if row[0] in own]
    else:
        return []  # look-alikes are of the request's own categories; it names none
    for category, spend, inside in rows:
        outside = totals.get(category, 0) - int(inside)
        if TOO_SMALL not in ctx.flags(outside, inside=False):
            share = float(spend or 0) / total if total else 0.0
            return [_look_alike(ctx, category, share, outside)]
    return []


def _parent_category_spend(
    ctx: _Context, in_window: str, window: Any
) -> list[tuple[Any, Any, int]]:
    """(category, spend, buyers) of the parent in the window, biggest spend first: the
    profile's own figures when it measured the same window, else one query."""
    if ctx.category_spend is not None and _is_traits_window(ctx, window):
        rows = [
            (item["category"], item["amount"], int(item["buyers"]))
            for item in ctx.category_spend
            if item["category"] is not None
        ]
        return sorted(rows, key=lambda r: (r[1] is None, -(r[1] or 0), str(r[0])))
    # The members' rows only, filtered where they are read.
    inside = roles.category_sql(ctx.catalog, customers="parent_seg")
    return ctx.executor.query(
        f"""WITH {ctx.parent_cte()}
        SELECT r.category, sum(r.amount) AS parent_spend,
               count(DISTINCT r.customer_id) AS inside_buyers
        FROM ({inside}) AS r
        WHERE {in_window} AND r.category IS NOT NULL
        GROUP BY r.category ORDER BY parent_spend DESC NULLS LAST, r.category"""
    ).rows


def _buyers_per_category(
    ctx: _Context, rows_sql: str, in_window: str, window: Any
) -> dict[Any, int]:
    """Buyers per category in the window: from the customer traits when it is their 12-month
    window (one row per customer and category bought), else from the purchase rows."""
    built = traits.get(ctx.executor, ctx.catalog, ctx.as_of)
    if built.categories is not None and _is_traits_window(ctx, window):
        sql = f"SELECT category, count(*) FROM {built.categories} GROUP BY 1"
    else:
        sql = (
            f"SELECT r.category, count(DISTINCT r.customer_id) FROM ({rows_sql}) AS r "
            f"WHERE {in_window} GROUP BY 1"
        )
    # The same for every segment: once per data version (`traits.whole_base`).
    return {category: int(n) for category, n in traits.whole_base(ctx.executor, sql)}


def _is_traits_window(ctx: _Context, window: Any) -> bool:
    start, end = twelve_month_window(ctx.as_of)
    return window.start.date() == start and window.end.date() == end + timedelta(days=1)


def _look_alike(ctx: _Context, category: Any, spend_share: float, count: int) -> Idea:
    title = f"Look-alikes: other {category} buyers"
    rationale = (
        f"{category} is {_pct(spend_share)} of {ctx.noun}'s 12-month spend; {count:,} "
        f"{ctx.catalog.entity.plural} outside it bought it in the last 12 months"
    )
    built = ctx.outside(_category_buyers(ctx.catalog, category), title)
    return _single(ctx, title, "behavioral", "look_alike", rationale, built, count, inside=False)


def _broaden(ctx: _Context) -> list[Idea]:
    """Drop one top-level condition at a time: all counts from one query over the compiled steps."""
    if ctx.spec is None or not ctx.spec.conditions:
        return []
    steps = compile_spec(ctx.spec, ctx.as_of, ctx.catalog).steps
    if len(steps) < 2:
        return []
    if ctx.steps_table:  # the conditions were evaluated once already: combine their flags
        flags = [
            " AND ".join(f"step_{j + 1}" for j in range(len(steps)) if j != i)
            for i in range(len(steps))
        ]
        source = ctx.steps_table
    else:
        flags = [
            " AND ".join(f"({s.condition_sql})" for j, s in enumerate(steps) if j != i)
            for i in range(len(steps))
        ]
        source = roles.entity_table(ctx.catalog)
    counts = ctx.executor.query(
        "SELECT\n  "
        + ",\n  ".join(f"count(*) FILTER (WHERE {f}) AS n_{i}" for i, f in enumerate(flags))
        + f"\nFROM {source}"
    ).rows[0]
    base_ctx = _base_context(ctx)
    ideas = []
    for i, step in enumerate(steps):
        count = int(counts[i])
        spec = ctx.spec.model_copy(
            update={
                "title": f"Without: {step.label}",
                "conditions": [c for j, c in enumerate(ctx.spec.conditions) if j != i],
            }
        )
        now = f"{ctx.count:,}" if ctx.count else "none"
        rationale = (
            f"Dropping '{step.label}' leaves {count:,} {ctx.catalog.entity.plural} instead of {now}"
        )
        built = (spec, ctx.compile(spec))
        ideas.append(
            _single(base_ctx, spec.title or "", "broadened", "broaden", rationale, built, count)
        )
    return ideas
