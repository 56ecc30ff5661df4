"""The Polars techniques that keep a run to a few passes over the rows, named for what they do: small
integer codes of categorical columns packed into 63-bit words to group on (`keys`) and tables of coarser
breakdowns summed from finer ones instead of from the rows (`rollup`).

May import: `oppnaogon.errors`, `oppnaogon.io` (a column's own categories).
"""
