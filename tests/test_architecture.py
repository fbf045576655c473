"""The layers of docs/architecture.md hold: no module imports from a layer above its own.

Every import of every module of the four apps is read (at the top of a module or inside a
function alike) and resolved to the package it names.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module belongs to the longest prefix that names it.
LAYERS = {
    "members.audit": 0,
    "members.notifications": 0,
    "members": 1,
    "working_groups": 2,
    "meetings": 3,
    "coalition": 4,
}


def layer_of(module: str) -> int | None:
    best = None
    for prefix, layer in LAYERS.items():
        if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return best[1] if best else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path, name: str = "") -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file (``name``: its module, by default from
    its place in the tree)."""
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # "from . import services" names a module of the package: resolve each name too.
            found.append((node.lineno, target))
            found += [(node.lineno, f"{target}.{alias.name}") for alias in node.names
                      if (ROOT / Path(*f"{target}.{alias.name}".split("."))).with_suffix(".py").exists()]
    return found


def app_modules():
    for top in ("members", "working_groups", "meetings", "coalition"):
        yield from sorted((ROOT / top).rglob("*.py"))


def test_no_module_imports_from_a_layer_above_its_own():
    upward = []
    for path in app_modules():
        source = module_name(path)
        own = layer_of(source)
        for line, target in imported_modules(path):
            theirs = layer_of(target)
            if theirs is not None and theirs > own:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    assert upward == []


@pytest.mark.parametrize(("module", "layer"), [
    ("members.notifications.services", 0), ("members.audit.models", 0), ("members.services.requests", 1),
    ("members", 1), ("working_groups.views.groups", 2), ("meetings.digest", 3), ("coalition.urls", 4),
    ("django.db", None),
])
def test_layer_of_knows_each_package(module, layer):
    assert layer_of(module) == layer


def test_the_check_sees_an_upward_import_even_inside_a_function(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from .. import selectors\n\ndef f():\n    from meetings import digest\n", encoding="utf-8")
    found = imported_modules(probe, name="members.notifications.probe")
    # both point up from layer 0: "from .." names members (1), "selectors" members.selectors (1)
    assert [(t, layer_of(t)) for _, t in found] == [
        ("members", 1), ("members.selectors", 1), ("meetings", 3), ("meetings.digest", 3)]
