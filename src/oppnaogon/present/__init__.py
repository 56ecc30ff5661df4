"""Presenting what was computed, computing nothing new: the output files of a run (`outputs`), the
reports (`report`), the batch overview (`overview`) and the criteria tables as text (`criteria_view`).

May import: every package below `oppnaogon.app` (the analysis only for its constants and types).
"""
