"""What the analysis is about, as data: names and codes (`names`), column roles (`roles`), the
configuration (`config`), the criteria tables (`criteria`), reporting periods (`periods`), birth regions and
municipality codes (`geography`), the sexes and their words (`sexes`), the words for groups, criteria and
verdicts (`wording`), the reason codes with their texts (`reasons`) and the settings of an analysis
(`settings`); the breakdowns, one entry each (`breakdowns`); the outcome kinds and criterion ids, one entry
each (`kinds`); one like-with-like comparison as the verdict rules read it (`comparison`); one unit of a
batch (`units`); the typed findings.json (`findings`).

May import: `oppnaogon.errors`, `oppnaogon.io.resources` (where the criteria tables are shipped).
"""
