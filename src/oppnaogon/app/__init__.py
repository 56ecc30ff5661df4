"""One function per command, shared by the CLI and Python users: `check`, `analyse`, `batch`, `init`; and
the settings of a run of `analyse` or `batch`, checked once for both (`settings`).

May import: every package but `oppnaogon.cli` and `oppnaogon.testing`.
"""
