"""One ``gradspec run``: collect the items, execute them, apply the expected differences, and
return the :class:`~gradspec.runner.results.RunReport` with what it ran on."""

from __future__ import annotations

import platform
import time
from typing import Any

from gradspec import __version__ as GRADSPEC_VERSION
from gradspec import expectations as expectations_mod
from gradspec.runner.execute import execute
from gradspec.runner.items import Item, collect
from gradspec.runner.options import RunOptions
from gradspec.runner.results import Result, RunReport, apply_expectations


def run(
    options: RunOptions,
    *,
    expectations: list | None = None,
    progress: Any | None = None,
    items: list[Item] | None = None,
    absent: dict[str, str] | None = None,
) -> RunReport:
    """Run everything ``options`` selects and return the report (expectations applied)."""
    import gradref
    import torch
    from hypothesis import settings

    from gradspec.devices import available_devices

    start = time.perf_counter()
    if items is None:
        items, absent = collect(options)
    if expectations is None:
        expectations = expectations_mod.load()

    def on_done(item: Item, results: list[Result]) -> None:
        if progress is not None:
            progress.advance(item.area, failed=any(r.status == "failed" for r in results))

    raw = execute(items, options, on_done)
    api = {}
    if not options.patterns or any(p in "api" for p in options.patterns):
        from gradspec.runner.api_surface import collect as collect_api

        api = collect_api()
    if progress is not None:
        progress.close()
    base = settings.get_profile(options.profile)
    return RunReport(
        torch_version=torch.__version__,
        gradspec_version=GRADSPEC_VERSION,
        gradref_version=getattr(gradref, "__version__", "?"),
        torch_target=gradref.TORCH_TARGET,
        python_version=platform.python_version(),
        platform=f"{platform.system()} {platform.machine()}",
        devices=list(options.devices),
        available_devices=available_devices(),
        profile=options.profile,
        max_examples=options.max_examples or base.max_examples,
        derandomize=bool(base.derandomize),
        seed=options.seed,
        workers=options.workers,
        patterns=list(options.patterns),
        results=apply_expectations(raw, expectations, torch.__version__),
        absent=dict(absent or {}),
        seconds=time.perf_counter() - start,
        api=api,
    )
