"""gradref's import layering, read from the source with ``ast``.

Module-level imports form no cycle. gradref still has one circle, inherent to what it mirrors:
a ``Tensor``'s methods record ops and run the engine, and the ops and the engine build
``Tensor``s. Its edges are the function-level imports listed in ``CIRCLE`` with the reason each
is there; every other import is at the top of its module. A new function-level import either
closes a cycle (then it joins ``CIRCLE`` with its reason) or belongs at the top of its module.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "reference"

#: (importer, imported) -> why the import is made inside a function
CIRCLE = {
    ("gradref._engine", "gradref._tensor"): "the engine builds gradient Tensors; Tensor.backward "
    "runs the engine",
    ("gradref._engine", "gradref._ops"): "the engine's gradient-layout contract uses the recording "
    "layer's dense-strides helper; the recording layer records onto the engine's nodes",
    ("gradref._engine", "gradref"): "the engine reads the memory formats the package defines",
    ("gradref._forward", "gradref._ops"): "forward-mode propagation builds the recording layer's "
    "Ctx; the recording layer propagates tangents",
    ("gradref._ops", "gradref.ops.indexing"): "an index view node's backward gathers and puts with "
    "the indexing ops, which record through _ops",
    ("gradref._tensor", "gradref._ops"): "Tensor's methods record ops; the recording layer builds "
    "Tensors",
    ("gradref._tensor", "gradref.autograd"): "Tensor.backward calls autograd.backward, which "
    "takes Tensors",
    ("gradref.autograd.functional", "gradref.autograd"): "the package imports functional, "
    "which calls the package's grad",
    ("gradref.func", "gradref.autograd"): "func's transforms call autograd.grad; "
    "autograd.function imports func (active transforms)",
    ("gradref.ops.pointwise", "gradref.ops.indexing"): "where(condition) alone is nonzero; "
    "indexing imports pointwise's where and broadcast_shapes",
}


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted((ROOT / "gradref").rglob("*.py")):
        parts = list(p.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def _targets(module: str, node) -> list[str]:
    """The gradref modules an import statement in ``module`` imports."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            base = package[: len(package) - node.level + 1]
            full = ".".join(base + ([node.module] if node.module else []))
        else:
            full = node.module or ""
        names = [f"{full}.{a.name}" for a in node.names]
        names = [n if n in MODULES else full for n in names]
    else:
        names = [a.name for a in node.names]
    out = []
    for name in names:
        if not name.startswith("gradref"):
            continue
        while name not in MODULES and "." in name:
            name = name.rsplit(".", 1)[0]
        if name != module:
            out.append(name)
    return out


@functools.cache
def _imports() -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """Module-level edges, and (importer, imported, line) of every function-level import
    (parsed when a test first asks, not at collection: every xdist worker collects)."""
    top: dict[str, set[str]] = {m: set() for m in MODULES}
    lazy = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text())
        inside = {
            id(n) for f in ast.walk(tree)
            if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
            for n in ast.walk(f)
        }  # fmt: skip
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _targets(module, node):
                if id(node) in inside:
                    lazy.append((module, target, node.lineno))
                else:
                    top[module].add(target)
    return top, lazy


def _reaches(start: str, goal: str) -> bool:
    seen, stack = set(), [start]
    while stack:
        m = stack.pop()
        if m == goal:
            return True
        if m not in seen:
            seen.add(m)
            stack.extend(_imports()[0][m])
    return False


def test_module_level_imports_form_no_cycle():
    top = _imports()[0]
    cycles = [(m, t) for m in top for t in top[m] if _reaches(t, m)]
    assert not cycles, f"module-level import cycles through {sorted(cycles)}"


def test_every_function_level_import_is_an_edge_of_the_documented_circle():
    stray = sorted({(m, t) for m, t, _ in _imports()[1]} - set(CIRCLE))
    assert not stray, (
        f"function-level imports outside the documented circle: {stray}; move them to the top "
        "of the module, or, where that makes a cycle, add the edge to CIRCLE with its reason"
    )


def test_every_edge_of_the_circle_closes_a_cycle():
    needless = sorted((m, t) for m, t in CIRCLE if not _reaches(t, m))
    assert not needless, f"these imports make no cycle at module level: {needless}"


def test_the_circle_lists_only_imports_that_exist():
    used = {(m, t) for m, t, _ in _imports()[1]}
    assert set(CIRCLE) <= used, f"stale CIRCLE entries: {sorted(set(CIRCLE) - used)}"
