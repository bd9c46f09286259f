"""gradspec: property-based conformance checks for PyTorch autograd against gradref."""

__version__ = "0.1.0"
