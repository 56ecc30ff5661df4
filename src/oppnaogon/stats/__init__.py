"""Statistics, free of the data model: intervals, tests and effect sizes for comparing women and men
(`compare`) and the stratified like-with-like comparisons (`stratified`). Tested against SciPy and
statsmodels.

May import: `oppnaogon.model.sexes` only (the codes of the sexes compared, which the grouped functions
read from the `sex` column); nothing else of oppnaogon.
"""
