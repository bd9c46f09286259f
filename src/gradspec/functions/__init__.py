"""Checking a user's custom autograd Function against a reference: the ``gradspec.check``
machinery.

* ``spec`` and ``signature``: what the user declares (the function, the reference, a gufunc
  signature and options), validated up front;
* ``examples``: drawing inputs for a signature (shapes, dtypes, layouts, requires_grad);
* ``case`` and ``oracles``: one drawn example, the function's results and the reference's;
* ``checks/``: the named checks, each tied to a ``contract.*`` behaviour id;
* ``checker``: running the checks over examples (``check``, ``run``);
* ``report`` and ``reproducer``: what a run found, and standalone scripts that replay it;
* ``gradcheck``: torch's gradcheck called the same way on every supported torch.

May import: the shared helpers and gradref. Not the runner, behaviours or ops packages.
"""
