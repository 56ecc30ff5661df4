"""The outcome kinds and the criterion ids, one entry each.

An outcome kind says how its values are compared between the sexes (shares of yes, or means of a number),
whose criteria judge its differences and what it is called; a criterion id says which outcome kind's
differences it may explain (SKR's table 1 for decisions, table 2 for participation; every criteria file
`criteria/<area>.toml` says the same in `applies_to`, and is checked against it) and what it is called.
The configuration's keys, the verdict rules and the words in every output are read from here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutcomeKind:
    """How an outcome is compared (`yes_no`: shares of yes; else means of a number), whose criteria judge
    its differences by default (`judged_by`: an outcome kind with criteria, or None), whether its
    `criteria` key in oppnaogon.toml may choose other criteria or none (`criteria_chosen`), and its
    name in Swedish and English (`label`)."""

    name: str
    label: dict[str, str]
    yes_no: bool
    judged_by: str | None
    criteria_chosen: bool = False


@dataclass(frozen=True)
class CriterionId:
    """A criterion: the outcome kind whose differences it may explain (`applies_to`), its name in
    Swedish and English, and whether a difference it explains is legally motivated but still asks for
    reflection (`attitude`: consent, wishes and attitudes can themselves be shaped by how the client is
    met; seed 003)."""

    id: str
    applies_to: str
    label: dict[str, str]
    attitude: bool = False


OUTCOME_KIND_ENTRIES: tuple[OutcomeKind, ...] = (
    OutcomeKind("decision", {"sv": "beslut", "en": "decision"}, yes_no=True, judged_by="decision"),
    OutcomeKind(
        "participation", {"sv": "delaktighet", "en": "participation"}, yes_no=True, judged_by="participation"
    ),
    OutcomeKind("proportion", {"sv": "andel", "en": "share"}, yes_no=True, judged_by=None),
    # the extent of an intervention (hours per week) is part of the decision, unless the config says otherwise
    OutcomeKind(
        "numeric", {"sv": "tal", "en": "number"}, yes_no=False, judged_by="decision", criteria_chosen=True
    ),
)

CRITERION_ENTRIES: tuple[CriterionId, ...] = (
    CriterionId("need", "decision", {"sv": "behov", "en": "need"}),
    CriterionId(
        "met_otherwise",
        "decision",
        {"sv": "behov som tillgodoses på annat sätt", "en": "need met otherwise"},
    ),
    CriterionId(
        "consent", "decision", {"sv": "samtycke/inställning", "en": "consent/attitude"}, attitude=True
    ),
    CriterionId(
        "wish_to_participate",
        "participation",
        {"sv": "önskan att delta", "en": "wish to take part"},
        attitude=True,
    ),
    CriterionId(
        "guardian_attitude",
        "participation",
        {"sv": "vårdnadshavares inställning", "en": "guardians' attitude"},
        attitude=True,
    ),
    CriterionId(
        "accessibility",
        "participation",
        {
            "sv": "tillgänglighet (tolk, kommunikationsstöd)",
            "en": "accessibility (interpreter, communication support)",
        },
    ),
)

KINDS: dict[str, OutcomeKind] = {k.name: k for k in OUTCOME_KIND_ENTRIES}
CRITERIA: dict[str, CriterionId] = {c.id: c for c in CRITERION_ENTRIES}
CRITERION_IDS: tuple[str, ...] = tuple(CRITERIA)
JUDGING_KINDS: tuple[str, ...] = tuple(dict.fromkeys(c.applies_to for c in CRITERION_ENTRIES))
"""The outcome kinds that have criteria of their own: decision and participation."""
ATTITUDE_CRITERIA: frozenset[str] = frozenset(c.id for c in CRITERION_ENTRIES if c.attitude)


def _check() -> None:
    for kind in OUTCOME_KIND_ENTRIES:
        if kind.judged_by is not None and kind.judged_by not in JUDGING_KINDS:
            raise ValueError(f"outcome kind {kind.name!r}: no criterion applies to {kind.judged_by!r}")
    labels = [(k.name, k.label) for k in OUTCOME_KIND_ENTRIES] + [(c.id, c.label) for c in CRITERION_ENTRIES]
    for name, label in labels:
        if set(label) != {"sv", "en"}:
            raise ValueError(f"{name}: a label in Swedish and English is needed")


_check()
