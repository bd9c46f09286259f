"""ONNX export of a Function with a ``symbolic`` staticmethod, through torch's TorchScript-based
exporter (``torch.onnx.export(..., dynamo=False)``), and what the exported graph computes.

The export must succeed and hold the nodes ``symbolic`` emits, with the inputs and attributes it
gives them. Where every node is a standard ONNX operator, the graph is run by onnx's reference
evaluator (``onnx.reference.ReferenceEvaluator``, pure Python) on the example and must give the
Function's forward (a Gemm missing ``transB_i=1`` fails here). A node of the default ONNX domain
that ONNX does not define and whose name is one edit from an operator it does (``Gem``) is a
misspelling and fails; any other unknown node is a custom operator: checked for its inputs,
outputs and attributes, and the check says the graph could not be run and why. Needs the
``onnx`` package (``pip install gradspec[onnx]``); skipped with the reason where it or the
exporter is missing."""

from __future__ import annotations

import io
import warnings

import numpy as np

from gradspec.functions.case import Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.checks.transforms import function_class
from gradspec.functions.oracles import merge_args
from gradspec.functions.usercode import user_call

#: the ONNX opset the check exports with (the TorchScript exporter's custom-op examples use it)
OPSET = 11
#: the default ONNX domain's names
DEFAULT_DOMAINS = ("", "ai.onnx")


def torchscript_exporter() -> dict:
    """The keyword that picks the TorchScript exporter: ``dynamo=False`` where export has the
    switch (torch 2.5 and later), nothing where the TorchScript exporter is the only one."""
    import inspect

    import torch

    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


class _Recorder:
    """A stand-in for the exporter's graph context: records each op ``symbolic`` emits as
    ``(name, inputs, attributes, outputs)``, an input being the argument position it came from
    (None for anything else)."""

    def __init__(self):
        self.ops: list[tuple[str, list, dict, int]] = []

    def op(self, name, *args, **kwargs):
        outputs = kwargs.pop("outputs", 1)
        attrs = {_attribute_name(k): v for k, v in kwargs.items()}
        self.ops.append((name, [getattr(a, "position", None) for a in args], attrs, outputs))
        if isinstance(outputs, int) and outputs > 1:
            return tuple(_Value() for _ in range(outputs))
        return _Value()


class _Value:
    def __init__(self, position: int | None = None):
        self.position = position

    def __getattr__(self, name):
        return lambda *a, **k: _Value()


def _attribute_name(key: str) -> str:
    """``transB_i`` -> ``transB`` (the exporter's type suffixes)."""
    base, sep, suffix = key.rpartition("_")
    return base if sep and suffix in ("i", "f", "s", "t", "g", "is", "fs", "ss", "ts") else key


def recorded(cls, n_args: int) -> list[tuple[str, list, dict, int]]:
    """The ops ``cls.symbolic`` emits, called with stand-in values (empty when it cannot be
    called that way)."""
    g = _Recorder()
    try:
        user_call(cls.symbolic, g, *[_Value(k) for k in range(n_args)])
    except Exception:  # noqa: BLE001 - best effort: the export says the rest
        return []
    return g.ops


def emitted(cls, n_args: int) -> list[str]:
    """The op names ``cls.symbolic`` emits (empty when it cannot be called with stand-ins)."""
    return [name for name, *_ in recorded(cls, n_args)]


def _split(name: str) -> tuple[str, str]:
    """``"mydomain::MyOp"`` -> ``("mydomain", "MyOp")``; ``"onnx::Gemm"``/``"Gemm"`` -> ``("",
    "Gemm")``."""
    domain, sep, op = name.rpartition("::")
    if not sep or domain == "onnx":
        return "", op
    return domain, op


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by exactly one insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :] if len(a) < len(b) else a[i + 1 :] == b[i + 1 :]


def _standard_ops() -> set[str]:
    import onnx.defs

    return {s.name for s in onnx.defs.get_all_schemas_with_history() if s.domain in ("",)}


def misspelled(op: str, standard: set[str]) -> str | None:
    """The standard ONNX operator ``op`` is a misspelling of (one edit, or only case), or None
    (a name that is far from every operator: a custom op)."""
    if len(op) < 3:
        return None
    for name in sorted(standard):
        if name.lower() == op.lower() or (len(name) >= 4 and _one_edit(op, name)):
            return name
    return None


def _attribute_value(a):
    import onnx.helper

    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, onnx.TensorProto):
        import onnx.numpy_helper

        return onnx.numpy_helper.to_array(v)
    if isinstance(v, bytes):
        return v.decode()
    if isinstance(v, list):
        return [x.decode() if isinstance(x, bytes) else x for x in v]
    return v


def _same_attribute(given, exported) -> bool:
    if isinstance(given, list | tuple):
        return (
            isinstance(exported, list)
            and len(given) == len(exported)
            and all(_same_attribute(g, e) for g, e in zip(given, exported))
        )
    if isinstance(given, bool | int | float) and isinstance(exported, int | float):
        return bool(np.isclose(float(given), float(exported), rtol=1e-6, atol=0))
    if isinstance(exported, np.ndarray):  # a tensor attribute (Constant's value_t)
        given = np.asarray(given.detach().cpu().numpy() if hasattr(given, "detach") else given)
        return given.shape == exported.shape and bool(np.allclose(given, exported, equal_nan=True))
    return given == exported


def _describe(nodes) -> str:
    return ", ".join(
        f"{(n.domain + '::') if n.domain else ''}{n.op_type}({', '.join(n.input)})" for n in nodes
    )


@register(
    "export",
    "contract.onnx-export",
    "A Function with a symbolic staticmethod exports with torch.onnx.export (TorchScript "
    "exporter, opset 11, ONNX_ATEN_FALLBACK), the exported graph holds the nodes symbolic emits "
    "with their inputs and attributes, and where it uses standard ONNX operators only, onnx's "
    "reference evaluator running it on the example gives the Function's forward.",
    once=True,
    order=240,
)
def export(case: Case):
    import torch

    cls = function_class(case)
    if cls is None or "symbolic" not in vars(cls):
        raise NotApplicable("fn is not a custom Function with a symbolic staticmethod")
    try:
        import onnx
    except ImportError:
        raise NotApplicable("the onnx package is not installed (pip install onnx)") from None
    if case.dtype != "float32":
        raise NotApplicable("exported once, from float32 inputs")
    if any(v is None for v in case.values):
        # torch's TorchScript exporter crashes the process (SIGSEGV, torch 2.15) when symbolic
        # passes None (an omitted optional input) to g.op: never export those
        raise NotApplicable("exported with every optional input present")
    inputs = case.make_inputs(requires_grad=(False,) * len(case.values), nonleaf=False)
    args = case.full_args(inputs)
    fn = case.spec.fn
    names = [f"input_{k}" for k, a in enumerate(args) if isinstance(a, torch.Tensor)]
    fixed = tuple(case.example.args)

    class Wrapped(torch.nn.Module):
        # the non-tensor args are closed over: the exporter takes its inputs as graph values,
        # and symbolic gets a Python float or int as the Function's forward does
        def forward(self, *xs):
            return user_call(fn, *merge_args(xs, fixed))

    kinds = torch.onnx.OperatorExportTypes
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # the exporter runs the user's symbolic and forward: under the time limit
            user_call(torch.onnx.export, Wrapped(), tuple(inputs), buf, opset_version=OPSET,
                      operator_export_type=kinds.ONNX_ATEN_FALLBACK, input_names=names,
                      **torchscript_exporter())  # fmt: skip
    except TypeError as e:
        if "dynamo" in str(e):
            raise NotApplicable(f"this torch has no TorchScript exporter switch: {e}") from None
        raise CheckFailure(f"torch.onnx.export raised TypeError: {e}", key=("export",)) from None
    except Exception as e:  # noqa: BLE001 - the user's symbolic, run by the exporter
        raise CheckFailure(
            f"torch.onnx.export raised {type(e).__name__}: {str(e).splitlines()[0]}",
            key=("export", type(e).__name__),
        ) from None
    model = onnx.load_from_string(buf.getvalue())
    nodes = list(model.graph.node)
    ops = recorded(cls, len(args))
    if not ops and not nodes:
        raise CheckFailure("the exported ONNX graph has no node", key=("export-empty",))
    _check_nodes(cls, ops, nodes, names)
    return _run_graph(case, cls, model, nodes, names, inputs, args)


def _check_nodes(cls, ops, nodes, names) -> None:
    """Each op ``symbolic`` emits is a node of the graph, with its inputs and attributes; a
    default-domain name one edit from a standard operator is a misspelling."""
    standard = _standard_ops()
    exported = [n.op_type for n in nodes]
    for name, positions, attrs, _outputs in ops:
        domain, op = _split(name)
        if domain in DEFAULT_DOMAINS and op not in standard:
            near = misspelled(op, standard)
            if near is not None:
                raise CheckFailure(
                    f"{cls.__name__}.symbolic emits {op!r}, which is not an ONNX operator (did "
                    f"you mean {near!r}?); a custom operator belongs in its own domain "
                    f"(g.op('mydomain::{op}', ...))",
                    key=("export-misspelled", op),
                    static=True,
                )
        same = [n for n in nodes if n.op_type == op and (n.domain or "") == domain]
        if not same:
            raise CheckFailure(
                f"{cls.__name__}.symbolic emits {[o[0] for o in ops]}, but the exported graph "
                f"holds {exported}: symbolic's node is not what the export produced (does "
                "symbolic return it?)",
                key=("export-missing",),
            )
        # the graph may hold several nodes of this op (two Where, say): symbolic's node is
        # any one of them with its inputs and attributes; the first is described otherwise
        problems = [_node_problem(cls, op, positions, attrs, node, nodes, names) for node in same]
        if all(problems):
            raise problems[0]


def _node_problem(cls, op, positions, attrs, node, nodes, names) -> CheckFailure | None:
    """Why exported ``node`` is not the node ``symbolic`` emitted (its inputs by argument
    position, its attributes), or None where it is."""
    for k, pos in enumerate(positions):
        want = f"input_{pos}"
        if pos is None or want not in names:
            continue  # not an argument as given (a value symbolic computed), or a constant
        if k >= len(node.input) or node.input[k] != want:
            got = node.input[k] if k < len(node.input) else "nothing"
            return CheckFailure(
                f"{cls.__name__}.symbolic gives {op} argument {pos} as its input {k}, but "
                f"the exported node takes {got} there: {_describe(nodes)}",
                key=("export-inputs", op),
            )
    got_attrs = {a.name: _attribute_value(a) for a in node.attribute}
    for attr, value in attrs.items():
        if attr not in got_attrs or not _same_attribute(value, got_attrs[attr]):
            return CheckFailure(
                f"{cls.__name__}.symbolic gives {op} the attribute {attr}={value!r}, but the "
                f"exported node has {got_attrs or 'no attributes'}",
                key=("export-attributes", op),
            )
    return None


def _run_graph(case: Case, cls, model, nodes, names, inputs, args) -> str:
    """Run the graph with onnx's reference evaluator and compare with the forward; returns
    what was checked (a sentence for the report), or raises CheckFailure."""
    import torch
    from onnx.reference import ReferenceEvaluator

    standard = _standard_ops()
    unknown = [n for n in nodes if (n.domain or "") not in DEFAULT_DOMAINS or n.op_type not in
               standard]  # fmt: skip
    if unknown:
        what = ", ".join(sorted({f"{n.domain + '::' if n.domain else ''}{n.op_type}" for n in
                                 unknown}))  # fmt: skip
        return (
            f"exported; its node(s) {what} are not standard ONNX operators, so onnx's reference "
            "evaluator cannot run the graph: checked their inputs and attributes only"
        )
    feeds = {}
    graph_inputs = {i.name for i in model.graph.input}
    tensors = [a for a in args if isinstance(a, torch.Tensor)]
    for name, t in zip(names, tensors):
        if name in graph_inputs:
            feeds[name] = t.detach().cpu().numpy()
    try:
        evaluator = ReferenceEvaluator(model)
    except NotImplementedError as e:
        return f"exported; onnx's reference evaluator cannot run it ({_first_line(e)})"
    try:
        got = evaluator.run(None, feeds)
    except NotImplementedError as e:
        return f"exported; onnx's reference evaluator cannot run it ({_first_line(e)})"
    except Exception as e:  # noqa: BLE001 - the exported graph, run on the example
        raise CheckFailure(
            f"the exported ONNX graph ({_describe(nodes)}) raises {type(e).__name__} when onnx's "
            f"reference evaluator runs it on the example: {_first_line(e)}; the Function's "
            "forward runs there (is symbolic's node given the right inputs and attributes?)",
            key=("export-graph-raises",),
        ) from None
    with torch.no_grad():
        outs = case.call(inputs)
    want = [o for o in outs if isinstance(o, torch.Tensor)]
    if len(got) != len(want):
        raise CheckFailure(
            f"the exported ONNX graph gives {len(got)} output(s), the Function {len(want)}",
            key=("export-outputs",),
        )
    for k, (g, w) in enumerate(zip(got, want)):
        w = w.detach().cpu().numpy()
        g = np.asarray(g)
        if g.shape != w.shape:
            raise CheckFailure(
                f"output {k} of the exported ONNX graph ({_describe(nodes)}) has shape "
                f"{tuple(g.shape)} where the Function's forward gives {tuple(w.shape)}",
                key=("export-shape",),
            )
        scale = float(np.abs(w).max()) if w.size else 0.0
        if g.dtype.kind in "fc" and w.dtype.kind in "fc":
            bad = ~np.isclose(g, w, rtol=1e-3, atol=1e-4 * max(1.0, scale), equal_nan=True)
        else:
            bad = g != w
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise CheckFailure(
                f"output {k} of the exported ONNX graph ({_describe(nodes)}), run by onnx's "
                f"reference evaluator, differs from the Function's forward: at {list(i)} got "
                f"{g[i]!r}, the forward gives {w[i]!r}",
                key=("export-values",),
            )
    return "the exported graph, run by onnx's reference evaluator, gives the forward's values"


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__
