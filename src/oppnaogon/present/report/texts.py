"""The report's words: `templates/texts/labels.<lang>.toml` (headings, column headers, sentence patterns)
and `templates/texts/guide.<lang>.toml` (reflection prompts, steps 3–4, method, case checklist).

An analyst's own template folder (`--templates DIR`) may hold copies of these files; their entries
replace the shipped ones key by key, so changing one sentence does not require copying all of them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from oppnaogon.errors import UsageError
from oppnaogon.io.resources import shipped

TEXT_FILES = ("labels", "guide")


@dataclass(frozen=True)
class Texts:
    lang: str
    labels: dict[str, Any]
    guide: dict[str, Any]


def load_texts(lang: str, templates: Path | None = None) -> Texts:
    """The texts for `lang` (sv or en), with the entries of `templates/texts/` laid over the shipped ones."""
    loaded: dict[str, dict[str, Any]] = {}
    for name in TEXT_FILES:
        file_name = f"{name}.{lang}.toml"
        base = tomllib.loads((shipped("templates") / "texts" / file_name).read_text(encoding="utf-8"))
        if templates is not None and (templates / "texts" / file_name).is_file():
            own = templates / "texts" / file_name
            try:
                base = _overlay(base, tomllib.loads(own.read_text(encoding="utf-8")))
            except tomllib.TOMLDecodeError as error:
                raise UsageError(
                    f"{own} är inte giltig TOML: {error}.", "Rätta filen eller ta bort den ur mallmappen."
                ) from None
        loaded[name] = base
    return Texts(lang=lang, labels=loaded["labels"], guide=loaded["guide"])


def _overlay(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _overlay(merged[key], value)
        else:
            merged[key] = value
    return merged
