"""Reading input and writing output: extracts into one Polars frame (`loading`), the privacy guard that
refuses identifying data before anything is written (`privacy`), atomic output files (`files`) and the
shipped data folders (`resources`).

May import: `oppnaogon.errors`, `oppnaogon.model`.
"""
