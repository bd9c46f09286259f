"""torch against gradref, one test per behaviour scenario: the scenario items of ``gradspec
run`` (the same collector and code, see ``gradspec.pytest_plugin.run_items``).

Each test draws examples with Hypothesis, runs the scenario on torch and on gradref with the same
drawn data, checks torch's observation against the catalogue's message and compares the two
observations. Expected differences for the installed torch xfail; anything else fails with the
behaviour id, the shrunk example, the differences and a reproducer.
"""

from gradspec.pytest_plugin import run_tests

test_behaviour = run_tests(kinds=("scenario",))
