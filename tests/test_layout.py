"""The rules of the source tree's rooms (README, "How it is built"), read from the source with `ast`.

Every import counts, including those under `if TYPE_CHECKING:` and inside functions: a circle that only the
type checker sees is still a circle for a reader.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bot"
# What features may take from the client module: its type, for annotations.
CLIENT_TYPES = {"InterviewBot", "BotInteraction"}
# Discord markup a reader of core would have to know Discord to write: bold, italics, strike-through, spoilers,
# mentions, timestamps, custom emoji, and emoji themselves.
MARKUP = re.compile(r"\*\*|__|~~|\|\||<[@#]|<t:|<a?:\w+:|[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B50\u2705\u274C\uFE0F]")


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement's target, as written in a module."""

    source: str  # the importing module
    target: str  # the imported module
    names: tuple[str, ...]  # the names taken from it (`from target import …`); empty for `import target`
    typing_only: bool  # under `if TYPE_CHECKING:`


def module_name(path: Path) -> str:
    """Return the dotted name of a source file under the repository root."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports_in(body: list[ast.stmt], source: str, typing_only: bool) -> list[Import]:
    found: list[Import] = []
    for node in body:
        if isinstance(node, ast.Import):
            found += [Import(source, alias.name, (), typing_only) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in MODULES:  # `from bot.cogs.quiz import solo` imports the module bot.cogs.quiz.solo
                    found.append(Import(source, submodule, (), typing_only))
                else:
                    found.append(Import(source, node.module, (alias.name,), typing_only))
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            found += _imports_in(node.body, source, True) + _imports_in(node.orelse, source, typing_only)
        else:
            for field in ("body", "orelse", "finalbody", "handlers"):
                inner = getattr(node, field, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt | ast.excepthandler):
                    found += _imports_in(inner, source, typing_only)
    return found


def imports_of(module: str) -> list[Import]:
    """Return every import of one of the bot's modules (relative imports are not used in this tree)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    return _imports_in(tree.body, module, False)


IMPORTS = [i for module in MODULES for i in imports_of(module)]
INTERNAL = [i for i in IMPORTS if i.target in MODULES]


def in_room(module: str, room: str) -> bool:
    """Tell whether a module is `room` or inside it."""
    return module == room or module.startswith(room + ".")


def feature_of(module: str) -> str | None:
    """Return the feature package a module belongs to (`bot.cogs.quiz.solo._views` → "quiz"), if any."""
    parts = module.split(".")
    if parts[:2] != ["bot", "cogs"] or len(parts) < 3 or f"bot.cogs.{parts[2]}" not in MODULES:
        return None
    return parts[2] if MODULES[f"bot.cogs.{parts[2]}"].name == "__init__.py" else None


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """Return one import circle as the modules along it, or None when the graph has none."""
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = "done"
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_rules_see_every_module_and_import():
    assert {"bot.app", "bot.ui", "bot.core.daily", "bot.cogs.quiz.solo._views"} <= MODULES.keys()
    assert any(i.typing_only and i.target == "bot.app" for i in INTERNAL)
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    assert feature_of("bot.cogs.quiz.solo._views") == "quiz" and feature_of("bot.cogs.options") is None


def test_no_import_circle():
    edges: dict[str, set[str]] = {}
    for i in INTERNAL:
        edges.setdefault(i.source, set()).add(i.target)
    cycle = find_cycle(edges)
    assert cycle is None, " → ".join(cycle or ())


def test_a_feature_uses_another_only_through_its_public_modules():
    crossings = [
        (i.source, i.target)
        for i in INTERNAL
        if feature_of(i.source) and feature_of(i.target) and feature_of(i.source) != feature_of(i.target)
    ]
    private = [(s, t) for s, t in crossings if any(part.startswith("_") for part in t.split("."))]
    assert private == []


def test_features_know_the_client_only_as_a_type():
    for i in INTERNAL:
        if i.target == "bot.app" and (in_room(i.source, "bot.cogs") or i.source == "bot.ui"):
            assert i.typing_only and set(i.names) <= CLIENT_TYPES, i


def test_the_toolkit_knows_no_feature():
    assert [i.target for i in INTERNAL if i.source == "bot.ui" and in_room(i.target, "bot.cogs")] == []


@pytest.mark.parametrize("room", ["bot.core", "bot.content", "bot.render", "bot.repos", "bot.db"])
def test_rooms_below_the_toolkit_know_nothing_of_discord(room):
    above = ("discord", "bot.ui", "bot.app", "bot.cogs", "bot.runner")
    for i in IMPORTS:
        if in_room(i.source, room):
            assert not any(in_room(i.target, name) for name in above), i


def _feature_packages() -> list[str]:
    """Return the packages under bot.cogs that hold one feature (not a group of sub-features such as quiz)."""
    packages = [m for m, path in MODULES.items() if in_room(m, "bot.cogs") and path.name == "__init__.py"]
    return [p for p in packages if p != "bot.cogs" and not any(q.startswith(p + ".") for q in packages)]


def test_every_feature_has_the_same_shape():
    """`__init__` (cog and commands), `_render` (what it looks like), `_views` when it has buttons."""
    features = _feature_packages()
    assert {"bot.cogs.study", "bot.cogs.daily", "bot.cogs.quiz.solo", "bot.cogs.quiz.battle"} <= set(features)
    assert [f for f in features if f + "._render" not in MODULES] == []
    loose = [
        m
        for m, path in MODULES.items()
        if m.startswith("bot.cogs.") and m.count(".") == 2 and path.name != "__init__.py"
    ]
    assert loose == ["bot.cogs.options"]  # the options several features share; every feature is a package


def _calls(tree: ast.Module) -> list[tuple[int, str]]:
    return [
        (node.lineno, node.func.attr)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    ]


@pytest.mark.parametrize("module", [m for m in MODULES if in_room(m, "bot.cogs")])
def test_screens_are_drawn_in_render_modules_and_buttons_made_in_views(module):
    """How a screen looks is in its feature's `_render`; its buttons are in `_views`: one place to look for each."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    if not module.endswith("._render"):
        drawing = {"Embed", "add_field", "set_footer", "set_author", "set_image"}
        assert [(line, name) for line, name in _calls(tree) if name in drawing] == []
    if not module.endswith("._views"):
        items = [
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ClassDef)
            and any(getattr(base, "id", None) in {"PersistentButton", "PersistentSelect"} for base in node.bases)
        ]
        assert items == []


def _strings_outside_docstrings(tree: ast.Module) -> list[ast.Constant]:
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("module", [m for m in MODULES if in_room(m, "bot.core")])
def test_core_keeps_to_facts(module):
    """Core's text is plain: what it says reads the same anywhere, so markup and emoji belong to the renderers."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    marked = [(node.lineno, node.value) for node in _strings_outside_docstrings(tree) if MARKUP.search(node.value)]
    assert marked == []


def test_the_markup_check_sees_markup():
    for text in ("**bold**", "<@123>", "<t:1:R>", "✅ done", "🔥 streak", "🎉"):
        assert MARKUP.search(text), text
    for text in ("Chapter 3 · Neural Networks", "62 %", "▰▰▱", "A → B", "in 3 days"):
        assert not MARKUP.search(text), text
