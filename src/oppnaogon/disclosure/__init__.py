"""Disclosure control: which cells are hidden so that no hidden cell can be recovered from what is
shown, with the audit of every hidden cell (`suppression`); when a numeric outcome's mean, SD and
median are hidden (`numeric`); how the figures of a like-with-like comparison are published
(`adjusted`).

May import: `oppnaogon.errors`, `oppnaogon.stats`, `oppnaogon.model`.
"""
