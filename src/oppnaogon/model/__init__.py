"""What the analysis is about, as data: names and codes (`names`), column roles (`roles`), the
configuration (`config`), the criteria tables (`criteria`), reporting periods (`periods`), birth regions and
municipality codes (`geography`), the words for the sexes, groups and verdicts (`wording`) and the settings
of an analysis (`settings`); the breakdowns, one entry each (`breakdowns`); one like-with-like
comparison as the verdict rules read it (`comparison`); one unit of a batch (`units`).

May import: `oppnaogon.errors`, `oppnaogon.io.resources` (where the criteria tables are shipped).
"""
