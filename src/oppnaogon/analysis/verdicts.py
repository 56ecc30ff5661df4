"""Is a difference between the sexes motivated? The Vård- och omsorgsanalys criteria (PRODUCT §5).

A difference in a decision (beslut om insats) is *motivated* only if it is explained by a difference in
need, by the need being met in another way, or by the client's (or guardians') consent or attitude. A
difference in participation (delaktighet) only if it is explained by the client's wish to take part, the
guardians' attitude, or impairment or language barriers *despite* accommodation. Here "explained" is made
concrete by comparing like with like: women and men are compared within strata of equal criteria values
(each criterion alone, and all available criteria together), and the within-stratum differences are
pooled with the Mantel–Haenszel estimators of :mod:`oppnaogon.stats.stratified`.

The verdict rules (written out for users in ``docs/criteria.md``) are conservative: a wrong "motivated"
is the worst error the tool can make, so "motivated" asks that what remains is *shown* to be small.

* ``not_assessable``: no criterion of the outcome's kind is recorded for at least half of the group
  (`MIN_KNOWN_SHARE`); the information needed is listed.
* ``inconclusive`` when fewer than 80 % of the persons could be compared like with like
  (`MAX_UNMATCHED_SHARE`): the rest had no one of the other sex with the same criteria values.
* ``unmotivated``: after adjusting for *all available* criteria a difference remains that is clear
  (CMH test, Benjamini–Hochberg adjusted over every adjusted test of the report, the masked ones
  included) and practically large (at least `min_diff`), with every criterion of the kind recorded for
  at least half of the group (else ``inconclusive``: the missing one could explain it). It means "not
  explained by the criteria data available"; criteria without data are listed.
* ``motivated``: the remaining difference is shown to be smaller than `min_diff`: its uncertainty
  interval (95 %, as shown in the report) lies inside ±`min_diff` (an equivalence test). A difference
  that merely shrank, or whose interval is wide, is never motivated. ``explained_by`` names the
  criteria that pass the same test on their own, or else those without which it would not pass.
* ``partly_explained``: neither, but the criteria clearly change the difference (the adjusted interval
  excludes the crude difference, and the adjusted one is smaller): part is explained, and what remains
  can be neither shown small nor shown to remain. The entry says how much is explained and how much
  remains (`explained_part`).
* ``inconclusive`` otherwise: too little data, or a remaining difference too small to call unmotivated.

Verdicts are given to noteworthy differences. A difference that is *not* noteworthy in the crude figures
but appears, clear and large, once like is compared with like ("masked": e.g. girls have more need but are
granted as often as boys) is reported as ``unmotivated`` with ``masked: true``.

Accessibility: an accommodation value that the criteria table marks as not explaining ("Nej men skulle ha
behövts") never explains a difference. Such a column is used as two levels only: accommodation given
(a yes value) against everything else, so a person who needed an interpreter and did not get one is
compared with those who did not need one. How often that happened per sex is a finding of its own
(`accommodation_findings`).

Per-stratum counts are never published; only pooled estimates of groups that step 1 publishes, and those
only in forms that cannot rebuild a stratum count below `min_cell` (issue 14, point 8): exact for a table
of strata without small counts, rounded for one of many strata, withheld otherwise (`publication_form`);
counts of persons and the recorded share from rounded counts (`published_count`, `published_part`). The
verdict is decided on the unrounded figures.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from oppnaogon.analysis.strata import (
    COLUMN,
    COMBINED,
    WITHOUT,
    _attach_entries,
    _matching,
    _recorded,
    strata_layout,
)
from oppnaogon.analysis.verdicts_numeric import numeric_adjusted, numeric_adjusted_entry
from oppnaogon.disclosure.adjusted import (
    FIGURE_DIGITS,
    publication_form,
    published_figure,
    published_known_share,
    published_part,
)
from oppnaogon.engine.keys import pack
from oppnaogon.engine.rollup import roll_ups, summed
from oppnaogon.io.loading import own_categories
from oppnaogon.model.comparison import Adjusted
from oppnaogon.model.kinds import ATTITUDE_CRITERIA, JUDGING_KINDS, KINDS
from oppnaogon.model.names import key
from oppnaogon.model.reasons import published
from oppnaogon.model.sexes import COMPARED
from oppnaogon.model.wording import ACCOMMODATION_PREFIX, LEVEL_PREFIX, POOLED_LABEL
from oppnaogon.prepare.normalise import CRITERION_PREFIX, OUTCOME_PREFIX, looks_like_category
from oppnaogon.stats import compare as stats
from oppnaogon.stats.compare import finite_round as _round
from oppnaogon.stats.stratified import StratifiedResult, mantel_haenszel

if TYPE_CHECKING:
    from oppnaogon.model.config import OutcomeSpec
    from oppnaogon.model.criteria import CriteriaArea, Criterion
    from oppnaogon.model.settings import AnalysisSettings

VERDICTS = ("motivated", "partly_explained", "unmotivated", "inconclusive", "not_assessable")
# A verdict other than inconclusive needs at least 1 − this share of the persons compared like with like.
MAX_UNMATCHED_SHARE = 0.2


def criteria_kind(spec: OutcomeSpec) -> str | None:
    """Whose criteria (`model.kinds.JUDGING_KINDS`) judge the outcome's differences, or None: its kind's
    (`judged_by`). A numeric outcome (hours per week) is the extent of an intervention, part of the
    decision: judged by the decision criteria unless its `criteria` key in oppnaogon.toml says
    otherwise ("none": not judged)."""
    kind = KINDS[spec.kind]
    if kind.criteria_chosen and spec.criteria is not None:
        return spec.criteria if spec.criteria in JUDGING_KINDS else None
    return kind.judged_by


Adjuster = Callable[
    [
        pl.DataFrame,
        "OutcomeSpec",
        Sequence[dict[str, Any]],
        dict[str, list[str]],
        "CriteriaArea",
        "AnalysisSettings",
    ],
    dict[str, list["Adjusted | None"]],
]
"""The comparisons of every entry for every criterion set (`_adjust`, `verdicts_numeric.numeric_adjusted`)."""


def explains(adjusted: Adjusted, crude: float, settings: AnalysisSettings) -> bool:
    """What remains is shown to be small: the whole uncertainty interval of the adjusted difference (the
    one the report shows, 95 % by default) lies inside ±min_diff, on enough persons compared like with
    like. This is an equivalence test (two one-sided tests at level (1 − confidence)/2 each). Low power
    never explains: a wide interval reaches beyond ±min_diff. In simulated worlds whose remaining
    difference is exactly min_diff, 2.5 % are called motivated in theory (0–2.8 % measured by size);
    the 90 % interval of the usual two one-sided tests at 5 % gave twice that (docs/verdict-equivalence.md).
    (`crude` is not needed for the rule; it stays in the signature for the callers that report both.)"""
    if not adjusted.usable or adjusted.unmatched_share > MAX_UNMATCHED_SHARE:
        return False
    low, high = adjusted.ci
    margin = _margin(adjusted, settings)
    return -margin < low and high < margin


def _margin(adjusted: Adjusted, settings: AnalysisSettings) -> float:
    """The smallest difference that matters on the comparison's own scale: `min_diff` (proportion units)
    for a yes/no outcome, the numeric outcome's own threshold for a difference of means."""
    return settings.min_diff if adjusted.margin is None else adjusted.margin


def changes(adjusted: Adjusted, crude: float) -> bool:
    """The criteria clearly change the difference: the adjusted interval excludes the crude difference
    and the adjusted difference is smaller (treating the crude difference as fixed)."""
    low, high = adjusted.ci
    return adjusted.usable and not (low <= crude <= high) and abs(adjusted.estimate) < abs(crude)


def remains(adjusted: Adjusted, settings: AnalysisSettings, p_adjusted: float | None = None) -> bool:
    """A clear and practically large difference remains after adjusting: p (Benjamini–Hochberg adjusted
    over the report's adjusted tests, when given) below alpha and at least min_diff."""
    p = adjusted.p_value if p_adjusted is None else p_adjusted
    return adjusted.usable and p < settings.alpha and abs(adjusted.estimate) >= _margin(adjusted, settings)


def decide(
    crude: float,
    noteworthy: bool,
    combined: Adjusted | None,
    singles: dict[str, Adjusted],
    settings: AnalysisSettings,
    p_adjusted: float | None = None,
    *,
    has_criteria: bool = True,
    without: dict[str, Adjusted | None] | None = None,
    unrecorded: Collection[str] = (),
    heterogeneous: bool | None = None,
) -> tuple[str | None, list[str], str | None]:
    """The verdict, `explained_by` and the code of its reason (`model.reasons.VERDICT_REASONS`) for one
    difference.

    `singles` holds the usable one-criterion comparisons; `has_criteria` says whether any criterion of
    the outcome's kind is recorded for at least half of the group; `p_adjusted` is the combined test's
    p-value adjusted over the report's adjusted tests (None: not adjusted); `without` the comparison
    with all available criteria but one, per criterion left out (for `explained_by`); `unrecorded` the
    criteria of the kind recorded for fewer than half of the group (or not at all): with any of them, a
    difference that remains is never called unmotivated, since the missing criterion could explain it
    (in simulated worlds whose need was 85 % unrecorded, every remaining difference was otherwise called
    unmotivated although need explained it all: docs/verdict-simulation.md)."""
    if not has_criteria:
        if noteworthy:
            return "not_assessable", [], "no_criterion_recorded"
        return None, [], None
    if combined is None or not combined.usable:
        if noteworthy:
            return "inconclusive", [], "too_few_with_same_criteria"
        return None, [], None
    thin = combined.unmatched_share > MAX_UNMATCHED_SHARE
    if not noteworthy:
        # masked: clear and large at equal criteria, and clearly larger than (or opposite to) the crude
        # difference, so that it is the comparison of like with like that reveals it
        revealed = np.sign(combined.estimate) != np.sign(crude) or (
            abs(combined.estimate) - abs(crude) >= _margin(combined, settings) / 2
        )
        if (
            p_adjusted is not None
            and not thin
            and not unrecorded
            and remains(combined, settings, p_adjusted)
            and revealed
        ):
            return "unmotivated", [], "masked_revealed_like_with_like"
        return None, [], None
    if thin:
        return "inconclusive", [], "too_few_compared_like_with_like"
    if remains(combined, settings, p_adjusted) and unrecorded:
        return "inconclusive", [], "remains_criterion_unrecorded"
    if remains(combined, settings, p_adjusted):
        reversed_ = np.sign(combined.estimate) != np.sign(crude)
        return "unmotivated", [], "reversed_after_adjustment" if reversed_ else "remains_after_adjustment"
    if heterogeneous is None:  # callers without the columns' comparisons: the combined test alone
        heterogeneous = _differs_between_strata(combined, settings)
    if explains(combined, crude, settings) and heterogeneous:
        # explained on average only: the difference goes one way at some levels of the criteria and the
        # other way at others (Breslow–Day), which an average near 0 hides
        return "inconclusive", [], "explained_on_average_only"
    if explains(combined, crude, settings):
        alone = [cid for cid, adj in singles.items() if explains(adj, crude, settings)]
        if alone:
            return "motivated", alone, "explained_like_with_like"
        # none alone: the criteria without which it would not be explained, of those that change the
        # difference on their own (one that changes nothing only tips a borderline interval: not credited)
        moving = [cid for cid, adj in singles.items() if changes(adj, crude)]
        needed = [
            cid
            for cid in moving
            if (rest := (without or {}).get(cid)) is None or not explains(rest, crude, settings)
        ]
        return "motivated", needed or moving or list(singles), "explained_by_criteria_together"
    if changes(combined, crude):
        moving = [cid for cid, adj in singles.items() if changes(adj, crude)]
        return "partly_explained", moving, "explained_in_part"
    if combined.p_value < settings.alpha and abs(combined.estimate) < _margin(combined, settings):
        return "inconclusive", [], "remains_below_threshold"
    if combined.p_value < settings.alpha:
        return "inconclusive", [], "remains_not_clear_among_comparisons"
    return "inconclusive", [], "too_little_data"


def _heterogeneous_in(
    combined: Adjusted, levels: Mapping[str, Adjusted], crude: float, settings: AnalysisSettings
) -> list[str] | None:
    """Whether the difference is not the same at every level of the criteria, and where: None when no
    test finds it; else the criteria columns (frame names) whose own strata show it, [] when only all
    criteria together do. Breslow–Day asks it of the combined comparison and of each criteria column
    alone (few large strata, where the test holds even when the combined table is too sparse for it),
    Bonferroni-corrected over the tests asked. In simulated worlds whose difference went +10 points at
    low risk and −10 at high risk, the combined test alone almost never fired, and neither did one of a
    criterion of three columns (its strata are small too): the average near 0 was called motivated
    (docs/verdict-simulation.md). A column is asked only when its own comparison explains the difference
    (as the average near 0 does): otherwise what the other criteria explain varies between its levels,
    and the test finds that instead (in a world explained by consent, the risk level alone "differed").
    A column whose strata are those of the combined comparison (the other criteria split no stratum of it)
    is asked too: its test is then the combined one, and what varies can only vary between its levels
    (a remaining difference of +25 points at high risk and −25 at low, −8 on average, was not located)."""
    levels = {
        c: adj
        for c, adj in levels.items()
        if not adj.numeric and (explains(adj, crude, settings) or _same_strata(adj, combined))
    }
    tested = [adj for adj in (combined, *levels.values()) if not adj.numeric]
    corrected = replace(settings, alpha=settings.alpha / max(len(tested), 1))
    where = [c for c, adj in levels.items() if _differs_between_strata(adj, corrected)]
    if where or (not combined.numeric and _differs_between_strata(combined, corrected)):
        return where
    return None


def _same_strata(column: Adjusted, combined: Adjusted) -> bool:
    """Whether one column's strata are the combined comparison's: the combined strata refine the
    column's, so as many strata over the same persons, compared and alone, means the same strata."""
    return (column.strata, column.n_used, column.persons_one_sex_only) == (
        combined.strata,
        combined.n_used,
        combined.persons_one_sex_only,
    )


def _differs_between_strata(adjusted: Adjusted, settings: AnalysisSettings) -> bool:
    """Breslow–Day (with Tarone's correction) finds that the odds ratio differs between the strata, in a
    table without counts below `min_cell`: in sparse tables (many criteria combined) its chi-square
    approximation rejects far too often (a third of the groups of a world whose strata have no
    difference at all), so there it is not used."""
    p = adjusted.heterogeneity_p
    return bool(np.isfinite(p) and p < settings.alpha) and publication_form(adjusted) == "exact"


# --- stratified counts ----------------------------------------------------------------------------------


def _criterion_columns(frame_columns: Sequence[str], criterion_id: str) -> list[str]:
    prefix = f"{CRITERION_PREFIX}{criterion_id}:"
    return [c for c in frame_columns if c.startswith(prefix)]


def assess(
    frame: pl.DataFrame,
    outcomes: Sequence[OutcomeSpec],
    differences: Sequence[dict[str, Any]],
    area: CriteriaArea,
    settings: AnalysisSettings,
) -> None:
    """Fill `verdict`, `explained_by`, `criteria` and `adjusted` of every decision and participation
    difference, and of every numeric one judged by such criteria (`criteria_kind`), in place.
    Differences of other kinds keep `verdict` null."""
    columns = frame.columns
    pending: list[tuple[Any, ...]] = []
    for spec in outcomes:
        kind = criteria_kind(spec)
        if kind is None:
            continue
        # a numeric outcome is compared as a difference of means (`verdicts_numeric`)
        adjust: Adjuster = _adjust if spec.is_binary else numeric_adjusted
        entries = [
            e
            for e in differences
            if e["outcome"] == spec.name and not e["suppressed"] and e["estimate"] is not None
        ]
        ids = tuple(c.id for c in area.applying_to(kind))  # the area's criteria table (applies_to)
        available = {cid: _criterion_columns(columns, cid) for cid in ids}
        available = {cid: cols for cid, cols in available.items() if cols}
        results: dict[str, list[Adjusted | None]] = {}
        if entries and available:
            sets = dict(available)
            sets[COMBINED] = [c for cols in available.values() for c in cols]
            if spec.is_binary:
                # each column of a criterion of several alone: few large strata, where Breslow–Day holds
                sets |= {COLUMN + c: [c] for cols in available.values() if len(cols) > 1 for c in cols}
            results = adjust(frame, spec, entries, sets, area, settings)
        if len(available) >= 3:  # with two, all but one is the other one alone
            results |= _left_out(frame, spec, entries, results, available, area, settings, adjust)
        for i, entry in enumerate(entries):
            compared = {
                cid: adj for cid, r in results.items() if cid in available and (adj := r[i]) is not None
            }
            singles = {cid: adj for cid, adj in compared.items() if adj.usable}
            combined = results[COMBINED][i] if results else None
            without: dict[str, Adjusted | None] = {}
            for left_out in singles:
                rest = [cid for cid in singles if cid != left_out]
                if len(available) >= 3:
                    without[left_out] = results.get(WITHOUT + left_out, [None] * len(entries))[i]
                elif rest:
                    without[left_out] = singles[rest[0]]
            entry["criteria"] = _criteria_entries(ids, compared, available, area, entry, settings)
            entry["adjusted"] = (
                (_adjusted_entry if spec.is_binary else numeric_adjusted_entry)(
                    combined, list(available), settings.alpha, settings.min_cell
                )
                if combined is not None and combined.usable
                else None
            )
            recorded = any(adj.known_share >= MIN_KNOWN_SHARE for adj in compared.values())
            levels = {
                cols[0]: singles[cid] for cid, cols in available.items() if len(cols) == 1 and cid in singles
            }
            levels |= {
                set_id.removeprefix(COLUMN): adj
                for set_id, r in results.items()
                if set_id.startswith(COLUMN) and (adj := r[i]) is not None and adj.usable
            }
            crude = entry.get("_estimate", entry["estimate"])
            heterogeneous_in = (
                _heterogeneous_in(combined, levels, crude, settings) if combined is not None else None
            )
            pending.append((entry, combined, ids, compared, singles, without, recorded, heterogeneous_in))
    # One Benjamini–Hochberg family of the adjusted tests per unit's report (a unit's family is its own,
    # as its report is): the noteworthy differences' and the masked route's together.
    by_unit: dict[Any, list[int]] = {}
    for j, (entry, combined, *_rest) in enumerate(pending):
        if combined is not None and combined.usable:
            by_unit.setdefault(entry.get("_unit"), []).append(j)
    p_adjusted: dict[int, float] = {}
    for family in by_unit.values():
        adjusted_p = stats.benjamini_hochberg(np.array([pending[j][1].p_value for j in family]))
        p_adjusted |= {j: float(p) for j, p in zip(family, adjusted_p, strict=True)}
    for j, (entry, combined, ids, compared, singles, without, recorded, heterogeneous_in) in enumerate(
        pending
    ):
        if entry["adjusted"] is not None and combined is not None:
            entry["adjusted"]["p_adjusted"] = published_figure(p_adjusted[j], publication_form(combined), "p")
        verdict, explained_by, reason = decide(
            entry.get("_estimate", entry["estimate"]),
            entry["noteworthy"],
            combined,
            singles,
            settings,
            p_adjusted.get(j),
            has_criteria=recorded,
            without=without,
            unrecorded=_unrecorded(ids, compared),
            heterogeneous=heterogeneous_in is not None,
        )
        _set_verdict(entry, verdict, explained_by, reason, ids, compared)
        # where the difference is not the same at every level: the criteria columns (headers) whose own
        # strata show it; a one-bit test of a table without small counts, safe to name
        shown = list(heterogeneous_in) if verdict is not None and heterogeneous_in else []
        entry["heterogeneous_in"] = [c.split(":", 2)[2] for c in shown]
        entry["_heterogeneous_columns"] = shown  # frame names, for `level_dimensions` (popped by analysis)
        if verdict is not None and not entry["noteworthy"]:
            entry["masked"] = True
        if verdict == "partly_explained":
            entry["explained_part"] = _explained_part(entry)


# A criterion recorded for fewer than this share of a group's persons cannot explain much: it is listed
# among the missing criteria (it still takes part in the comparison, as its own "missing" stratum).
MIN_KNOWN_SHARE = 0.5


def _unrecorded(ids: Sequence[str], compared: Mapping[str, Adjusted]) -> list[str]:
    """The criteria of the kind without data for at least half of the group (`MIN_KNOWN_SHARE`)."""
    return [cid for cid in ids if cid not in compared or compared[cid].known_share < MIN_KNOWN_SHARE]


def _set_verdict(
    entry: dict[str, Any],
    verdict: str | None,
    explained_by: list[str],
    reason: str | None,
    ids: Sequence[str],
    compared: dict[str, Adjusted],
) -> None:
    entry["verdict"] = verdict
    entry["explained_by"] = explained_by if verdict is not None else None
    # findings.json gives the reason in its English words (model.reasons)
    entry["verdict_reason"] = published(reason) if reason is not None else None
    entry["reflect"] = bool(
        verdict in ("motivated", "partly_explained") and ATTITUDE_CRITERIA & set(explained_by)
    )
    entry["criteria_missing"] = _unrecorded(ids, compared) if verdict is not None else []


def _left_out(
    frame: pl.DataFrame,
    spec: OutcomeSpec,
    entries: Sequence[dict[str, Any]],
    results: dict[str, list[Adjusted | None]],
    available: dict[str, list[str]],
    area: CriteriaArea,
    settings: AnalysisSettings,
    adjust: Adjuster | None = None,
) -> dict[str, list[Adjusted | None]]:
    """The all-but-one comparisons (`WITHOUT` + criterion) that `explained_by` needs: only for the
    entries that all criteria together explain and none alone (rare; another pass over the rows costs
    about as much as the first), None for the others."""
    needy = [
        i
        for i, entry in enumerate(entries)
        if (combined := results[COMBINED][i]) is not None
        and explains(combined, entry["estimate"], settings)
        and not any(
            (single := results[cid][i]) is not None and explains(single, entry["estimate"], settings)
            for cid in available
        )
    ]
    if not needy:
        return {}
    sets = {
        WITHOUT + left_out: [c for cid, cols in available.items() if cid != left_out for c in cols]
        for left_out in available
    }
    found = (adjust or _adjust)(frame, spec, [entries[i] for i in needy], sets, area, settings)
    out: dict[str, list[Adjusted | None]] = {set_id: [None] * len(entries) for set_id in sets}
    for set_id, values in found.items():
        for i, value in zip(needy, values, strict=True):
            out[set_id][i] = value
    return out


def _explained_part(entry: dict[str, Any]) -> dict[str, Any] | None:
    """How much of a partly explained difference the criteria explain: the crude minus the adjusted
    difference, with the adjusted interval turned around it (the crude difference taken as fixed).
    From the published figures only (None when the adjusted ones are withheld), in their precision."""
    adjusted = entry["adjusted"] or {}
    estimate, (low, high) = adjusted.get("estimate"), adjusted.get("ci") or (None, None)
    if estimate is None or low is None or high is None:
        return None
    digits = FIGURE_DIGITS[adjusted["figures"]]["difference"]
    crude = entry["estimate"]
    return {
        "estimate": _round(crude - estimate, digits),
        "ci": [_round(crude - high, digits), _round(crude - low, digits)],
        "remaining": estimate,
        "remaining_ci": [low, high],
    }


def _adjust(
    frame: pl.DataFrame,
    spec: OutcomeSpec,
    entries: Sequence[dict[str, Any]],
    sets: dict[str, list[str]],
    area: CriteriaArea,
    settings: AnalysisSettings,
) -> dict[str, list[Adjusted | None]]:
    """The adjusted comparison of every entry for every criterion set: one group-by over the rows by the
    finest strata (every dimension and criteria column), each criterion's strata and every breakdown
    rolled up from it in one query, and one vectorised Mantel–Haenszel call over all of them."""
    outcome = OUTCOME_PREFIX + spec.name
    lay = strata_layout(frame, entries, sets, area)
    dims, codes, packed_dims, plain_dims = lay.dims, lay.codes, lay.packed_dims, lay.plain_dims
    words, word_names, located, not_explaining = lay.words, lay.word_names, lay.located, lay.not_explaining
    by_breakdown, wanted = lay.by_breakdown, lay.wanted
    female = pl.col("sex") == "female"
    yes = pl.col(outcome)
    base = (
        frame.lazy()
        .filter(pl.col("sex").is_in(COMPARED) & pl.col(outcome).is_not_null())
        .select(
            *plain_dims,
            *words,
            (yes & female).cast(pl.UInt32).alias("__x1"),
            female.cast(pl.UInt32).alias("__n1"),
            (yes & ~female).cast(pl.UInt32).alias("__x0"),
            (~female).cast(pl.UInt32).alias("__n0"),
        )
    )
    counts = ["__x1", "__n1", "__x0", "__n0"]
    persons = pl.col("__n1") + pl.col("__n0")
    known_persons = [
        pl.when(pl.any_horizontal(_recorded(c, located, not_explaining) for c in cols))
        .then(persons)
        .otherwise(0)
        .alias(f"__known:{cid}")
        for cid, cols in sets.items()
    ]
    # one pass over the rows, by the finest strata (every dimension and criteria column); every
    # criterion's own strata and every breakdown are roll-ups of that table, computed together
    finest = (
        base.group_by([*plain_dims, *word_names])
        .agg(pl.col(counts).sum())
        .with_columns(*known_persons, *[located[d].alias(d) for d in packed_dims])
        .collect()
        .lazy()
    )
    # Each breakdown's strata of each set, with their summed counts. A criterion alone has few strata:
    # the finest table rolled up to its strata × every dimension once, and each breakdown from that
    # small table. The combined set has nearly as many strata as the finest table has rows: each
    # breakdown from the smallest table already rolled up that holds its dimensions.
    strata_keys: dict[str, list[str]] = {}
    tables: dict[str, dict[tuple[str, ...], pl.LazyFrame]] = {}
    widths = {d: codes[d][1] for d in packed_dims}  # bits of every code column, to pack them again
    for cid, cols in sets.items():
        own, own_layout = pack([(located[c], codes[c][1]) for c in cols], f"__s:{cid}:")
        keys = strata_keys[cid] = [w.meta.output_name() for w in own]
        for place, c in zip(own_layout, cols, strict=True):
            if place is not None:
                widths[keys[place[0]]] = max(widths.get(keys[place[0]], 0), place[1] + codes[c][1])
        sums = [*counts, f"__known:{cid}"]
        if cid == COMBINED:
            tables[cid] = roll_ups(
                finest.with_columns(own).collect(), tuple(dims), list(by_breakdown), keys, sums, widths
            )
            continue
        source = summed(finest.with_columns(own), dims, keys, sums, widths).collect().lazy()
        tables[cid] = {b: summed(source, b, keys, sums, widths) for b in by_breakdown}
    # Strata with equal counts add equal terms to every Mantel–Haenszel sum: each breakdown's strata
    # (hundreds of thousands for all criteria together) come as their distinct counts with how many
    # strata have them, a table small enough to sort and sum in no time. All criterion sets and
    # breakdowns in one query, for one Mantel–Haenszel call.
    set_ids = list(sets)
    strata = pl.concat(
        [
            tables[cid][b]
            .rename({f"__known:{cid}": "__known"})
            .group_by([*b, *counts, "__known"])
            .agg(pl.len().alias("__strata"))
            .pipe(_attach_entries, b, wanted[b], packed_dims)
            .select((pl.col("__idx") + k * len(entries)).alias("__idx"), *counts, "__known", "__strata")
            for k, cid in enumerate(set_ids)
            for b in by_breakdown
        ]
    ).collect()
    ids = strata["__idx"].to_numpy()
    x1, n1, x0, n0, known, times = (
        strata[c].to_numpy().astype(float) for c in [*counts, "__known", "__strata"]
    )
    # in a fixed order: the Mantel–Haenszel sums are floating point, and group_by's order is not fixed
    # (the last digits changed from run to run); within an entry, each row's counts are distinct
    order = np.lexsort((known, n0, x0, n1, x1, ids))
    ids, x1, n1, x0, n0, known, times = (a[order] for a in (ids, x1, n1, x0, n0, known, times))
    size = len(set_ids) * len(entries)
    r = mantel_haenszel(ids, x1, n1, x0, n0, size, settings.confidence, multiplicity=times)
    protected = protected_strata(ids, x1, n1, x0, n0, times, size, settings.min_cell)
    totals = np.bincount(ids, weights=(n1 + n0) * times, minlength=size)
    known_totals = np.bincount(ids, weights=known * times, minlength=size)
    results: dict[str, list[Adjusted | None]] = {cid: [None] * len(entries) for cid in set_ids}
    for j in np.unique(ids).tolist():
        results[set_ids[j // len(entries)]][j % len(entries)] = adjusted_at(
            r, j, float(known_totals[j] / totals[j]) if totals[j] else 0.0, bool(protected[j])
        )
    return results


def adjusted_at(r: StratifiedResult, j: int, known_share: float, protected: bool = True) -> Adjusted:
    """The comparison `j` of a vectorised Mantel–Haenszel result as an :class:`Adjusted`."""
    return Adjusted(
        estimate=float(r.risk_difference[j]),
        ci=(float(r.rd_ci_low[j]), float(r.rd_ci_high[j])),
        p_value=float(r.cmh_p_value[j]),
        odds_ratio=float(r.odds_ratio[j]),
        or_ci=(float(r.or_ci_low[j]), float(r.or_ci_high[j])),
        heterogeneity_p=float(r.breslow_day_p_value[j]),
        female_share=float(r.female_share[j]),
        standardised_male_share=float(r.standardised_male_share[j]),
        strata=int(r.strata_used[j]),
        persons_one_sex_only=int(r.persons_one_sex_only[j]),
        n_used=int(r.n_used[j]),
        known_share=known_share,
        protected=protected,
    )


def protected_strata(
    group: np.ndarray,
    x1: np.ndarray,
    n1: np.ndarray,
    x0: np.ndarray,
    n0: np.ndarray,
    times: np.ndarray,
    n_groups: int,
    min_cell: int,
) -> np.ndarray:
    """Per group: whether no cell the adjusted figures could rebuild is a small count (1..min_cell − 1).

    The published estimates (risk difference and its interval, odds ratio and its interval, p-values,
    the female and standardised male shares) are a handful of exact functions of the stratum table; with
    the group's crude counts by sex and outcome (published in the descriptives), a table of few strata
    is pinned down by them: the 122 persons of two risk levels (girls 26/6 and 4/16 granted/not, boys
    14/6 and 6/44) are the only integer table that gives their published figures, the hidden 4 included
    (tests/test_adjusted_disclosure.py). Rounding does not help where it matters, in small tables, since
    one person moved between strata changes the figures by more than any useful precision. So the
    figures are published only when the table they describe holds no small count: every cell (women
    yes/no, men yes/no) of every stratum with both sexes is 0 or at least `min_cell`, and so is each of
    the four counts of the strata with one sex only (summed, as the figures see them only through their
    sum: the crude counts minus the compared ones). Then even a reader who rebuilds the whole table
    learns no count below `min_cell`."""
    cells = np.stack([x1, n1 - x1, x0, n0 - x0])
    informative = (n1 > 0) & (n0 > 0)
    small = ((cells > 0) & (cells < min_cell)).any(axis=0) & informative
    bad = np.bincount(group, weights=small.astype(float), minlength=n_groups)[:n_groups] > 0
    one_sex = ~informative & (n1 + n0 > 0)
    for cell in cells:
        alone = np.bincount(group, weights=cell * times * one_sex, minlength=n_groups)[:n_groups]
        bad |= (alone > 0.5) & (alone < min_cell - 0.5)
    return ~bad


def _criteria_entries(
    ids: Sequence[str],
    compared: dict[str, Adjusted],
    available: dict[str, list[str]],
    area: CriteriaArea,
    entry: dict[str, Any],
    settings: AnalysisSettings,
) -> list[dict[str, Any]]:
    """Per criterion of the outcome's kind (PRODUCT §7): available, adjusted estimate, CI, p; or, when
    it has no data, the information needed (from the criteria table)."""
    result = []
    for cid in ids:
        criterion = area.by_id(cid)
        adj = compared.get(cid)
        item: dict[str, Any] = {
            "id": cid,
            "name": criterion.name_sv if criterion else cid,
            "available": adj is not None and adj.known_share > 0,
            "columns": [c.split(":", 2)[2] for c in available.get(cid, [])],
        }
        if adj is not None and adj.known_share > 0 and not adj.usable:
            item["reason"] = published("criterion_too_few_with_same_values")
            item["known_share"] = published_known_share(adj, settings.min_cell)
        elif adj is not None and adj.usable:
            form = publication_form(adj)
            item |= {
                "adjusted_estimate": published_figure(adj.estimate, form, "difference"),
                "ci": [
                    published_figure(adj.ci[0], form, "difference"),
                    published_figure(adj.ci[1], form, "difference"),
                ],
                "p_value": published_figure(adj.p_value, form, "p"),
                "explains": explains(adj, entry["estimate"], settings),
                "known_share": published_known_share(adj, settings.min_cell),
                "figures": form,
            }
        if adj is None or adj.known_share < MIN_KNOWN_SHARE:  # no data, or too little to explain much
            item["information_needed"] = list(criterion.information_needed_sv) if criterion else []
        result.append(item)
    return result


def _adjusted_entry(adj: Adjusted, criteria: list[str], alpha: float, min_cell: int) -> dict[str, Any]:
    """The comparison within strata of all available criteria together, in its publication form
    (`publication_form`; counts of persons by `published_count`)."""
    heterogeneity = adj.heterogeneity_p
    form = publication_form(adj)

    def number(value: float, kind: str = "difference") -> float | None:
        return published_figure(value, form, kind)

    def p(value: float) -> float | None:
        return published_figure(value, form, "p")

    alone = published_part(adj.persons_one_sex_only, adj.persons, min_cell)
    return {
        "criteria": criteria,
        "figures": form,
        "estimate": number(adj.estimate),
        "ci": [number(adj.ci[0]), number(adj.ci[1])],
        "p_value": p(adj.p_value),
        "p_adjusted": None,
        "odds_ratio": number(adj.odds_ratio, "odds_ratio"),
        "odds_ratio_ci": [number(adj.or_ci[0], "odds_ratio"), number(adj.or_ci[1], "odds_ratio")],
        "heterogeneity_p": p(heterogeneity),
        # Breslow–Day: the difference is not the same at every level of the criteria
        "heterogeneous": None
        if form == "withheld"
        else bool(np.isfinite(heterogeneity) and heterogeneity < alpha),
        "female_share": number(adj.female_share),
        "male_share_standardised": number(adj.standardised_male_share),
        # the group's persons are published exactly: the compared ones are the rest of them, so that
        # the two counts together say no more than the rounded one
        "persons_compared": adj.persons - alone,
        "persons_in_one_sex_strata": alone,
        "known_share": published_known_share(adj, min_cell),
    }


# The accommodation dimensions (`ACCOMMODATION_PREFIX`, criterion id, ":", the column's header) have
# the groups LACKING (needed, not given) and NOT_LACKING (given or not needed).
LACKING, NOT_LACKING = "lacking", "not_lacking"


def accommodation_dimensions(
    frame: pl.DataFrame, outcomes: Sequence[OutcomeSpec], area: CriteriaArea
) -> dict[str, tuple[pl.Expr, str]]:
    """Per accessibility column with values that never explain ("Nej men skulle ha behövts"), when the
    extract has a participation outcome: the dimension's name, its expression (lacking / not lacking,
    missing where the column is) and the column's header. Participation may differ between girls and
    boys just where accommodation was lacking; as a breakdown, that group gets its own difference and
    verdict, and its counts the disclosure control of every breakdown."""
    if not any(o.kind == "participation" for o in outcomes):
        return {}
    found: dict[str, tuple[pl.Expr, str]] = {}
    for criterion in area.criteria:
        values = {key(v) for v in criterion.not_explaining_values}
        if not values:
            continue
        for column in _criterion_columns(frame.columns, criterion.id):
            header = column.split(":", 2)[2]
            lacking = pl.col(column).is_in(_matching(frame, column, values))
            expr = (
                pl.when(pl.col(column).is_null())
                .then(None)
                .when(lacking)
                .then(pl.lit(LACKING))
                .otherwise(pl.lit(NOT_LACKING))
                .cast(pl.Enum([LACKING, NOT_LACKING]))
            )
            found[accommodation_dimension(column)] = (expr, header)
    return found


def accommodation_dimension(column: str) -> str:
    """The breakdown by whether a criteria column's accommodation was lacking (its frame name):
    `ACCOMMODATION_PREFIX`, the criterion id, ":", the column's header."""
    return ACCOMMODATION_PREFIX + column.removeprefix(CRITERION_PREFIX)


def level_dimension(column: str) -> str:
    """The breakdown by the levels of a criteria column (its frame name): `LEVEL_PREFIX`, the criterion
    id, ":", the column's header."""
    return LEVEL_PREFIX + column.removeprefix(CRITERION_PREFIX)


def level_dimensions(
    frame: pl.DataFrame, columns: Collection[str], least: int
) -> dict[str, tuple[pl.Expr, str]]:
    """Per criteria column (frame names) whose levels show different differences between the sexes
    (`heterogeneous_in`): the breakdown by its levels, where the difference is found (issue 15), as the
    dimension's name, its expression and the column's header. A level becomes a published label only
    when it looks like a category and at least `least` rows hold it (as `normalise` does for every
    breakdown column); other values are pooled as 'övriga', missing ones stay missing."""
    found: dict[str, tuple[pl.Expr, str]] = {}
    for column in sorted(columns):
        text = frame.get_column(column).cast(pl.String)
        counts = dict(text.drop_nulls().value_counts().iter_rows())
        safe = [v for v, n in counts.items() if n >= least and looks_like_category(v) and v != POOLED_LABEL]
        own = own_categories(frame.schema[column])
        order = [v for v in own.cast(pl.String).to_list() if v in safe] if own is not None else sorted(safe)
        values = pl.col(column).cast(pl.String)
        expr = (
            pl.when(values.is_null())
            .then(None)
            .when(values.is_in(order))
            .then(values)
            .otherwise(pl.lit(POOLED_LABEL))
            .cast(pl.Enum([*order, POOLED_LABEL]))
        )
        found[level_dimension(column)] = (expr, column.split(":", 2)[2])
    return found


def accommodation_findings(
    descriptives: Sequence[dict[str, Any]],
    outcomes: Sequence[OutcomeSpec],
    area: CriteriaArea,
    dimensions: Sequence[str],
) -> list[dict[str, Any]]:
    """How many women and men needed accommodation (an interpreter, communication support) that was not
    given: a finding of its own, never an explanation. Per accessibility column (`dimensions`, see
    `accommodation_dimensions`), among the persons whose (first) participation outcome is recorded: the
    published counts of its two groups, lacking and not lacking, so that the finding shows nothing the
    breakdown's disclosure control does not (a count hidden there is hidden here)."""
    outcome = next((o.name for o in outcomes if o.kind == "participation"), None)
    if outcome is None:
        return []
    counts = {
        (d["breakdown"][dim], d["sex"], dim): d["n"]
        for d in descriptives
        if d["outcome"] == outcome and len(d["breakdown"]) == 1
        for dim in d["breakdown"]
        if dim in dimensions
    }
    findings = []
    # a dimension that takes one value in the unit is no breakdown of it: nothing to count from
    for dim in [d for d in dimensions if any(cell[2] == d for cell in counts)]:
        criterion_id, header = dim.removeprefix(ACCOMMODATION_PREFIX).split(":", 1)
        criterion = area.by_id(criterion_id)
        if criterion is not None:
            findings.append(_accommodation_entry(criterion, header, dim, counts))
    return findings


def _accommodation_entry(
    criterion: Criterion, header: str, dim: str, counts: Mapping[tuple[Any, str, str], int | None]
) -> dict[str, Any]:
    per_sex = []
    k: dict[str, int] = {}
    n: dict[str, int] = {}
    for sex in COMPARED:
        lacking, other = counts.get((LACKING, sex, dim), 0), counts.get((NOT_LACKING, sex, dim), 0)
        hidden = lacking is None or other is None
        if lacking is not None and other is not None:  # not hidden
            k[sex], n[sex] = lacking, lacking + other
        per_sex.append(
            {
                "sex": sex,
                "n": None if hidden else n[sex],
                "count": None if hidden else k[sex],
                "share": None if hidden or not n[sex] else _round(k[sex] / n[sex]),
                "suppressed": hidden,
            }
        )
    entry: dict[str, Any] = {
        "criterion": criterion.id,
        "column": header,
        "values": list(criterion.not_explaining_values),
        "by_sex": per_sex,
        "difference": None,
        "p_value": None,
    }
    if len(k) == len(COMPARED) and all(n.values()):
        f, m = COMPARED
        p, _ = stats.two_by_two_test(np.array([k[f]]), np.array([n[f]]), np.array([k[m]]), np.array([n[m]]))
        entry["difference"] = _round(k[f] / n[f] - k[m] / n[m])
        entry["p_value"] = stats.p_round(p[0])
    return entry
