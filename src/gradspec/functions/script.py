"""The body of a reproducer, as plain torch code: a check that fails builds one with what it
did (the inputs in their layouts, the call, the cotangents, what backward returned, the
assertion), and :mod:`gradspec.functions.reproducer` wraps it into a standalone script that
needs torch and the module defining the op, nothing else (no gradspec, no gradref)."""

from __future__ import annotations

import math

import numpy as np

#: arrays up to this many elements are written as float lists, larger ones as hex bytes
LIST_LIMIT = 64


def tensor_src(values, dtype: str, device: str = "cpu") -> str:
    """``_t(data, shape, torch.float32)``: the exact values (float64 bits) as a literal."""
    a = np.asarray(values)
    if a.dtype.kind == "b":
        inner = repr(a.ravel().tolist())
        return f"torch.tensor({inner}, dtype=torch.bool).reshape({tuple(a.shape)!r})"
    if a.dtype.kind in "iu":
        inner = repr(a.ravel().tolist())
        return f"torch.tensor({inner}, dtype=torch.int64).reshape({tuple(a.shape)!r})"
    a = np.asarray(values, dtype=np.float64)
    if a.size <= LIST_LIMIT and np.all(np.isfinite(a)):
        data = repr([float(x) for x in a.ravel()])
    else:
        data = repr(a.astype("<f8").tobytes().hex())
    dev = "" if device == "cpu" else f", {device!r}"
    return f"_t({data}, {tuple(a.shape)!r}, torch.{dtype}{dev})"


def number_src(x) -> str:
    x = float(x)
    if math.isfinite(x):
        return repr(x)
    return f"float({str(x)!r})"


class Script:
    """Lines of a reproducer body, with helpers for what the checks do."""

    def __init__(self, case, check: str):
        self.case = case
        self.check = check
        self.lines: list[str] = []
        self.needs_layout = False
        #: per built input name, the name of the leaf gradients are taken with respect to
        self.leaf_names: dict[str, str] = {}
        self.omitted: set[str] = set()

    # -- building blocks ------------------------------------------------------------------
    def line(self, *lines: str) -> Script:
        self.lines.extend(lines)
        return self

    def comment(self, text: str) -> Script:
        return self.line(f"# {text}")

    def inputs(
        self,
        requires_grad=None,
        layouts=None,
        nonleaf=None,
        values=None,
        dtype=None,
        suffix: str = "",
    ) -> list[str]:
        """Build the inputs as the case did; returns the Python names (``None`` for omitted)."""
        case = self.case
        ex = case.example
        requires_grad = ex.requires_grad if requires_grad is None else requires_grad
        layouts = ("contiguous",) * len(ex.shapes) if layouts is None else layouts
        nonleaf = case.facts.modifies_inputs if nonleaf is None else nonleaf
        values = ex.values if values is None else values
        dtype = dtype or ex.dtype
        names = []
        for i, (v, rg, lay) in enumerate(zip(values, requires_grad, layouts)):
            name = case.names[case.positions[i]] + suffix
            if v is None:
                self.line(f"{name} = None  # optional input omitted")
                self.omitted.add(name)
                names.append(name)
                continue
            if not ex.is_float(i) and not ex.is_nondiff(i):
                kind = ex.tensor_dtype(i)
                arr = np.asarray(v) != 0 if kind == "bool" else np.asarray(v).astype(np.int64)
                src = tensor_src(arr, kind, ex.device)
                if lay != "contiguous":
                    self.needs_layout = True
                    src = f"_laid_out({src}, {lay!r})"
                self.line(f"{name} = {src}")
                self.leaf_names[name] = name
                names.append(name)
                continue
            src = tensor_src(v, dtype, ex.device)
            if lay != "contiguous":
                self.needs_layout = True
                src = f"_laid_out({src}, {lay!r})"
            note = "" if lay == "contiguous" else f"  # {lay}"
            self.line(f"{name} = {src}{'.requires_grad_()' if rg else ''}{note}")
            self.leaf_names[name] = name
            if nonleaf:
                self.line(
                    f"{name}_leaf, {name} = {name}, {name}.clone()  # modified in place by fn: "
                    "pass a non-leaf"
                )
                self.leaf_names[name] = f"{name}_leaf"
            names.append(name)
        return names

    def args_src(self, names: list[str]) -> str:
        by_pos = dict(zip(self.case.positions, names))
        for p, v in self.case.example.args:
            by_pos[p] = repr(v)
        return ", ".join(by_pos[p] for p in sorted(by_pos))

    def call(self, names: list[str], no_grad: bool = False, target: str = "outs") -> Script:
        call = f"fn({self.args_src(names)})"
        if no_grad:
            self.line("with torch.no_grad():", f"    {target} = _as_tuple({call})")
        else:
            self.line(f"{target} = _as_tuple({call})")
        return self

    def cotangents(
        self, outs, layouts=None, only=None, target: str = "outs", requires_grad: bool = False
    ) -> list[str]:
        """One cotangent per differentiable output (``only``: those kept); returns names."""
        case = self.case
        names = []
        for k, o in case.diff_outputs(outs):
            if only is not None and k not in only:
                continue
            v = case.example.cotangent(k, tuple(o.shape))
            lay = layouts[k] if layouts else "contiguous"
            src = tensor_src(v, str(o.dtype).rsplit(".", 1)[-1], case.example.device)
            if lay != "contiguous":
                self.needs_layout = True
                src = f"_laid_out({src}, {lay!r})"
            name = f"grad_{target}{k}"
            rg = ".requires_grad_()" if requires_grad else ""
            self.line(f"{name} = {src}{rg}  # cotangent of {target}[{k}]")
            names.append(name)
        return names

    def raw_backward(self, outs, cot_names: list[str], view, target: str = "outs") -> Script:
        """``ret = outs[k].grad_fn.apply(...)``: what backward really returns."""
        case = self.case
        diff = [k for k, _ in case.diff_outputs(outs)]
        by_k = dict(zip(diff, cot_names))
        args = []
        for k in range(view.n_outputs):
            o = outs[k] if k < len(outs) else None
            if k in by_k:
                args.append(by_k[k])
            elif hasattr(o, "shape"):
                args.append(f"torch.zeros_like({target}[{k}])")
            else:
                args.append("None")
        first = diff[0]
        self.comment("what backward really returns, before torch's engine sums or casts it")
        self.line(
            "with torch.no_grad():",
            f"    ret = {target}[{first}].grad_fn.apply({', '.join(args)})",
            "ret = ret if isinstance(ret, tuple) else (ret,)",
            'print("backward returned:", [None if g is None else (tuple(g.shape), g.dtype) '
            "for g in ret])",
        )
        return self

    def wrt(self, names: list[str], inputs) -> list[str]:
        """The leaf names of the inputs that require grad (what gradients are taken for)."""
        return [
            self.leaf_names.get(n, n)
            for n, x in zip(names, inputs)
            if x is not None and x.requires_grad
        ]

    def grads(
        self,
        outs,
        wrt: list[str],
        cot_names: list[str],
        only=None,
        target: str = "outs",
        out: str = "grads",
        **kwargs,
    ) -> Script:
        case = self.case
        diff = [k for k, _ in case.diff_outputs(outs) if only is None or k in only]
        extra = "".join(f", {k}={v!r}" for k, v in kwargs.items())
        self.line(
            f"{out} = torch.autograd.grad([{', '.join(f'{target}[{k}]' for k in diff)}], "
            f"[{', '.join(wrt)}], [{', '.join(cot_names)}], allow_unused=True{extra})"
        )
        return self

    def gradcheck(self, names: list[str], gradgrad: bool = False) -> Script:
        """torch.autograd.gradcheck (or gradgradcheck) on float64 copies of the inputs."""
        present = [n for n in names if n not in self.omitted]
        params = ", ".join(present)
        for n in present:
            self.line(f"{n} = {n}.detach().double().requires_grad_()")
        fn = "gradgradcheck" if gradgrad else "gradcheck"
        self.line(f"torch.autograd.{fn}(lambda {params}: fn({self.args_src(names)}), [{params}])")
        return self

    def expect_close(self, what: str, actual: str, expected, dtype: str, rtol, atol) -> Script:
        exp = tensor_src(np.asarray(expected, dtype=np.float64), "float64")
        if np.ndim(atol):
            a = tensor_src(
                np.broadcast_to(np.asarray(atol, np.float64), np.shape(expected)), "float64"
            )
        else:
            a = number_src(atol)
        self.line(f"_check_close({what!r}, {actual}, {exp}, rtol={number_src(rtol)}, atol={a})")
        return self

    def expect_equal(self, what: str, actual: str, expected: str) -> Script:
        self.line(f"_check_close({what!r}, {actual}, {expected}, rtol=0.0, atol=0.0)")
        return self

    def expect(self, condition: str, message: str) -> Script:
        self.line(f"assert {condition}, {('[' + self.check + '] ' + message)!r}")
        return self

    def render(self) -> str:
        return "\n".join(self.lines)
