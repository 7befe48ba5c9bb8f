"""Text helpers shared by the importer, the loader and the lookup index."""

from __future__ import annotations

import re
import unicodedata

_TEXT_COMMAND = re.compile(r"\\(?:text|mathrm|operatorname|mathbf|mathit)\{([^{}]*)\}")
_FRAC = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\{([^{}]*)\}")
_COMMAND = re.compile(r"\\([A-Za-z]+)")
_INLINE_MATH = re.compile(r"\$([^$]+)\$")
_SYMBOLS = {
    "cdot": "·",
    "times": "×",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "approx": "≈",
    "infty": "∞",
    "sum": "Σ",
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "lambda": "λ",
    "sigma": "σ",
    "theta": "θ",
    "eta": "η",
    "mu": "μ",
    "epsilon": "ε",
    "nabla": "∇",
    "to": "→",
    "rightarrow": "→",
}


def _math_to_text(math: str) -> str:
    """Render one inline LaTeX formula as plain text."""
    out = _TEXT_COMMAND.sub(r"\1", math)
    out = _FRAC.sub(r"(\1)/(\2)", out)
    out = _SQRT.sub(r"sqrt(\1)", out)
    # Named operators (\max, \log, \exp …) read as words; known symbols become their Unicode glyph.
    out = _COMMAND.sub(lambda m: _SYMBOLS.get(m.group(1), m.group(1)), out)
    out = out.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", out).strip()


def latex_to_text(text: str) -> str:
    """Replace every inline `$…$` formula in `text` with a plain-text rendering (`$\\max(0, x)$` → `max(0, x)`)."""
    return _INLINE_MATH.sub(lambda m: _math_to_text(m.group(1)), text)


_NOT_KEPT = re.compile(r"[^a-z0-9+#]+")


def normalize(text: str) -> str:
    """Fold case, accents, punctuation and spacing so that lookups match variants ("Back-Prop" ≈ "backprop")."""
    if text.isascii():  # the usual case (autocomplete calls this dozens of times per keystroke): same result
        return _NOT_KEPT.sub("", text.lower())
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return _NOT_KEPT.sub("", folded)


def slugify(text: str) -> str:
    """Make a stable, readable id from a title ("Batch normalization" → "batch-normalization")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("+", " plus ").replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def tokenize(text: str) -> list[str]:
    """Split text into lowercase word tokens for full-text search."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()
    return re.findall(r"[a-z0-9]+(?:[-+][a-z0-9]+)*", folded)


def plural(count: int, word: str, plural_form: str | None = None) -> str:
    """Write a count with its noun: "1 day", "3 days", "2 matches" (pass the plural when it is not word + s)."""
    return f"{count} {word if count == 1 else plural_form or word + 's'}"


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters, at a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis)]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + ellipsis
