"""Regenerate the shipped example extract ``examples/barn_och_unga.csv``.

Usage (from the repository root)::

    python examples/generate.py                      # 6,000 rows, seed 2026
    python examples/generate.py --rows 100000 --seed 7 --out /tmp/stor.csv

If ``oppnaogon`` is not installed, run with ``PYTHONPATH=src``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from oppnaogon.synthetic import generate_barn_och_unga, write_export_csv

DEFAULT_OUT = Path("examples") / "barn_och_unga.csv"


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, generate the extract and write it as an export CSV."""
    parser = argparse.ArgumentParser(description="Generate a synthetic ISU extract (barn och unga).")
    parser.add_argument("--rows", type=int, default=6000, help="number of rows (default 6000)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output file (default {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must not be negative")
    frame = generate_barn_och_unga(args.rows, seed=args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_export_csv(frame, args.out)
    print(f"Wrote {frame.height} rows to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
