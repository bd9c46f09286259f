"""Run the real-world corpus: every Function/Module of every installed corpus package through
``gradspec`` (as the README tells a user to) and through ``gradcheck`` (fast mode, float64, one
typical input), and print one row per entry with a one-line summary of each finding.

    python -m benchmarks.corpus                       # the whole corpus, a table
    python -m benchmarks.corpus --only entmax         # one package (a module name or PyPI name)
    python -m benchmarks.corpus --json corpus.json    # also the rows as JSON
    python -m benchmarks.corpus --max-examples 25     # examples per (device, dtype); default: the
                                                      # profile's (GRADSPEC_PROFILE; CI=true: ci)

A package that is not installed, or that fails to import, is a row of its own ("not run") and
does not stop the others.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
import warnings

from benchmarks.corpus import MODULES

#: examples per (device, dtype) for each entry: None = the active Hypothesis profile's (15 in the
#: default dev profile, 25 in ci); the whole corpus takes about 1.5 minutes on two cores in ci
DEFAULT_MAX_EXAMPLES = None


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "-"


def _one_line(text: str, width: int = 150) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= width else line[: width - 3] + "..."


def run_entry(pkg: str, version: str, e, max_examples: int, gradcheck: bool) -> dict:
    import gradspec
    from benchmarks.corpus._harness import run_gradcheck

    row = dict(package=pkg, version=version, name=e.name, kind=e.kind, surrogate=e.surrogate)
    t = time.perf_counter()
    s = None
    try:
        s = e.make()
        report = gradspec.run(s, max_examples=max_examples)
        row["failures"] = [
            dict(check=f.check, dtype=f.dtype, message=_one_line(f.message, 400),
                 example=f.example_text, where=list(f.where), also=list(f.also))
            for f in report.failures
        ]  # fmt: skip
        row["advice"] = [
            dict(check=f.check, dtype=f.dtype, message=_one_line(f.message, 400))
            for f in report.advice
        ]
        row["errors"] = [
            dict(check=o.check, dtype=o.dtype, message=_one_line(o.detail, 400))
            for o in report.errors
        ]
        row["reference_problems"] = [
            dict(check=r.check, dtype=r.dtype, message=_one_line(r.message, 300))
            for r in report.reference_problems
        ]
        n = len(report.failures)
        if report.errors:
            row["verdict"] = f"ERROR ({len(report.errors)} internal)"
        elif n:
            row["verdict"] = f"{n} failure{'s' if n > 1 else ''}"
        elif report.advice:
            row["verdict"] = "advice"
        else:
            row["verdict"] = "ok"
    except Exception as ex:  # noqa: BLE001 - a crash of gradspec (or a SpecError) is a result
        row.update(failures=[], advice=[], errors=[], reference_problems=[])
        kind = "SpecError" if type(ex).__name__ == "SpecError" else "CRASH"
        row["verdict"] = kind
        row["crash"] = _one_line(f"{type(ex).__name__}: {ex}", 300)
        if os.environ.get("CORPUS_TRACEBACKS"):
            traceback.print_exc()
    row["seconds"] = round(time.perf_counter() - t, 1)
    if gradcheck and s is not None:
        complains, what = run_gradcheck(s, e)
        row["gradcheck"] = "FAIL" if complains else "ok"
        row["gradcheck_message"] = what
    else:
        row["gradcheck"], row["gradcheck_message"] = "-", ""
    return row


def _print_row(row: dict) -> None:
    head = (
        f"{row['package']:<34} {row['version']:<9} {row['name']:<40} {row['verdict']:<13} "
        f"{row['seconds']:>6.1f}s  gradcheck {row['gradcheck']}"
    )
    print(head, flush=True)
    for f in row.get("failures", []):
        print(f"    FAIL   {f['check']} [{f['dtype']}]: {_one_line(f['message'], 140)}")
    for f in row.get("advice", []):
        print(f"    advice {f['check']} [{f['dtype']}]: {_one_line(f['message'], 140)}")
    for f in row.get("errors", []):
        print(f"    ERROR  {f['check']} [{f['dtype']}]: {_one_line(f['message'], 140)}")
    if row.get("crash"):
        print(f"    {row['verdict']}  {row['crash'][:150]}")
    if row.get("gradcheck_message"):
        print(f"    gradcheck: {row['gradcheck_message']}")
    sys.stdout.flush()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__)
    ap.add_argument("--json", default=None, help="write the rows as JSON to this path")
    ap.add_argument("--only", default=None, help="one package (module or PyPI name)")
    ap.add_argument("--entry", default=None, help="only entries whose name contains this")
    ap.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES)
    ap.add_argument("--no-gradcheck", action="store_true", help="skip the gradcheck column")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    rows, start = [], time.perf_counter()
    for modname in MODULES:
        mod = importlib.import_module(f"benchmarks.corpus.{modname}")
        if args.only and args.only not in (modname, modname.rstrip("_"), mod.PACKAGE):
            continue
        version = _version(mod.PACKAGE)
        try:
            entries = mod.entries()
        except Exception as ex:  # noqa: BLE001 - not installed or not importable here
            row = dict(package=mod.PACKAGE, version=version, name="(all)", kind="-",
                       verdict="not run", seconds=0.0, gradcheck="-",
                       crash=_one_line(f"{type(ex).__name__}: {ex}", 300))  # fmt: skip
            rows.append(row)
            print(f"{mod.PACKAGE:<34} {version:<9} not run: {row['crash'][:120]}", flush=True)
            continue
        for e in entries:
            if args.entry and args.entry not in e.name:
                continue
            rows.append(run_entry(mod.PACKAGE, version, e, args.max_examples,
                                  not args.no_gradcheck))  # fmt: skip
            _print_row(rows[-1])
    total = time.perf_counter() - start
    checked = [r for r in rows if r["verdict"] != "not run"]
    counts = {
        "entries": len(checked),
        "packages": len({r["package"] for r in checked}),
        "ok": sum(r["verdict"] == "ok" for r in checked),
        "advice_only": sum(r["verdict"] == "advice" for r in checked),
        "failed": sum("failure" in r["verdict"] for r in checked),
        "crashed": sum(
            r["verdict"] in ("CRASH", "SpecError") or "ERROR" in r["verdict"] for r in checked
        ),  # fmt: skip
        "gradcheck_failed": sum(r.get("gradcheck") == "FAIL" for r in checked),
        "seconds": round(total, 1),
        "max_examples": args.max_examples,
    }
    print()
    print(
        f"{counts['entries']} Functions/Modules from {counts['packages']} packages in "
        f"{total:.0f} s (max_examples={args.max_examples or 'the profile default'}): "
        f"{counts['ok']} ok, "
        f"{counts['advice_only']} advice only, {counts['failed']} failed, "
        f"{counts['crashed']} crashed/internal errors; "
        f"gradcheck failed {counts['gradcheck_failed']}"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(counts=counts, rows=rows), f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
