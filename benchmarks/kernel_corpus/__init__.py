"""The kernel corpus: Triton autograd Functions of PyPI packages, as they ship and as earlier
releases with known bugs shipped, checked with ``gradspec.check`` (see ``__main__``)."""
