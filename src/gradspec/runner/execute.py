"""Running items, in this process or in worker processes (one torch thread each), with results
put back in item order, so that under a derandomized profile they do not depend on the number
of workers. A crash of gradspec itself, or of a worker, is a failed result, never a lost run."""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable

from gradspec.runner.examples import run_example
from gradspec.runner.items import Item
from gradspec.runner.ops import run_op, run_op_error
from gradspec.runner.options import RunOptions
from gradspec.runner.probes import run_probe_item
from gradspec.runner.results import Result
from gradspec.runner.scenarios import run_scenario
from gradspec.runner.search import first_line

RUNNERS: dict[str, Callable[[Item, RunOptions], list[Result]]] = {
    "scenario": run_scenario,
    "op": run_op,
    "op-error": run_op_error,
    "example": run_example,
    "probe": run_probe_item,
}


def device_available(device: str) -> bool:
    import torch

    from gradspec.devices import available_devices

    if device in available_devices():
        return True
    if device.split(":")[0] == "cuda" and torch.cuda.is_available():
        idx = int(device.split(":")[1]) if ":" in device else 0
        return idx < torch.cuda.device_count()
    return False


def _fill(item: Item, results: list[Result], status: str, message: str) -> list[Result]:
    """Every result id the item names, with ``status`` (a skipped device, a crash)."""
    ids = item.results or (item.id,)
    return [Result(rid, item.area, item.device, status, item.behaviour, item.sentence, message)
            for rid in ids]  # fmt: skip


def run_item(item: Item, options: RunOptions) -> list[Result]:
    """Run one item; never raises (a crash of gradspec itself is a failed result)."""
    start = time.perf_counter()
    if not device_available(item.device):
        results = _fill(item, [], "skipped", f"{item.device} is not available here")
    else:
        try:
            results = RUNNERS[item.kind](item, options)
        except Exception as e:  # noqa: BLE001 - report, do not stop the run
            tb = traceback.format_exc(limit=-3)
            why = f"gradspec could not run it: {type(e).__name__}: {first_line(e)}\n{tb}"
            results = _fill(item, [], "failed", why)
    took = (time.perf_counter() - start) / max(len(results), 1)
    for r in results:
        r.seconds = round(took, 3)
    return results


def init_process(options: RunOptions) -> None:
    """Set up a process (a worker, or this one when serial) the same way every time."""
    from gradspec.profiles import load_profile
    from gradspec.threads import one_thread_for_good

    one_thread_for_good()
    load_profile(options.profile)
    if options.seed is not None:
        # Hypothesis's own switch for pytest's --hypothesis-seed: every test starts from it.
        import hypothesis.core

        hypothesis.core.global_force_seed = options.seed


@contextlib.contextmanager
def process_state():
    """Restore what :func:`init_process` changes (Hypothesis profile and seed, torch threads)
    when items ran in this process, so calling the runner from Python leaves no trace."""
    import hypothesis.core
    import torch
    from hypothesis import settings
    from threadpoolctl import threadpool_limits

    from gradspec.profiles import loaded_profile

    profile = loaded_profile()
    seed = getattr(hypothesis.core, "global_force_seed", None)
    threads = torch.get_num_threads()
    blas = threadpool_limits(None)  # records BLAS's thread counts, to restore them
    try:
        yield
    finally:
        blas.restore_original_limits()
        if profile is not None:
            settings.load_profile(profile)
        hypothesis.core.global_force_seed = seed
        torch.set_num_threads(threads)


def execute(
    items: list[Item],
    options: RunOptions,
    on_done: Callable[[Item, list[Result]], None] | None = None,
) -> list[Result]:
    """Run every item (serially, or in ``options.workers`` processes); results in item order."""
    done: dict[int, list[Result]] = {}
    if options.workers <= 1 or len(items) <= 1:
        with process_state():
            init_process(options)
            for i, it in enumerate(items):
                done[i] = run_item(it, options)
                if on_done:
                    on_done(it, done[i])
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed

        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            max_workers=options.workers,
            mp_context=ctx,
            initializer=init_process,
            initargs=(options,),
        ) as pool:
            futures = {pool.submit(run_item, it, options): i for i, it in enumerate(items)}
            for fut in as_completed(futures):
                i = futures[fut]
                try:
                    done[i] = fut.result()
                except Exception as e:  # a worker died: report it, do not lose the rest
                    why = f"the worker process failed: {type(e).__name__}: {e}"
                    done[i] = _fill(items[i], [], "failed", why)
                if on_done:
                    on_done(items[i], done[i])
    return [r for i in range(len(items)) for r in done[i]]
