"""The analysis itself, on the prepared frame: step 1's sex-disaggregated descriptives and
differences, suppressed (`differences`), the criteria verdicts (`verdicts`, `verdicts_numeric`, on the strata of `strata`) and the
follow-up against an earlier run (`followup`).

May import: `oppnaogon.errors`, `oppnaogon.model`, `oppnaogon.io`, `oppnaogon.prepare`, `oppnaogon.stats`,
`oppnaogon.disclosure`.
"""
