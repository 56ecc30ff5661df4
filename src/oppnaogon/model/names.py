"""Normalising names and codes so that `Kön`, `kon`, ` KÖN ` and `K ö n` compare equal."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip diacritics (å→a, ö→o, é→e) and collapse everything else to single spaces.

    >>> fold("  Insats_Beviljad (Ja/Nej) ")
    'insats beviljad ja nej'
    >>> fold("KÖN")
    'kon'
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", ascii_only).strip()


def key(text: str) -> str:
    """Like :func:`fold` but without any separators: the key used to match headers and codes.

    >>> key("Födelse-land")
    'fodelseland'
    """
    return fold(text).replace(" ", "")
