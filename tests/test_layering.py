"""The import structure DESIGN.md section 1 asks for, checked from the source: each part
imports only the parts below it in the data flow, no two folders import each other
(directly or through others), and no import hides inside a function to dodge a cycle."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "heron"

# gcpause and version are leaves (no imports of Heron) that several phases use: a
# context manager and a string, not a phase
BASE = {"errors", "types", "features", "ast", "gcpause", "version"}
# what each part may import (DESIGN.md section 1); `api` is the public API on top of every
# phase, `script` and `cli` are consumers of it, `__init__` re-exports
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "types": {"errors"},
    "features": {"errors"},
    "gcpause": set(),
    "version": set(),
    "ast": {"errors", "types", "features"},
    "numerics": {"errors", "types"},
    "target": {"errors", "types"},
    "binary": BASE,
    "text": BASE | {"binary"},
    "valid": BASE | {"binary"},
    "compile": BASE | {"target", "numerics", "valid", "binary"},
    "unwind": {"errors", "types", "target"},
    "runtime": BASE | {"target", "numerics", "unwind", "compile"},
    "wasi": BASE | {"runtime"},
    "api": BASE | {"binary", "text", "valid", "compile", "runtime", "wasi", "target"},
    "script": BASE | {"binary", "text", "valid", "compile", "runtime", "api", "wasi", "target", "__init__"},
    "cli": BASE | {"binary", "text", "valid", "compile", "runtime", "api", "wasi", "target", "unwind", "script",
                   "numerics", "__init__"},
    "__init__": BASE | {"api", "runtime", "wasi"},
}


def _part(rel: tuple[str, ...]) -> str:
    return rel[0].removesuffix(".py")


def _is_module(parts: list[str]) -> bool:
    path = SRC.joinpath(*parts)
    return path.with_suffix(".py").exists() or path.is_dir()


def _imports() -> list[tuple[Path, str, str, bool]]:
    """(file, importing part, imported part, inside a function) for every heron import."""
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).parts
        here = _part(rel)
        tree = ast.parse(path.read_text())
        in_func = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                   for n in ast.walk(f) if isinstance(n, (ast.Import, ast.ImportFrom))}
        for node in ast.walk(tree):
            targets: list[list[str]] = []
            if isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    if not (node.module or "").startswith("heron"):
                        continue
                    parts = (node.module or "").split(".")[1:]
                    if not parts:
                        targets = [[a.name] if _is_module([a.name]) else ["__init__"] for a in node.names]
                    else:
                        targets = [parts]
                else:
                    base = list(rel[:-1])[: max(0, len(rel) - node.level)]
                    mod = (node.module or "").split(".") if node.module else []
                    if mod:
                        targets = [base + mod]
                    else:               # `from .. import X`: a submodule, or a name of the package
                        targets = [base + [alias.name] if _is_module(base + [alias.name]) else base + ["__init__"]
                                   for alias in node.names]
            elif isinstance(node, ast.Import):
                targets = [n.name.split(".")[1:] or ["__init__"] for n in node.names if n.name.startswith("heron")]
            for parts in targets:
                there = parts[0].removesuffix(".py") if parts else "__init__"
                out.append((path, here, there, id(node) in in_func))
    return out


def test_every_part_imports_only_what_lies_below_it():
    bad = [f"{p.relative_to(SRC)}: {here}/ imports {there}/" for p, here, there, _ in _imports()
           if here != there and there not in ALLOWED.get(here, set())]
    assert not bad, "\n".join(bad)


def test_no_import_cycles_between_folders():
    edges: dict[str, set[str]] = {}
    for _, here, there, _ in _imports():
        if here != there:
            edges.setdefault(here, set()).add(there)
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in edges.get(node, ()):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join(path + [node, nxt]))
            if nxt not in state:
                visit(nxt, path + [node])
        state[node] = 2

    for node in list(edges):
        if node not in state:
            visit(node, [])


def test_no_import_hides_inside_a_function():
    hidden = [f"{p.relative_to(SRC)}: imports {there}" for p, _, there, inside in _imports() if inside]
    assert not hidden, "\n".join(hidden)


def test_the_check_sees_the_imports():
    found = {(here, there) for _, here, there, _ in _imports()}
    assert ("compile", "target") in found and ("runtime", "unwind") in found and ("api", "compile") in found
