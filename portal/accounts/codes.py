"""Human-typable one-time codes (recovery codes, activation short codes)."""

from __future__ import annotations

import secrets

# Crockford's base32 without I, L, O, U: nothing that is easy to misread or mistype.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code(groups: int, group_size: int = 4) -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(groups * group_size))
    return "-".join(raw[i : i + group_size] for i in range(0, len(raw), group_size))


def normalise(code: str) -> str:
    """What the person typed, as we compare it: no spaces or dashes, upper case, look-alikes mapped."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OILU", "011V"))
