"""From a loaded file to the canonical frame every analysis uses: the input of a command
(`inputs`), normalising values, outcomes, criteria and breakdowns (`normalise`), and counts per unit and sex
(`counting`).

May import: `oppnaogon.errors`, `oppnaogon.model`, `oppnaogon.io`.
"""
