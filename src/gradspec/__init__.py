"""gradspec: property-based conformance checks for PyTorch autograd against gradref.

The public API is here: :func:`check` and :func:`run` (check a custom Function against a
reference), :func:`spec` (declare one), and the report types. The tree, by what each part
checks; imports point down this list only (``tests/test_layout.py`` enforces it):

* front ends: ``cli/`` (the ``gradspec`` command), ``pytest_plugin`` (``spec_tests``),
  ``testing`` (pytest comparisons judged by the expected differences);
* ``runner/``: ``gradspec run`` — items of the three below, executed in workers, results,
  output (text, Markdown, JSON, JUnit), the version matrix;
* ``behaviours/`` (torch's documented autograd behaviours: catalogue, scenarios, observations,
  random programs), ``ops/`` (the op table and the op comparison), ``functions/`` (the
  ``gradspec.check`` machinery: spec, signature, examples, checks, oracles, reports,
  reproducers);
* shared helpers: ``expectations/`` (known differences per torch version, as data),
  ``inputs/`` (dtypes, layouts, shapes, devices, rounding, ``materialize``), ``tolerances``,
  ``devices``, ``profiles``, ``versions``, ``datafiles``, ``triton_interpreter`` (runs released
  Triton kernels under ``TRITON_INTERPRET=1``);
* ``gradref``, the reference (a separate package that imports NumPy and ml_dtypes only).

Importing ``gradspec`` itself is cheap: the API is loaded on first use.
"""

__version__ = "0.1.0"

#: public name -> the module that defines it
_API = {
    "check": "gradspec.functions.checker",
    "check_module": "gradspec.functions.module",
    "run": "gradspec.functions.checker",
    "Spec": "gradspec.functions.spec",
    "SpecError": "gradspec.functions.spec",
    "spec": "gradspec.functions.spec",
    "Failure": "gradspec.functions.report",
    "Report": "gradspec.functions.report",
    "Interrupted": "gradspec.functions.limits",
}


from gradspec.lazy import lazy_api  # noqa: E402

_load = lazy_api(__name__, _API, globals())


def __getattr__(name: str):
    if name in ("check", "check_module", "run"):
        # under TRITON_INTERPRET=1, released Triton kernels need the interpreter's gaps closed
        from gradspec import triton_interpreter

        triton_interpreter.apply_if_enabled()
    return _load(name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])


__all__ = [
    "check",
    "check_module",
    "run",
    "spec",
    "Spec",
    "SpecError",
    "Report",
    "Failure",
    "Interrupted",
    "__version__",
]
