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
    r"""Replace every inline `$…$` formula in `text` with a plain-text rendering (`$\max(0, x)$` → `max(0, x)`)."""
    return _INLINE_MATH.sub(lambda m: _math_to_text(m.group(1)), text)


_NOT_KEPT_ASCII = re.compile(r"[^a-z0-9+#]+")
_RUN_ASCII = re.compile(r"[a-z0-9+#]+")
_TOKEN_ASCII = re.compile(r"[a-z0-9]+(?:[-+][a-z0-9]+)*")
# In folded text (see _fold_any) everything but letters, marks, digits, "+", "#" and "-" is a space.
_TOKEN_ANY = re.compile(r"[^\s+#-]+(?:[-+][^\s+#-]+)*")


def _is_latin(char: str) -> bool:
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN ")


def _fold_any(text: str) -> str:
    """Fold text of any script as normalize() does, but put a space where it drops a character ("-" stays).

    Case is folded, compatibility forms (NFKC: full-width letters, ligatures, superscripts) too, and accents
    on Latin letters. Letters, marks and digits of every script stay (Cyrillic "й" is not "и").
    """
    kept = []
    latin = False
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char).startswith("M"):
            if latin:
                continue  # an accent on a Latin letter
        else:
            latin = _is_latin(char)
        kept.append(char)
    folded = unicodedata.normalize("NFKC", "".join(kept).casefold())
    return "".join(c if c in "+#-" or unicodedata.category(c)[0] in "LMN" else " " for c in folded)


def name_runs(text: str) -> list[str]:
    """Split a name into the runs of characters normalize() keeps: their concatenation is its normalized form.

    "Leaky ReLU" → ["leaky", "relu"], "C++ (lang)" → ["c++", "lang"]; the lookup index completes a later word of
    a name from these.
    """
    if text.isascii():
        return _RUN_ASCII.findall(text.lower())
    return _fold_any(text).replace("-", " ").split()


def normalize(text: str) -> str:
    """Fold what lookups ignore, so that names match their variants ("Back-Prop" ≈ "backprop", "Naïve" ≈ "naive").

    Case is folded, compatibility forms (NFKC: full-width letters, ligatures, superscripts) too, and
    accents on Latin letters; spacing and punctuation go. Letters, marks and digits of every script stay
    (Cyrillic "й" is not "и"), as do "+" and "#" ("C++", "C#").
    """
    if text.isascii():
        return _NOT_KEPT_ASCII.sub("", text.lower())
    return "".join(name_runs(text))


def slugify(text: str) -> str:
    """Make a stable, readable id from a title ("Batch normalization" → "batch-normalization")."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("+", " plus ").replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def tokenize(text: str) -> list[str]:
    """Split text into lowercase word tokens for full-text search ("Leaky-ReLU's" → ["leaky-relu", "s"]).

    Folded as normalize() folds, so words of every script are tokens; "-" and "+" inside a word keep it whole.
    """
    if text.isascii():
        return _TOKEN_ASCII.findall(text.lower())
    return _TOKEN_ANY.findall(_fold_any(text))


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
