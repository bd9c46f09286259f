"""Custom operators as ops under test: ``torch.library.custom_op`` (a ``CustomOpDef``),
``torch.library.triton_op``, and the ``torch.ops.ns.name`` packet or its ``.default`` overload.

The op's schema says which positional arguments are tensors (``Tensor``, ``Tensor?``: optional),
which it mutates (``mutates_args``: ``Tensor(a!)`` in the schema) and the types of the others,
drawn from their types unless ``args=`` fixes them. :class:`OpCall` is the callable gradspec
checks: it calls the op's overload and returns the op's outputs followed by the new values of
its mutated inputs (each mutated input is cloned first, so a mutating op that returns ``None``
is checked as a function returning what it wrote). An op without gradients
(``differentiable=False``, the default for one without an autograd formula or one that mutates)
is called on detached inputs.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass

#: custom_op, register_fake and register_autograd came with torch 2.4
MIN_TORCH = (2, 4)


class OpProblem(ValueError):
    """A custom op gradspec cannot check as given (raised as SpecError by ``gradspec.spec``)."""


@dataclass(frozen=True)
class OpArg:
    """One positional argument of the op's schema."""

    name: str
    type: str  # the schema's type, e.g. "Tensor", "Tensor?", "float", "int", "SymInt"
    has_default: bool
    default: object
    mutated: bool

    @property
    def is_tensor(self) -> bool:
        return self.type in ("Tensor", "Tensor?")

    @property
    def optional(self) -> bool:
        return self.type.endswith("?")


def _torch_version() -> tuple[int, int]:
    import torch

    major, minor = torch.__version__.split("+")[0].split(".")[:2]
    return int(major), int("".join(c for c in minor if c.isdigit()) or 0)


def kind_of(fn) -> str | None:
    """``opdef``, ``packet`` or ``overload`` for a custom op (any form users hold), else None."""
    t = type(fn)
    if not t.__module__.startswith("torch"):
        return None
    if t.__name__ == "CustomOpDef" and hasattr(fn, "_opoverload"):
        return "opdef"
    if t.__name__ == "OpOverloadPacket":
        return "packet"
    if t.__name__ == "OpOverload":
        return "overload"
    return None


def is_op_call(fn) -> bool:
    return isinstance(fn, OpCall)


def _overload(fn, kind: str):
    if kind == "opdef":
        return fn._opoverload
    if kind == "packet":
        names = fn.overloads()
        if "default" not in names:
            raise OpProblem(
                f"{fn} has overloads {names} but no default one: pass the overload to check "
                f"(e.g. torch.ops.{fn._qualified_op_name.replace('::', '.')}.{names[0]})"
            )
        return fn.default
    return fn


def _opdef(qualname: str):
    """The CustomOpDef registered under ``qualname`` (None for ops defined otherwise)."""
    try:
        from torch._library.custom_ops import OPDEFS
    except ImportError:
        return None
    return OPDEFS.get(qualname)


def _user_function(opdef):
    """The function the user decorated (for a triton_op, the one inside torch's wrapper)."""
    f = getattr(opdef, "_init_fn", None)
    seen = 0
    while f is not None and (getattr(f, "__module__", None) or "").startswith("torch") and seen < 4:
        seen += 1
        inner = [c.cell_contents for c in (getattr(f, "__closure__", None) or ())
                 if inspect.isfunction(getattr(c, "cell_contents", None))]  # fmt: skip
        f = inner[0] if inner else None
    return f


def _type_name(t) -> str:
    """The schema's type in its own spelling: ``Tensor?`` for ``Optional[Tensor]``."""
    name = str(t)
    if name.startswith("Optional[") and name.endswith("]"):
        return _type_name(name[len("Optional[") : -1]) + "?"
    return name


def _schema_args(overload) -> list[OpArg]:
    out = []
    for a in overload._schema.arguments:
        if a.kwarg_only:
            continue
        alias = a.alias_info
        has_default = a.has_default_value() if hasattr(a, "has_default_value") else (
            a.default_value is not None)  # fmt: skip
        out.append(
            OpArg(
                name=a.name,
                type=_type_name(a.type),
                has_default=bool(has_default),
                default=a.default_value,
                mutated=bool(alias is not None and alias.is_write),
            )
        )
    return out


def _strategy(arg: OpArg, position: int):
    """A Hypothesis strategy drawing ``arg`` from its type."""
    from hypothesis import strategies as st

    base = arg.type.rstrip("?")
    if base == "float":
        return st.floats(-2.0, 2.0, allow_nan=False, width=64)
    if base in ("int", "SymInt"):
        return st.integers(0, 3)
    if base == "bool":
        return st.booleans()
    raise OpProblem(
        f"argument {position} ({arg.name}: {arg.type}) has no default and gradspec cannot draw "
        f"a {arg.type}; fix it with args={{{position}: value}} (or a Hypothesis strategy)"
    )


class OpCall:
    """The custom op as gradspec calls it: ``OpCall(*args)`` runs the op's overload and returns
    its outputs followed by the new values of its mutated inputs (cloned before the call)."""

    def __init__(self, overload, schema_args, n_args, differentiable, opdef, label, origin):
        self.overload = overload
        self.schema_args = schema_args
        self.n_args = n_args
        self.differentiable = differentiable
        self.opdef = opdef
        self.qualname = overload._schema.name
        self.label = label
        #: where the op is defined: (module name, attribute or None)
        self.origin = origin
        self.mutated = tuple(p for p, a in enumerate(schema_args[:n_args]) if a.mutated)
        self.__name__ = self.__qualname__ = label
        self.__module__ = origin[0] if origin else "__main__"
        params = [
            inspect.Parameter(a.name, inspect.Parameter.POSITIONAL_ONLY)
            for a in schema_args[:n_args]
        ]
        self.__signature__ = inspect.Signature(params)

    def __repr__(self) -> str:
        return f"<custom op {self.qualname}>"

    @property
    def is_triton(self) -> bool:
        """A triton_op (torch.library.triton_op wraps the user's function in its module)."""
        init = getattr(self.opdef, "_init_fn", None)
        return (getattr(init, "__module__", None) or "") == "torch._library.triton"

    def has_fake(self) -> bool:
        if self.opdef is not None:
            return self.opdef._abstract_fn is not None or self.is_triton
        import torch

        try:
            return bool(torch._C._dispatch_has_kernel_for_dispatch_key(self.qualname, "Meta")) or (
                torch._library.simple_registry.singleton.find(self.qualname).fake_impl.kernel
                is not None
            )
        except Exception:  # noqa: BLE001 - cannot tell: assume there is one
            return True

    def has_vmap_rule(self) -> bool:
        import torch

        if self.opdef is not None and getattr(self.opdef, "_vmap_fn", None) is not None:
            return True
        try:
            return bool(
                torch._C._dispatch_has_kernel_for_dispatch_key(self.qualname, "FuncTorchBatched")
            )
        except Exception:  # noqa: BLE001
            return False

    def prepare(self, args) -> list:
        """The arguments as passed to the overload: detached when the op has no gradients,
        mutated inputs cloned."""
        import torch

        args = list(args)
        for p, a in enumerate(args):
            if not isinstance(a, torch.Tensor):
                continue
            if not self.differentiable:
                a = a.detach()
            if p in self.mutated:
                a = a.clone()
            args[p] = a
        return args

    def outputs(self, out, args) -> tuple:
        if out is None:
            outs = ()
        elif isinstance(out, tuple | list):
            outs = tuple(out)
        else:
            outs = (out,)
        return outs + tuple(args[p] for p in self.mutated)

    def __call__(self, *args):
        args = self.prepare(args)
        outs = self.outputs(self.overload(*args), args)
        return outs[0] if len(outs) == 1 else outs

    def source(self) -> str:
        """Plain torch code defining ``op`` (the overload) and ``fn`` (this call) for a
        reproducer: it imports the module that defines the op."""
        ns, name = self.qualname.split("::")
        overload = self.overload._overloadname
        if self.origin and self.origin[0] != "__main__":
            head = f"import {self.origin[0]}  # defines the custom operator {self.qualname}\n"
        else:
            head = (
                f"# define (or import) the custom operator {self.qualname} here; gradspec "
                "found it defined in __main__\n"
            )
        lines = [
            head + f"op = torch.ops.{ns}.{name}.{overload}",
            f"MUTATED = {self.mutated!r}  # positions of the inputs the op mutates",
            "",
            "",
            "def fn(*args):",
            '    """The op, returning its outputs, then the new values of its mutated inputs."""',
            "    args = list(args)",
        ]
        if not self.differentiable:
            lines.append(
                "    args = [a.detach() if isinstance(a, torch.Tensor) else a for a in args]"
            )
        lines += [
            "    for p in MUTATED:",
            "        args[p] = args[p].clone()",
            "    out = op(*args)",
            "    outs = () if out is None else tuple(out) if isinstance(out, (tuple, list)) "
            "else (out,)",
            "    outs += tuple(args[p] for p in MUTATED)",
            "    return outs[0] if len(outs) == 1 else outs",
        ]
        return "\n".join(lines)


def _origin(fn, opdef) -> tuple | None:
    """(module, attribute) where the op is defined, for reproducers."""
    user = _user_function(opdef) if opdef is not None else None
    module = getattr(user, "__module__", None)
    if module is None:
        return None
    attr = None
    try:
        mod = importlib.import_module(module)
        attr = next((k for k, v in vars(mod).items() if v is fn or v is opdef), None)
    except Exception:  # noqa: BLE001 - only for naming
        pass
    return (module, attr)


class RefDetached:
    """A reference whose outputs are detached: the op has no gradients."""

    def __init__(self, reference):
        self.reference = reference
        self.__name__ = self.__qualname__ = getattr(reference, "__name__", "reference")
        self.__module__ = getattr(reference, "__module__", None)
        try:
            self.__signature__ = inspect.signature(reference)
        except (TypeError, ValueError):
            pass

    def __call__(self, *args):
        out = self.reference(*args)
        if isinstance(out, tuple | list):
            return tuple(o.detach() if hasattr(o, "detach") else o for o in out)
        return out.detach() if hasattr(out, "detach") else out


@dataclass(frozen=True)
class Adapted:
    fn: OpCall
    reference: object
    args: dict
    optional: tuple


def adapt(fn, reference, n_inputs: int, args: dict | None, optional, differentiable):
    """``fn`` as gradspec checks it when it is a custom op: an :class:`Adapted` (the OpCall,
    the reference, every non-tensor argument up to the last one passed, the optional tensor
    inputs); None when ``fn`` is no custom op. Raises :class:`OpProblem` naming what is wrong.
    ``n_inputs``: the signature's tensor inputs."""
    kind = kind_of(fn)
    if kind is None:
        if differentiable is not None:
            raise OpProblem("differentiable= is for custom operators (torch.library.custom_op)")
        return None
    if _torch_version() < MIN_TORCH:
        import torch

        raise OpProblem(
            f"checking custom operators needs torch >= {'.'.join(map(str, MIN_TORCH))} "
            f"(torch.library.custom_op); this is torch {torch.__version__}"
        )
    overload = _overload(fn, kind)
    qualname = overload._schema.name
    opdef = fn if kind == "opdef" else _opdef(qualname)
    schema = _schema_args(overload)
    required_kw = [a.name for a in overload._schema.arguments if a.kwarg_only and not (
        a.has_default_value() if hasattr(a, "has_default_value") else a.default_value is not None
    )]  # fmt: skip
    if required_kw:
        raise OpProblem(
            f"{qualname} has keyword-only argument(s) without a default ({', '.join(required_kw)}):"
            " gradspec passes arguments by position; wrap the op in a function that passes them"
        )
    bad = [a for a in schema if "Tensor" in a.type and not a.is_tensor]
    if bad:
        raise OpProblem(
            f"{qualname} takes {bad[0].name}: {bad[0].type}; gradspec checks ops whose tensor "
            "arguments are single tensors (Tensor, Tensor?)"
        )
    returns = [str(r.type) for r in overload._schema.returns]
    if any(r != "Tensor" for r in returns):
        raise OpProblem(
            f"{qualname} returns ({', '.join(returns)}); gradspec checks ops returning tensors "
            "(or None)"
        )
    tensors = [p for p, a in enumerate(schema) if a.is_tensor]
    if n_inputs > len(tensors):
        raise OpProblem(
            f"the signature has {n_inputs} tensor input(s) but {qualname}'s schema "
            f"({overload._schema}) has {len(tensors)}"
        )
    if n_inputs < len(tensors) and not all(schema[p].has_default for p in tensors[n_inputs:]):
        missing = [schema[p].name for p in tensors[n_inputs:]]
        raise OpProblem(
            f"the signature has {n_inputs} tensor input(s) but {qualname} takes "
            f"{len(tensors)} ({', '.join(missing)} without a default): list every tensor "
            "argument in the signature"
        )
    args = dict(args or {})
    for p in args:
        if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < len(schema):
            raise OpProblem(f"args key {p!r} is not a positional argument of {overload._schema}")
        if schema[p].is_tensor:
            raise OpProblem(
                f"args[{p}] is {qualname}'s tensor argument {schema[p].name}: list it in the "
                "signature instead"
            )
    used = tensors[:n_inputs]
    last = max(used + list(args), default=-1)
    last = max([last] + [p for p, a in enumerate(schema) if not a.is_tensor and
                         not a.has_default])  # fmt: skip
    for p in range(last + 1):
        a = schema[p]
        if a.is_tensor:
            if p not in used:
                raise OpProblem(
                    f"{qualname}'s tensor argument {a.name} (position {p}) comes before an "
                    "argument that is passed: list it in the signature"
                )
            continue
        if p in args:
            continue
        args[p] = a.default if a.has_default else _strategy(a, p)
    opt = set(optional or ())
    opt |= {i for i, p in enumerate(used) if schema[p].optional}
    mutates = any(schema[p].mutated for p in range(last + 1))
    if differentiable is None:
        differentiable = _has_autograd(overload, opdef) and not mutates
    label = qualname
    origin = _origin(fn, opdef) if opdef is not None else None
    call = OpCall(overload, schema, last + 1, bool(differentiable), opdef, label, origin)
    if call.mutated == () and not overload._schema.returns:
        raise OpProblem(f"{qualname} returns nothing and mutates nothing: nothing to check")
    ref = reference
    if reference is not None and not differentiable:
        ref = RefDetached(reference)
    return Adapted(call, ref, dict(sorted(args.items())), tuple(sorted(opt)))


def _has_autograd(overload, opdef) -> bool:
    """Whether the op has gradients: a register_autograd formula, or an autograd kernel."""
    if opdef is not None:
        return getattr(opdef, "_backward_fn", None) is not None
    import torch

    name = overload._schema.name
    for key in ("Autograd", "AutogradCPU", "CompositeImplicitAutograd"):
        try:
            if torch._C._dispatch_has_kernel_for_dispatch_key(name, key):
                return True
        except Exception:  # noqa: BLE001
            continue
    return False
