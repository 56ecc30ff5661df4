"""Disclosure control: which cells are hidden so that no hidden cell can be recovered from what is
shown (`suppression`).

May import: `oppnaogon.errors`, `oppnaogon.stats`, `oppnaogon.model`.
"""
