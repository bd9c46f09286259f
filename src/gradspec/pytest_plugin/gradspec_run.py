"""The items of ``gradspec run`` as tests: the module ``pytest --gradspec-run`` collects (it is
part of the installed package, so it works from any directory). One test per result; what each
outcome means is in :mod:`gradspec.pytest_plugin.run_items`."""

from __future__ import annotations

from gradspec.pytest_plugin.run_items import judge, result_of


def test_gradspec_run(gradspec_item, gradspec_result_id):
    result, options = result_of(gradspec_item, gradspec_result_id)
    judge(result, options)
