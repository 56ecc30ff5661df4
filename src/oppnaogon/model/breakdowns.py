"""The breakdowns: what the figures of every outcome are broken down by besides sex, one entry each.

An entry says which column roles its column is formed from, how its groups are formed, what it is called
and whether it is also crossed with age. Everything else follows from the entry: the role and its header
aliases (`model.roles`, so `init` and the loader recognise the column), the `[columns]` key of
oppnaogon.toml, the canonical column of the prepared frame (`prepare.normalise`), the breakdowns of every
report with their disclosure control (`analysis.differences`), and the words in reports, tables and the
terminal (`model.wording`, `cli.console`).

How groups are formed (`form`), each done by `prepare.normalise`:

* ``age``: the age (from the age, birth date or birth year) in the configured bands;
* ``birth_region``: the birth country grouped into SCB's birth regions, or the regions as given;
* ``category``: the column's own values, rare ones pooled as "övriga" over the whole file;
* ``period``: the date on the configured period grid;
* ``municipality``: kommunkod or name, as the 290 municipalities (`model.geography`).

A new breakdown that is a column of categories (education, type of case, the team that handled it) is one
`category` entry with its header aliases: see `education`, added that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FORMS = ("age", "birth_region", "category", "period", "municipality")


@dataclass(frozen=True)
class Breakdown:
    """One breakdown: its name (the canonical column and the key in findings.json), the roles its column
    is formed from (the first one present; its missing values are the group "unknown"), how its groups
    are formed (`FORMS`), its name in each language (`label`; `role_label` where the terminal's list of
    column roles says more), and whether it is also crossed with age (`crosses_with_age`). A `category`
    breakdown is its own role: `aliases` are its header aliases (compared after `names.key`, most
    specific first)."""

    name: str
    roles: tuple[str, ...]
    form: str
    label: dict[str, str]
    crosses_with_age: bool = False
    aliases: tuple[str, ...] = ()
    role_label: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.form not in FORMS:
            raise ValueError(
                f"breakdown {self.name!r}: unknown form {self.form!r} (one of {', '.join(FORMS)})"
            )
        if set(self.label) != {"sv", "en"}:
            raise ValueError(f"breakdown {self.name!r}: a label in Swedish and English is needed")
        if self.form == "category" and (self.roles != (self.name,) or not self.aliases):
            raise ValueError(
                f"breakdown {self.name!r}: a category breakdown is its own role, with header aliases"
            )


BREAKDOWNS: tuple[Breakdown, ...] = (
    Breakdown("age_band", ("age", "birth_date", "birth_year"), "age", {"sv": "ålder", "en": "age"}),
    Breakdown(
        "birth_region",
        ("birth_country", "birth_region"),
        "birth_region",
        {"sv": "födelseregion", "en": "birth region"},
        crosses_with_age=True,
    ),
    Breakdown(
        "residence",
        ("residence",),
        "category",
        {"sv": "stadsdel/bostadsort", "en": "district/residence"},
        crosses_with_age=True,
        aliases=(
            "stadsdel",
            "kommundel",
            "bostadsort",
            "bostadsomrade",
            "stadsdelsomrade",
            "boendeort",
            "omrade",
            "residence",
            "district",
            "neighbourhood",
            "neighborhood",
        ),
        role_label={"sv": "bostadsort/stadsdel"},
    ),
    Breakdown("period", ("date",), "period", {"sv": "period", "en": "period"}),
    Breakdown("municipality", ("municipality",), "municipality", {"sv": "kommun", "en": "municipality"}),
    Breakdown(
        "education",
        ("education",),
        "category",
        {"sv": "utbildningsnivå", "en": "education"},
        aliases=(
            "utbildningsniva",
            "hogstautbildning",
            "hogstautbildningsniva",
            "utbildning",
            "educationlevel",
            "levelofeducation",
            "education",
        ),
    ),
)
"""Every breakdown, in the order reports show them."""

BY_NAME: dict[str, Breakdown] = {b.name: b for b in BREAKDOWNS}
CATEGORY_BREAKDOWNS: tuple[Breakdown, ...] = tuple(b for b in BREAKDOWNS if b.form == "category")
CROSSED_WITH_AGE: tuple[tuple[str, str], ...] = tuple(
    ("age_band", b.name) for b in BREAKDOWNS if b.crosses_with_age
)
"""The two-way breakdowns: age with each breakdown that crosses with it."""


def label(name: str, lang: str = "sv") -> str:
    """A breakdown's name in words ('födelseregion'); an unknown name as it is."""
    entry = BY_NAME.get(name)
    return entry.label[lang] if entry is not None else name
