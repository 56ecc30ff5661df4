"""One function per command, shared by the CLI and Python users: `check`, `analyse`, `batch`, `init`.

May import: every package but `oppnaogon.cli` and `oppnaogon.testing`.
"""
