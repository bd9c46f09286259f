"""Verdicts on code written as real projects write it: a surrogate gradient given by ``vjp=``,
a user's reference or vjp that is wrong (its problem, never the Function's), ``sizes=`` and
``assume=`` binding every check, inputs outside the domain, identity outputs, reproducible
verdicts. Each test failed before the mechanism it names was fixed."""

import sys

import numpy as np
import pytest
import torch
import torch.utils.checkpoint  # `import torch` alone does not import it on torch 2.2
from torch.autograd import Function

import gradspec

FAST = dict(max_examples=6)


def _step(x):
    return (x >= 0).to(x.dtype)


def _surrogate(x, g):
    return g / (1 + x.abs()) ** 2


class StepSurrogate(Function):
    """A spike: a step forward, a smooth surrogate gradient backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x.abs()) ** 2


class StepWrongSurrogate(StepSurrogate):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (1 + x.abs())


def _internal(report) -> list:
    return [e.detail for e in report.errors if "internal error" in e.detail]


# --- vjp= governs the backward, also where the reference's output has no graph ---------------


def test_surrogate_with_a_graphless_reference_passes():
    r = gradspec.check(StepSurrogate.apply, _step, "()->()", broadcast=True, vjp=_surrogate, **FAST)
    assert r.ok, r
    assert not _internal(r)


def test_wrong_surrogate_is_caught_by_the_vjp():
    r = gradspec.check(
        StepWrongSurrogate.apply, _step, "()->()", broadcast=True, vjp=_surrogate, **FAST
    )
    assert "vjp" in r.failed_checks()
    assert not _internal(r)


class ConstantAuxGrad(Function):
    """Passes ``out`` through and gives ``aux`` a constant gradient (an auxiliary-loss scaler):
    detached under create_graph=True, and rightly so, as the vjp says."""

    @staticmethod
    def forward(ctx, out, aux):
        ctx.save_for_backward(aux)
        return out.clone()

    @staticmethod
    def backward(ctx, g):
        (aux,) = ctx.saved_tensors
        return g, torch.ones_like(aux)


def test_constant_surrogate_detached_in_double_backward_is_right():
    r = gradspec.check(
        ConstantAuxGrad.apply,
        lambda out, aux: out * 1.0,
        "(n),()->(n)",
        vjp=lambda out, aux, g: (g, aux * 0 + 1),
        **FAST,
    )
    assert "double-backward" not in r.failed_checks(), r
    assert not _internal(r)


# --- the user's vjp or reference is wrong: a reference problem, never the op's failure -------


class BroadcastMul(Function):
    """x * y with y of shape () broadcast over x, its gradients reduced as they must be."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return g * y, (g * x).sum()


def test_unreduced_vjp_gradient_is_summed_as_the_engine_does_and_said():
    r = gradspec.check(
        BroadcastMul.apply,
        lambda x, y: x * y,
        "(n),()->(n)",
        vjp=lambda x, y, g: (g * y, g * x),  # y's gradient left at the output's shape
        **FAST,
    )
    assert r.ok, r
    assert any("summed to the argument's shape" in n.message for n in r.reference_problems)


def test_vjp_returning_numpy_is_a_spec_error_naming_the_fix():
    with pytest.raises(gradspec.SpecError, match="vjp returned a ndarray.*return a tensor"):
        gradspec.check(
            BroadcastMul.apply,
            lambda x, y: x * y,
            "(n),()->(n)",
            vjp=lambda x, y, g: (np.asarray(g) * 2, None),
            **FAST,
        )


def test_vjp_gradient_of_an_impossible_shape_is_a_spec_error_naming_the_fix():
    with pytest.raises(gradspec.SpecError, match="return the gradient with the argument's shape"):
        gradspec.check(
            BroadcastMul.apply,
            lambda x, y: x * y,
            "(n),()->(n)",
            vjp=lambda x, y, g: (g[:1] * y, (g * x).sum()),
            sizes={"n": range(2, 4)},
            **FAST,
        )


def test_reference_returning_numpy_is_a_reference_problem():
    r = gradspec.check(
        BroadcastMul.apply,
        lambda x, y: np.asarray(x.detach()) * np.asarray(y.detach()),
        "(n),()->(n)",
        **FAST,
    )
    assert not r.failures, r
    assert not _internal(r)
    msgs = [n.message for n in r.reference_problems] + [str(m) for m in _all_errors(r)]
    assert any("reference returned a ndarray" in m for m in msgs), msgs


def _all_errors(r):
    return [e.detail for e in r.errors]


# --- same code, same verdict -------------------------------------------------------------------


class Recorded(Function):
    """sin, recording the inputs it meets."""

    seen: list = []

    @staticmethod
    def forward(ctx, x):
        Recorded.seen.append((tuple(x.shape), x.detach().double().sum().item()))
        ctx.save_for_backward(x)
        return x.sin()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.cos()


@pytest.fixture
def dev_profile(tmp_path, monkeypatch):
    """The default (not derandomized) profile, with the cache in a temporary directory."""
    from hypothesis import settings

    from gradspec.profiles import load_profile

    monkeypatch.setenv("GRADSPEC_CACHE", str(tmp_path))
    monkeypatch.delenv("GRADSPEC_RANDOM", raising=False)
    before = settings._current_profile
    load_profile("dev")
    yield tmp_path
    settings.load_profile(before)


def _met(**options):
    Recorded.seen = []
    gradspec.check(
        Recorded.apply, lambda x: x.sin(), "(n)->(n)", dtypes="float64", checks=("vjp",),
        max_examples=8, **options,
    )  # fmt: skip
    return list(Recorded.seen)


def test_default_runs_draw_the_same_examples(dev_profile):
    assert _met() == _met()


def test_random_searches_afresh(dev_profile):
    assert _met(random=True) != _met(random=True)


def test_failures_are_remembered_in_the_cache_directory(dev_profile):
    r = gradspec.check(
        StepWrongSurrogate.apply, _step, "()->()", broadcast=True, vjp=_surrogate,
        dtypes="float64", checks=("vjp",), max_examples=5,
    )  # fmt: skip
    assert "vjp" in r.failed_checks()
    assert list((dev_profile / "hypothesis" / "examples").rglob("*")), "nothing remembered"


# --- sizes=, integer_inputs and assume= bind every check ---------------------------------------


class RowMaxShift(Function):
    """x - max(x) over the last dimension: ``max`` refuses an empty row, so the author rules
    d=0 out with sizes=."""

    @staticmethod
    def forward(ctx, x):
        return x - x.max(dim=-1, keepdim=True).values.detach()

    @staticmethod
    def backward(ctx, g):
        return g


def test_sizes_bind_the_edge_shapes():
    r = gradspec.check(
        RowMaxShift.apply,
        lambda x: x - x.max(dim=-1, keepdim=True).values.detach(),
        "(n,d)->(n,d)",
        sizes={"d": range(1, 5)},
        **FAST,
    )
    assert r.ok, r
    ran = [o for o in r.outcomes if o.check == "edge-shapes" and o.status == "passed"]
    assert ran, "edge-shapes still runs on the sizes the spec allows"


def test_a_fixed_size_binds_the_first_example_and_the_layouts():
    met = []

    def fn(x):
        met.append(tuple(x.shape))
        return x * 2

    gradspec.check(fn, lambda x: x * 2, "(n,d)->(n,d)", sizes={"d": 1}, **FAST)
    assert met and all(s[-1] == 1 for s in met), sorted(set(met))


def test_integer_input_with_no_class_to_draw_is_outside():
    from gradspec.functions.preconditions import shapes_outside

    s = gradspec.spec(lambda x, t: x, None, "(n,c),(n)->(n,c)", integer_inputs={1: (0, "c")})
    sig = s.parsed()
    assert shapes_outside(s, sig, ((2, 0), (2,)))
    assert shapes_outside(s, sig, ((0, 0), (0,)))  # zero classes, even with no index drawn
    assert shapes_outside(s, sig, ((0, 3), (0,))) is None
    assert shapes_outside(s, sig, ((2, 3), (2,))) is None


def half_gate(x):
    """a * sigmoid(b) for the two halves of the last dimension: an even size is assumed."""
    if x.shape[-1] % 2:
        raise ValueError("half_gate needs an even last dimension")
    a, b = x.chunk(2, dim=-1)
    return a * b.sigmoid()


def _half_gate_ref(x):
    h = x.shape[-1] // 2
    return x[..., :h] * x[..., h : 2 * h].sigmoid()


def test_assume_binds_every_check():
    met = []

    def fn(x):
        met.append(x.shape[-1])
        return half_gate(x)

    r = gradspec.check(
        fn, _half_gate_ref, "(n,d)->(n,e)", assume=lambda x: x.shape[-1] % 2 == 0, **FAST
    )
    assert r.ok, r
    assert met and all(d % 2 == 0 for d in met), sorted(set(met))


def test_assume_must_be_callable():
    with pytest.raises(gradspec.SpecError, match="assume must be a callable"):
        gradspec.spec(half_gate, _half_gate_ref, "(n,d)->(n,e)", assume=True)


# --- the domain: where torch's own ops refuse the inputs ---------------------------------------


class RowMax(Function):
    """The largest value of each row (``amax`` refuses an empty row, as torch documents)."""

    @staticmethod
    def forward(ctx, x):
        out = x.amax(dim=-1)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hit = (x == out.unsqueeze(-1)).to(x.dtype)
        return g.unsqueeze(-1) * hit / hit.sum(-1, keepdim=True)


def test_inputs_torch_refuses_are_outside_the_domain(monkeypatch):
    """A reference whose gradref run accepts an empty row (as if gradref's amax were laxer than
    torch's) while torch's own amax refuses it: the Function raising there is no failure."""
    import gradref

    strict_amax = gradref.Tensor.amax

    def lax_amax(self, dim, keepdim=False):
        if self.shape[dim] == 0:
            shape = [s for k, s in enumerate(self.shape) if k != dim % len(self.shape)]
            return gradref.zeros(tuple(shape), dtype=self.dtype) + self.sum() * 0
        return strict_amax(self, dim, keepdim)

    monkeypatch.setattr(gradref.Tensor, "amax", lax_amax)
    r = gradspec.check(RowMax.apply, lambda x: x.amax(dim=-1), "(n,d)->(n)", **FAST)
    assert "edge-shapes" not in r.failed_checks(), r
    assert r.ok, r


# --- advice and export on the right grounds ----------------------------------------------------


class Spike(Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return SpikeModule.backward(g, x, ctx.alpha), None


class SpikeModule(torch.nn.Module):
    """A surrogate-spike Module with a static helper named backward, called by its Function."""

    def __init__(self, alpha=2.0):
        super().__init__()
        self.alpha = alpha

    @staticmethod
    def backward(grad_output, x, alpha):
        return grad_output * alpha / (1 + (alpha * x).abs()) ** 2

    def forward(self, x):
        return Spike.apply(x, self.alpha)


def test_a_static_helper_named_backward_gets_no_module_advice():
    r = gradspec.check_module(
        SpikeModule(), _step, "()->()", broadcast=True,
        vjp=lambda x, g: g * 2.0 / (1 + (2.0 * x).abs()) ** 2, **FAST,
    )  # fmt: skip
    assert "module-backward" not in r.advised_checks(), r
    assert "module-backward" not in r.failed_checks(), r


class ClampSte(Function):
    """A clamp with a straight-through gradient, exported as ONNX Clip with its float bounds."""

    @staticmethod
    def forward(ctx, x, lo: float, hi: float):
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g, None, None

    @staticmethod
    def symbolic(g, x, lo: float, hi: float):
        lo_t = g.op("Constant", value_t=torch.tensor(lo))  # a graph value from a Python float
        return g.op("Clip", x, lo_t, g.op("Constant", value_t=torch.tensor(hi)))


def test_export_closes_over_python_scalar_args():
    pytest.importorskip("onnx")
    r = gradspec.check(
        ClampSte.apply, lambda x, lo, hi: x.clamp(lo, hi), "()->()", broadcast=True,
        args={1: -0.5, 2: 0.5}, vjp=lambda x, lo, hi, g: (g, None, None), checks=("export",),
        dtypes="float32", max_examples=3,
    )  # fmt: skip
    assert "export" not in r.failed_checks(), r
    ran = [o for o in r.outcomes if o.check == "export" and o.status == "passed"]
    assert ran, r


# --- identity outputs and module-held state, as torch's docs judge them ------------------------


class KeepsLastOutput(torch.nn.Module):
    """A loss probe in the style of PyTorch's style-transfer tutorial: it records a loss against
    a fixed target and its last output on itself, and passes its input through unchanged."""

    def __init__(self, target):
        super().__init__()
        self.target = target.detach()

    def forward(self, input):
        self.loss = torch.nn.functional.mse_loss(input, self.target)
        self.output = input
        return self.output


def test_identity_module_passes():
    r = gradspec.check_module(torch.nn.Identity(), lambda x: x, "(n)->(n)", **FAST)
    assert r.ok, r


def test_module_keeping_its_last_output_passes():
    r = gradspec.check_module(KeepsLastOutput(torch.zeros(3)), lambda x: x, "(3)->(3)", **FAST)
    assert r.ok, r
    assert not {"graph-freed", "no-grad", "leaks"} & (r.failed_checks() | r.advised_checks())


_CACHE = []


class SquareKeptGlobally(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * x


def _square_kept(x):
    out = SquareKeptGlobally.apply(x)
    _CACHE.append(out)  # a global keeps every graph alive
    return out


def test_a_graph_kept_globally_is_still_caught(monkeypatch):
    full = _full_collections(monkeypatch)
    r = gradspec.check(_square_kept, lambda x: x * x, "(n)->(n)", **FAST)
    assert "graph-freed" in r.failed_checks() | r.advised_checks() or "leaks" in (
        r.failed_checks() | r.advised_checks()
    ), r
    (f,) = [f for f in r.failures if f.check == "graph-freed"]
    # said global after one full collection; the later examples (its shrinking among them)
    # are told by the cheap one (six full collections before, 0.1-0.3 s each)
    assert "something global keeps the graph alive" in f.message, r
    assert full.count(("graph_freed", None)) == 1, full
    assert f.reproduced, f.reproducer  # the example kept, collected in full in a fresh process
    # a leak is shrunk without a full collection (and a search of referrers) at each step
    (leak,) = [f for f in r.failures if f.check == "leaks"]
    assert "input 0 (x) of a first step stay(s) alive" in leak.message, r
    assert ("leaks", "leaks") not in full, full


def _full_collections(monkeypatch) -> list:
    """Records every gc.collect() of the graph-freed and leaks checks that visits every object
    (none frozen), as (check, the check whose finding is being shrunk): in a process with
    torch imported, each takes 0.05-0.3 s."""
    import gc

    from gradspec.functions.checks import lifetime

    full, original = [], gc.collect
    codes = {lifetime.graph_freed.__code__, lifetime.leaks.__code__}

    def collect(*args, **kwargs):
        frame = sys._getframe(1)
        if frame.f_code in codes and gc.get_freeze_count() == 0:
            full.append((frame.f_code.co_name, frame.f_locals["case"].facts.focus))
        return original(*args, **kwargs)

    monkeypatch.setattr(gc, "collect", collect)
    return full


def test_a_cycle_is_told_by_collecting_the_calls_own_objects_only(monkeypatch):
    from tests.fixtures import zoo_functions as z

    full = _full_collections(monkeypatch)
    r = gradspec.check(z.SinSelfCycle.apply, lambda x: x.sin(), "()->()", checks=["graph-freed"],
                       dtypes=["float64"], **FAST)  # fmt: skip
    (f,) = [f for f in r.failures if f.check == "graph-freed"]
    assert "reference cycle" in f.message, r
    assert not full


class _Cell:
    pass


#: made at import, long before any check runs
_SPARE_CELLS = [_Cell() for _ in range(256)]


class KeptInOldGarbage(Function):
    """Hands its input to an object made at import that is then dropped in a cycle with
    itself: garbage, freed by gc.collect(), which only a collection reaching objects older than
    the step sees."""

    @staticmethod
    def forward(ctx, x):
        cell = _SPARE_CELLS.pop() if _SPARE_CELLS else _Cell()
        cell.me, cell.x = cell, x
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return 2 * g


def test_step_tensors_in_garbage_with_an_older_object_are_no_leak():
    r = gradspec.check(KeptInOldGarbage.apply, lambda x: 2 * x, "(n)->(n)", **FAST)
    assert "leaks" not in r.failed_checks() | r.advised_checks(), r
    assert r.ok, r


# --- check_module: the drawn parameters wherever the module's parameters are used -------------


class RecomputeInBackward(Function):
    """Runs ``module.body`` without a graph and runs it again in backward (as activation
    checkpointing and adjoint methods do), differentiating w.r.t. the parameters it was
    handed: ``module.parameters()`` at forward, the module's attributes at backward."""

    @staticmethod
    def forward(ctx, module, x, *params):
        ctx.module = module
        ctx.save_for_backward(x, *params)
        with torch.no_grad():
            return module.body(x)

    @staticmethod
    def backward(ctx, g):
        x, *params = ctx.saved_tensors
        with torch.enable_grad():
            x = x.detach().requires_grad_(x.requires_grad)
            out = ctx.module.body(x)
            wrt = [t for t in (x, *params) if t.requires_grad]
            got = iter(torch.autograd.grad(out, wrt, g, allow_unused=True))
        grads = [next(got) if t.requires_grad else None for t in (x, *params)]
        return (None, *grads)


class Recomputed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def body(self, x):
        return torch.tanh(self.lin(x))

    def forward(self, x):
        return RecomputeInBackward.apply(self, x, *self.parameters())


def _lin_tanh(x, **p):
    return (x @ p["lin.weight"].t() + p["lin.bias"]).tanh()


def test_parameters_used_inside_backward_are_the_drawn_ones():
    m = Recomputed()
    own = m.lin.weight
    r = gradspec.check_module(m, _lin_tanh, "(n,3)->(n,2)", **FAST)
    assert not {"vjp", "vjp-fd"} & r.failed_checks(), r
    assert m.lin.weight is own, "the module's own parameters are put back"


class ReentrantCheckpointed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, x):
        return torch.utils.checkpoint.checkpoint(
            lambda t: torch.tanh(self.lin(t)), x, use_reentrant=True
        )


def test_a_backward_refusing_autograd_grad_is_differentiated_by_backward():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # checkpoint's warning when x does not require grad
        r = gradspec.check_module(ReentrantCheckpointed(), _lin_tanh, "(n,3)->(n,2)", **FAST)
    messages = [f.message for f in r.failures] + [e.detail for e in r.errors]
    assert not any("compatible with .grad()" in m for m in messages), messages
    wrong = [f for f in r.failures if "got" in f.message and "expected" in f.message]
    assert not wrong, wrong


def _quiet_check_module(*args, **kwargs):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # checkpoint's warning when x does not require grad
        return gradspec.check_module(*args, **kwargs)


def test_the_reentrant_checkpoints_documented_limits_are_advice_not_failures():
    # torch documents use_reentrant=True as needing an input that requires grad (else the
    # parameters get no gradient), refusing torch.autograd.grad and double backward, and its
    # recomputation as reading the parameters when backward runs: trade-offs, not bugs
    r = _quiet_check_module(ReentrantCheckpointed(), _lin_tanh, "(n,3)->(n,2)", **FAST)
    assert not r.failures and not r.errors, r
    advice = " ".join(a.message for a in r.advice)
    assert "reentrant checkpoint" in advice, r
    assert "re-runs the module's forward" in advice, r
    double = [a for a in r.advice if a.check == "double-backward"]
    assert all("reentrant checkpoint" in a.message for a in double), double


class Doubled(Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, g):
        return g * 3  # wrong: the derivative is 2


class ReentrantCheckpointedWrong(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, x):
        return torch.utils.checkpoint.checkpoint(
            lambda t: Doubled.apply(self.lin(t)), x, use_reentrant=True
        )


def test_a_wrong_gradient_under_a_reentrant_checkpoint_still_fails():
    def ref(x, **p):
        return (x @ p["lin.weight"].t() + p["lin.bias"]) * 2

    r = _quiet_check_module(ReentrantCheckpointedWrong(), ref, "(n,3)->(n,2)", **FAST)
    assert "vjp" in r.failed_checks(), r


class RecomputeUnsaved(Function):
    """Saves only ``x`` and reads the module's parameters again in backward (as an adjoint
    solver reads its vector field's): a parameter changed in place after forward is read
    as it is when backward runs."""

    @staticmethod
    def forward(ctx, module, x, *params):
        ctx.module = module
        ctx.save_for_backward(x)
        with torch.no_grad():
            return module.body(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        params = tuple(ctx.module.parameters())
        with torch.enable_grad():
            x = x.detach().requires_grad_(x.requires_grad)
            out = ctx.module.body(x)
            wrt = [t for t in (x, *params) if t.requires_grad]
            got = iter(torch.autograd.grad(out, wrt, g, allow_unused=True))
        return (None, *[next(got) if t.requires_grad else None for t in (x, *params)])


class RecomputedUnsaved(Recomputed):
    def forward(self, x):
        return RecomputeUnsaved.apply(self, x, *self.parameters())


class RecomputedStashingInput(Recomputed):
    """Keeps its input on the module instead of saving it: the input is not the module's state
    that a recomputation reads by design, so changing it silently is still a failure."""

    def forward(self, x):
        self.stash = x
        return StashedRecompute.apply(self, x, *self.parameters())


class StashedRecompute(RecomputeUnsaved):
    @staticmethod
    def forward(ctx, module, x, *params):
        ctx.module = module
        with torch.no_grad():
            return module.body(x)

    @staticmethod
    def backward(ctx, g):
        x = ctx.module.stash
        with torch.enable_grad():
            xd = x.detach().requires_grad_(True)
            out = ctx.module.body(xd)
            params = tuple(ctx.module.parameters())
            gx, *gp = torch.autograd.grad(out, (xd, *params), g)
        return (None, gx, *gp)


def test_module_state_read_by_a_recomputing_backward_is_advice():
    r = gradspec.check_module(
        RecomputedUnsaved(), _lin_tanh, "(n,3)->(n,2)", checks=["saved-tensors-version"], **FAST
    )
    assert not r.failures, r
    assert any("re-runs the module's forward" in a.message for a in r.advice), r


def test_an_input_a_recomputing_backward_reads_unsaved_still_fails():
    r = gradspec.check_module(
        RecomputedStashingInput(),
        _lin_tanh,
        "(n,3)->(n,2)",
        checks=["saved-tensors-version"],
        **FAST,
    )
    assert "saved-tensors-version" in r.failed_checks(), r


# --- reproducers are run before they are reported ---------------------------------------------


def test_reproducers_are_run_once_and_reproduce():
    r = gradspec.check(
        StepWrongSurrogate.apply, _step, "()->()", broadcast=True, vjp=_surrogate, **FAST
    )
    assert r.failures
    assert all(f.reproduced is True for f in r.failures if f.check == "vjp"), r.failures


def _inside_a_check() -> bool:
    frame = sys._getframe(1)  # (inspect.stack() reads every frame's source: seconds a check)
    while frame is not None:
        if "functions/checks/" in frame.f_code.co_filename.replace("\\", "/"):
            return True
        frame = frame.f_back
    return False


class WrongOnlyInsideChecks(Function):
    """Doubles the gradient only when called from a check: its reproducer cannot show it."""

    @staticmethod
    def forward(ctx, x):
        return x * 3

    @staticmethod
    def backward(ctx, g):
        return g * (6 if _inside_a_check() else 3)


def test_a_reproducer_that_does_not_reproduce_says_so():
    r = gradspec.check(WrongOnlyInsideChecks.apply, lambda x: x * 3, "(n)->(n)", **FAST)
    vjp = [f for f in r.failures if f.check == "vjp"]
    assert vjp, r
    assert vjp[0].reproduced is False
    assert vjp[0].reproducer.startswith("# gradspec ran this script once and it did not raise")


class TargetLogProb(Function):
    """log_softmax(x)[target] by the row maximum (``amax`` refuses zero classes)."""

    @staticmethod
    def forward(ctx, x, target):
        m = x.amax(dim=1, keepdim=True)
        lse = (x - m).exp().sum(1, keepdim=True).log() + m
        ctx.save_for_backward(x, target, lse)
        return x.gather(1, target) - lse

    @staticmethod
    def backward(ctx, g):
        x, target, lse = ctx.saved_tensors
        return (x - lse).exp() * -g + torch.zeros_like(x).scatter_add(1, target, g), None


def test_zero_classes_are_never_drawn_for_a_class_index_input():
    r = gradspec.check(
        TargetLogProb.apply,
        lambda x, t: x.log_softmax(1).gather(1, t),
        "(n,c),(n,1)->(n,1)",
        integer_inputs={1: (0, "c")},
        **FAST,
    )
    assert "edge-shapes" not in r.failed_checks(), r


class TakesStarArgs(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(3, 2)

    def forward(self, *args):
        return self.lin(args[0])


def test_a_module_forward_taking_star_args_names_its_inputs_right():
    from gradspec.functions.module import module_spec
    from gradspec.functions.names import argument_names

    s = module_spec(TakesStarArgs(), None, "(n,3)->(n,2)")
    assert argument_names(s) == ["x0", "lin_weight", "lin_bias"]
