"""torch's op formulas against gradref's: the op table and the comparison.

* ``table``: every op as data (how to call it, which inputs are differentiable, shapes, dtypes,
  layouts, conventions, torch's node name);
* ``compare``: running one drawn example of an op in a namespace and judging two namespaces'
  forward values, VJPs and double backward with the op tolerances;
* ``errors``: bad-argument calls whose exception type and first line must agree.

May import: the shared helpers and gradref. Not the runner, behaviours or functions packages.
"""
