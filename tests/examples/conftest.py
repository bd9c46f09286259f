"""Triton's interpreter for the example kernels when there is no GPU: ``TRITON_INTERPRET=1``
must be set before triton is first imported and stay set (see test_triton_kernels.py), so it is
set here, before any test module of this folder imports ``examples.triton_kernels``, and
gradspec's patches of the interpreter are applied (``gradspec.triton_interpreter``: the kernels
of the examples run here outside ``gradspec.check`` too)."""

import os
import sys

import torch

if (
    not torch.cuda.is_available()
    and "TRITON_INTERPRET" not in os.environ
    and "triton" not in sys.modules
):
    os.environ["TRITON_INTERPRET"] = "1"

from gradspec import triton_interpreter  # noqa: E402

triton_interpreter.apply_if_enabled()
