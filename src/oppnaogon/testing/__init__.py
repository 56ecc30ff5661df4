"""Synthetic extracts and planted-truth worlds for tests, benchmarks and simulations
(`synthetic`, `worlds`). Never imported by the tool itself.

May import: `oppnaogon.errors`, `oppnaogon.model`.
"""
