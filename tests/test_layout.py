"""The package layout: imports point one way (front ends -> runner -> {behaviours, ops,
functions} -> shared helpers -> gradref), behaviours, ops and functions do not import each other,
and no two modules import each other in a circle. Read from the source with ``ast``, lazy
imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

#: the layer of each part of gradspec; a module may import lower layers and its own part
LAYERS = {
    "gradspec.cli": 4,
    "gradspec.pytest_plugin": 4,
    "gradspec.testing": 4,
    "gradspec.runner": 3,
    "gradspec.behaviours": 2,
    "gradspec.ops": 2,
    "gradspec.functions": 2,
    "gradspec.expectations": 1,
    "gradspec.inputs": 1,
    "gradspec.tolerances": 1,
    "gradspec.devices": 1,
    "gradspec.profiles": 1,
    "gradspec.threads": 1,
    "gradspec.versions": 1,
    "gradspec.datafiles": 1,
    "gradspec.lazy": 1,
    "gradspec.triton_interpreter": 1,
}


#: the layer of the three things gradspec checks: they must not import each other (the shared
#: helpers and the front ends may; the cycle test still applies)
CHECKED = 2


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted((SRC / "gradspec").rglob("*.py")):
        parts = list(p.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = p
    return out


MODULES = _modules()


def part(module: str) -> str | None:
    """The entry of LAYERS a module belongs to (None: the top-level ``gradspec`` package)."""
    for name in sorted(LAYERS, key=len, reverse=True):
        if module == name or module.startswith(name + "."):
            return name
    return None


def _type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports(module: str) -> list[tuple[str, int]]:
    """(imported gradspec module, line) for every import in ``module``, resolved to a module
    of MODULES where it names one (``from pkg import submodule`` included)."""
    path = MODULES[module]
    is_pkg = path.name == "__init__.py"
    package = module.split(".") if is_pkg else module.split(".")[:-1]
    tree = ast.parse(path.read_text())
    skip = {
        id(n) for node in ast.walk(tree)
        if isinstance(node, ast.If) and _type_checking(node)
        for n in ast.walk(node)
    }  # fmt: skip
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for n in names:
            if n.split(".")[0] != "gradspec":
                continue
            while n not in MODULES and "." in n:
                n = n.rsplit(".", 1)[0]
            found.append((n, node.lineno))
    return found


def test_every_module_belongs_to_a_part():
    loose = [m for m in MODULES if part(m) is None and m != "gradspec"]
    assert not loose, f"modules outside the layers of this test: {loose}"


def test_the_top_holds_at_most_ten_modules():
    top = [p.name for p in (SRC / "gradspec").glob("*.py")]
    assert len(top) <= 10, sorted(top)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    mine = part(module)
    if mine is None:  # the top-level package is the public API: it may import anything
        return
    bad = []
    for target, line in imports(module):
        theirs = part(target)
        if theirs is None or theirs == mine:
            continue  # ``gradspec`` itself (its __version__), or its own part
        if LAYERS[theirs] > LAYERS[mine] or (LAYERS[theirs] == LAYERS[mine] == CHECKED):
            bad.append(f"line {line}: {target} ({theirs}, layer {LAYERS[theirs]})")
    bad = sorted(set(bad))
    assert not bad, f"{module} ({mine}, layer {LAYERS[mine]}) imports upwards or sideways:\n" + (
        "\n".join(bad)
    )


def test_no_import_cycles():
    """Modules that import each other in a circle (a submodule importing its own package's
    ``__init__``, as registration modules do, does not count)."""
    graph = {m: {t for t, _ in imports(m) if t != m and not m.startswith(t + ".")} for m in MODULES}
    cycles, state = [], {}

    def visit(m, stack):
        state[m] = "active"
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == "active":
                cycles.append(stack[stack.index(t) :] + [t])
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [])
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_tests_import_nothing_from_benchmarks():
    """The Functions tests check live in ``tests/fixtures`` (the zoos in ``benchmarks/`` import
    them from there): no test depends on a benchmark, except the tests of the benchmark
    harnesses themselves (``tests/harnesses/``)."""
    found = []
    root = Path(__file__).resolve().parent
    for p in sorted(root.rglob("*.py")):
        if p.relative_to(root).parts[0] == "harnesses":
            continue
        for node in ast.walk(ast.parse(p.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found += [f"{p.name}:{node.lineno}" for n in names if n.split(".")[0] == "benchmarks"]
    assert not found, f"tests importing from benchmarks/: {found}"
