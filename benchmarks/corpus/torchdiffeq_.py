"""torchdiffeq: ``odeint_adjoint`` (``OdeintAdjointMethod``: the adjoint sensitivity method,
gradients from a second ODE solved backwards in time) on a linear vector field, in a Module.
No reference: gradients are checked against finite differences (gradref has no ODE solver and
no matrix exponential); float64 only, tight solver tolerances, a non-empty batch (an empty
state makes the step-size control divide by an empty norm: "underflow in dt")."""

from benchmarks.corpus._harness import Entry, module_spec

PACKAGE = "torchdiffeq"


def entries():
    import torch
    from torchdiffeq import odeint_adjoint

    class Field(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 2)

        def forward(self, t, y):
            return self.lin(y)

    class ODEBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.field = Field()

        def forward(self, y0):
            t = torch.tensor([0.0, 0.5], dtype=y0.dtype)
            return odeint_adjoint(self.field, y0, t, rtol=1e-10, atol=1e-12)[-1]

    torch.manual_seed(0)
    block = ODEBlock().double()
    return [
        Entry("odeint_adjoint linear field (OdeintAdjointMethod)", "Module",
              lambda: module_spec(block, None, "(n,2)->(n,2)", dtypes=["float64"],
                                  sizes={"n": range(1, 4)})),
    ]  # fmt: skip
