"""gradspec: property-based conformance checks for PyTorch autograd against gradref."""

__version__ = "0.1.0"

from gradspec.functions.checker import check, run  # noqa: E402
from gradspec.functions.report import Failure, Report  # noqa: E402
from gradspec.functions.spec import Spec, SpecError, spec  # noqa: E402

__all__ = ["check", "run", "spec", "Spec", "SpecError", "Report", "Failure", "__version__"]
