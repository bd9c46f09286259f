"""Checking a user's custom autograd Function against a reference: the ``gradspec.check``
machinery.

* ``spec`` and ``signature``: what the user declares (the function, the reference, a gufunc
  signature over the tensor arguments, non-tensor ``args``, an intended ``vjp``, tolerances,
  options), validated up front; ``module``: ``check_module`` for an ``nn.Module``;
* ``preflight``: one plain call before any example — bad specs become one-line SpecErrors,
  in-place Functions are found;
* ``examples``: drawing inputs for a signature (shapes, dtypes, layouts, requires_grad, the
  non-tensor arguments, integer and bool inputs); ``names``: argument names and the one-line
  example;
* ``case``: one drawn example and the plumbing every check needs, in parts by job: ``inputs``
  (torch inputs, cotangents), ``calls`` (the op's forward and its backward through the engine),
  ``nodes`` (its Function node, and its backward called directly), ``comparing`` (the
  reference's answers, tolerances, comparisons); ``usercode``: the one place the user's code
  (forward, backward, reference, ``vjp``) is called; ``oracles``: the reference
  run in a namespace; ``answers``: its answers memoised, with its own error below float64;
  ``blame``: comparing, and blaming the reference where it is at fault; ``translate``: the same
  reference run on torch; ``ties``: index outputs that differ only among tied values;
* ``outcomes``: what a check concludes (failure or advice, not applicable, the op raised, a
  reference problem); ``keys``: one finding per root cause;
* ``checks/``: the named checks, each tied to a ``contract.*`` behaviour id and carrying its
  own properties (order, value check, basic, once, structure, default) as fields of ``Check``;
* ``checker``: running the checks over examples (``check``, ``run``), one finding per root cause;
* ``report``; ``script`` and ``reproducer``: plain-torch scripts that replay a finding;
* ``gradcheck``: torch's gradcheck called the same way on every supported torch.

May import: the shared helpers and gradref. Not the runner, behaviours or ops packages.
"""
