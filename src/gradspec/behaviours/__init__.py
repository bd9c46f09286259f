"""torch's documented autograd behaviours, and how gradspec checks them against gradref.

* ``catalogue/``: the behaviours as data (``*.toml``: id, sentence, source, versions, message);
* ``scenarios/``: one or more scenarios per behaviour, each written once against a namespace
  ``T`` and run on torch and on gradref with the same drawn values;
* ``observe``: what a scenario observed (values, flags, node names, errors, warnings) and how
  two observations are compared;
* ``programs``: random autograd programs, observed the same way.

May import: the shared helpers (``gradspec.devices``, ``profiles``, ``tolerances``,
``inputs``, ``datafiles``, ``versions``) and gradref. Not the runner, the ops or the
functions packages.
"""
