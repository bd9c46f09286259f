"""torch 2.15's autograd surface, as data: the names gradref mirrors or says it does not.

``MODULES`` holds every public name of torch's autograd modules: ``__all__``, the public
submodules, and the public names defined in the module itself (not re-exported helpers such as
``typing.Optional``). ``TENSOR`` holds the autograd-facing ``Tensor`` attributes (the docs'
"Tensor autograd functions" and the attributes the autograd notes use), ``NODE`` what every
built-in node has (``dir()`` without the ``_saved_*`` fields), ``ACCUMULATE_GRAD`` and
``CUSTOM_NODE`` what an AccumulateGrad node and a custom Function's node add.

A listed name gradref does not have raises ``NotImplementedError`` naming it (``missing``),
never a bare ``AttributeError``; an unlisted one is an ordinary missing attribute.
``tests/gradref/test_surface.py`` checks the lists against the installed torch 2.15 and
computes the coverage.
"""

from __future__ import annotations

TORCH_VERSION = "2.15"

MODULES: dict[str, tuple[str, ...]] = {
    "torch.autograd": (
        "Function",
        "NestedIOFunction",
        "Variable",
        "anomaly_mode",
        "backward",
        "detect_anomaly",
        "enable_grad",
        "enforce_grad_layout_policy",
        "forward_ad",
        "function",
        "functional",
        "grad",
        "grad_mode",
        "gradcheck",
        "gradgradcheck",
        "graph",
        "inference_mode",
        "no_grad",
        "profiler",
        "profiler_legacy",
        "profiler_util",
        "set_detect_anomaly",
        "set_grad_enabled",
        "set_multithreading_enabled",
        "variable",
    ),
    "torch.autograd.graph": (
        "GradientEdge",
        "Node",
        "allow_mutation_on_saved_tensors",
        "disable_saved_tensors_hooks",
        "get_gradient_edge",
        "increment_version",
        "node_creation_hook",
        "queue_callback",
        "region_activation_memory_budget",
        "register_multi_grad_hook",
        "save_on_cpu",
        "saved_tensors_hooks",
        "set_override_stale_capture_stream",
        "set_warn_on_accumulate_grad_stream_mismatch",
    ),
    "torch.autograd.function": (
        "BackwardCFunction",
        "Function",
        "FunctionCtx",
        "FunctionMeta",
        "InplaceFunction",
        "NestedIOFunction",
        "once_differentiable",
    ),
    "torch.autograd.forward_ad": (
        "UnpackedDualTensor",
        "dual_level",
        "enter_dual_level",
        "exit_dual_level",
        "make_dual",
        "unpack_dual",
    ),
    "torch.autograd.functional": ("hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"),
}

TENSOR: tuple[str, ...] = (
    "_backward_hooks",
    "_base",
    "_is_view",
    "_version",
    "backward",
    "data",
    "detach",
    "detach_",
    "grad",
    "grad_dtype",
    "grad_fn",
    "is_inference",
    "is_leaf",
    "output_nr",
    "register_hook",
    "register_post_accumulate_grad_hook",
    "requires_grad",
    "requires_grad_",
    "retain_grad",
    "retains_grad",
)

NODE: tuple[str, ...] = (
    "_input_metadata",
    "_register_hook_dict",
    "_sequence_nr",
    "_set_sequence_nr",
    "metadata",
    "name",
    "next_functions",
    "register_hook",
    "register_prehook",
    "requires_grad",
)

ACCUMULATE_GRAD: tuple[str, ...] = ("variable",)

CUSTOM_NODE: tuple[str, ...] = (
    "apply",
    "apply_boxed",
    "apply_jvp",
    "dirty_tensors",
    "input_grad_buffers",
    "mark_dirty",
    "mark_non_differentiable",
    "mark_shared_storage",
    "materialize_grads",
    "maybe_clear_saved_tensors",
    "needs_input_grad",
    "non_differentiable",
    "output_grad_dtypes",
    "save_for_backward",
    "save_for_forward",
    "saved_for_forward",
    "saved_tensors",
    "saved_variables",
    "set_materialize_grads",
    "set_output_grad_dtype",
    "to_save",
)


def missing(where: str, name: str) -> NotImplementedError:
    """The error for a torch name gradref does not implement (``where``: its namespace)."""
    return NotImplementedError(
        f"gradref does not implement {where}.{name} (torch {TORCH_VERSION}): gradref mirrors "
        "only part of torch's autograd surface; the inventory is reference/gradref/_surface.py "
        "in the gradspec project"
    )


def module_getattr(where: str, module_name: str):
    """A module ``__getattr__``: NotImplementedError for a listed torch name, else the usual
    AttributeError."""
    names = MODULES[where]

    def __getattr__(name: str):
        if name in names:
            raise missing(where, name)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return __getattr__


def attribute_error(obj, where: str, names: tuple[str, ...], name: str) -> Exception:
    """What a class ``__getattr__`` raises for ``name``: NotImplementedError for a listed torch
    attribute, else the usual AttributeError."""
    if name in names:
        return missing(where, name)
    return AttributeError(f"{type(obj).__name__!r} object has no attribute {name!r}")
