"""ONNX export of a Function with a ``symbolic`` staticmethod, through torch's TorchScript-based
exporter (``torch.onnx.export(..., dynamo=False)``): the export succeeds and the graph holds the
node ``symbolic`` emits. Needs the ``onnx`` package (``pip install gradspec[onnx]``); skipped
with the reason where it or the exporter is missing."""

from __future__ import annotations

import io
import warnings

from gradspec.functions.case import Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.checks.transforms import function_class
from gradspec.functions.usercode import user_call


def torchscript_exporter() -> dict:
    """The keyword that picks the TorchScript exporter: ``dynamo=False`` where export has the
    switch (torch 2.5 and later), nothing where the TorchScript exporter is the only one."""
    import inspect

    import torch

    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


class _Recorder:
    """A stand-in for the exporter's graph context: records the ops ``symbolic`` emits."""

    def __init__(self):
        self.ops: list[str] = []

    def op(self, name, *args, **kwargs):
        self.ops.append(name)
        return _Value()


class _Value:
    def __getattr__(self, name):
        return lambda *a, **k: _Value()


def emitted(cls, n_args: int) -> list[str]:
    """The op names ``cls.symbolic`` emits, called with stand-in values (empty when it cannot
    be called that way)."""
    g = _Recorder()
    try:
        cls.symbolic(g, *[_Value() for _ in range(n_args)])
    except Exception:  # noqa: BLE001 - best effort: the export says the rest
        return []
    return g.ops


@register(
    "export",
    "contract.onnx-export",
    "A Function with a symbolic staticmethod exports with torch.onnx.export (TorchScript "
    "exporter, opset 11, ONNX_ATEN_FALLBACK) and the exported graph holds the node symbolic "
    "emits.",
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

    class Wrapped(torch.nn.Module):
        def forward(self, *xs):
            return user_call(fn, *xs)

    kinds = torch.onnx.OperatorExportTypes
    buf = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(Wrapped(), tuple(args), buf, opset_version=11,
                              operator_export_type=kinds.ONNX_ATEN_FALLBACK,
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
    nodes = [n.op_type for n in onnx.load_from_string(buf.getvalue()).graph.node]
    want = [name.split("::")[-1] for name in emitted(cls, len(args))]
    missing = [w for w in want if w not in nodes]
    if not want:
        if not nodes:
            raise CheckFailure("the exported ONNX graph has no node", key=("export-empty",))
        return
    if missing:
        raise CheckFailure(
            f"{cls.__name__}.symbolic emits {want}, but the exported graph holds {nodes}: "
            "symbolic's node is not what the export produced (does symbolic return it?)",
            key=("export-missing",),
        )
