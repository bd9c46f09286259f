"""Training steps: a module (``check_module(..., train_steps=N)``) trained for N optimizer steps
(SGD, then Adam) from the same initial parameters and data as its reference, with the parameters
compared after every step. State a module keeps between calls (a cached transpose of a weight
that the optimizer has since changed, a counter, a buffer) shows up here and nowhere else."""

from __future__ import annotations

import copy

import numpy as np

from gradspec.functions.case import Case, CheckFailure, NotApplicable
from gradspec.functions.checks import register
from gradspec.functions.oracles import to_numpy
from gradspec.functions.usercode import user_call
from gradspec.tolerances import tolerance

#: the optimizers, with torch's defaults except the learning rates
OPTIMIZERS = (("SGD", {"lr": 0.1}), ("Adam", {"lr": 0.01}))


def _sgd(p, g, state, lr):
    return p - lr * g


def _adam(p, g, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """torch.optim.Adam's update (no weight decay, not amsgrad), in float64."""
    t = state.get("t", 0) + 1
    m = betas[0] * state.get("m", 0.0) + (1 - betas[0]) * g
    v = betas[1] * state.get("v", 0.0) + (1 - betas[1]) * g * g
    state.update(t=t, m=m, v=v)
    denom = np.sqrt(v) / np.sqrt(1 - betas[1] ** t) + eps
    return p - (lr / (1 - betas[0] ** t)) * m / denom


_UPDATES = {"SGD": _sgd, "Adam": _adam}


@register(
    "train-steps",
    "contract.training-steps-match-reference",
    "Trained with SGD and with Adam from the same initial parameters and data, the module's "
    "parameters after every step equal the reference's (check_module(..., train_steps=N)).",
    mode="reference",
    once=True,
    order=250,
)
def train_steps(case: Case):
    import torch

    spec = case.spec
    if spec.module is None or not spec.train_steps:
        raise NotApplicable("train_steps= of check_module")
    if case.dtype not in ("float32", "float64"):
        raise NotApplicable("trained in float32 and float64")
    done = case.facts.trained
    if case.dtype in done:
        return  # one training run per dtype: the steps, not the drawn example, are the test
    names = spec.parameters
    n_forward = len(case.values) - len(names)
    if any(v is None for v in case.values[:n_forward]):
        raise NotApplicable("an omitted input")
    dt = getattr(torch, case.dtype)
    data = [torch.tensor(v, dtype=dt, device=case.example.device) for v in case.values[:n_forward]]
    initial = [np.asarray(v, dtype=np.float64) for v in case.values[n_forward:]]
    # the module holds the tensors of the latest checked call (see gradspec.functions.module):
    # its own parameters go back first, so the copy trains Parameters that require grad
    restore = getattr(spec.fn, "restore", None)
    if callable(restore):
        restore()
    for opt_name, kw in OPTIMIZERS:
        module = copy.deepcopy(spec.module).to(device=case.example.device, dtype=dt)
        params = dict(module.named_parameters())
        with torch.no_grad():
            for n, v in zip(names, initial):
                params[n].copy_(torch.tensor(v, dtype=dt))
        opt = getattr(torch.optim, opt_name)([params[n] for n in names], **kw)
        ref_params = [v.copy() for v in initial]
        states = [{} for _ in names]
        for step in range(1, spec.train_steps + 1):
            opt.zero_grad()
            args = case.full_args(data)
            out = module(*args)
            outs = out if isinstance(out, tuple) else (out,)
            diff = case.diff_outputs(outs)
            if not diff:
                raise NotApplicable("no differentiable output")
            targets = {k: case.example.cotangent(k, tuple(o.shape)) for k, o in diff}
            count = sum(o.numel() for _, o in diff) or 1
            loss = sum(((o - torch.tensor(targets[k], dtype=o.dtype, device=o.device)) ** 2).sum()
                       for k, o in diff) / count  # fmt: skip
            try:
                user_call(loss.backward)
            except Exception as e:  # noqa: BLE001 - the module's backward
                raise CheckFailure(
                    f"{opt_name} step {step}: backward raised {type(e).__name__}: {e}",
                    key=("train-steps-raised", type(e).__name__),
                ) from None
            opt.step()
            values = list(case.values[:n_forward]) + ref_params
            fwd = case.ref(("train-fwd", opt_name, step), values=values, vjp=False)

            def mse_cot(k, shape, _dtype=None, fwd=fwd, targets=targets, count=count):
                return 2.0 * (fwd.outputs[k].value - targets[k]) / count

            ref = case.ref(("train", opt_name, step), values=values, cot=mse_cot)
            for j in range(len(names)):
                g = ref.grads[n_forward + j]
                g = np.zeros_like(ref_params[j]) if g is None else g
                ref_params[j] = _UPDATES[opt_name](ref_params[j], g, states[j], kw["lr"])
            rtol, atol = tolerance(case.dtype, case.reduction_length())
            for j, n in enumerate(names):
                got = to_numpy(params[n])
                want = ref_params[j]
                bad = ~np.isclose(got, want, rtol=4 * rtol * step, atol=4 * atol * step)
                if bad.any():
                    idx = tuple(int(i) for i in np.argwhere(bad)[0])
                    earlier = (
                        f"the {step - 1} step(s) before agreed, so state the module keeps between "
                        "calls (a cached copy of a parameter, a counter) may be stale"
                        if step > 1
                        else "the first step already differs"
                    )
                    raise CheckFailure(
                        f"after {opt_name} step {step} of {spec.train_steps} (lr={kw['lr']}, "
                        f"loss = MSE to a fixed target), parameter {n!r} differs from "
                        f"the reference trained from the same initial parameters and data: at "
                        f"{list(idx)} {float(got[idx])!r} vs {float(want[idx])!r} "
                        f"({int(bad.sum())} of {bad.size} differ); {earlier}",
                        key=("train-steps", opt_name, n),
                    )
    done.add(case.dtype)
