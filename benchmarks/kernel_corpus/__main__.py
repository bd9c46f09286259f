"""The kernel corpus: released Triton autograd Functions of PyPI packages checked with
``gradspec.check`` as they ship, on CPU under Triton's interpreter, and earlier releases with a
known bug (fixed in the next release) checked as they shipped.

    python -m benchmarks.kernel_corpus                    # every case, a table
    python -m benchmarks.kernel_corpus --json out.json    # and the results as JSON
    python -m benchmarks.kernel_corpus -k rms_norm -k rope
    python -m benchmarks.kernel_corpus --current          # the installed releases only

Each case runs in its own Python process (a kernel that hangs or kills its process is one
result, not the end of the run). A current case runs in this Python, with the packages
installed here (``pip install -e '.[kernel-corpus]'``); a historical case runs in
``.venvs/<package>-<release>/bin/python`` (``python -m benchmarks.kernel_corpus --make-venvs``
makes them: a venv with that release only, layered over this tree's gradspec and this Python's
packages) and is skipped, saying so, where that venv is missing. ``TRITON_INTERPRET=1`` is set
for every case unless a GPU is there.

A case's verdict: ``pass`` (no finding), ``advice`` (no failure, some advice), ``FAIL``,
``crash`` (``gradspec.check`` itself raised), ``cannot run`` (the interpreter cannot run the
kernel: one line why), ``not installed``, ``timeout``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".venvs"
TIMEOUT = 900


def all_cases():
    from . import fla, historical, liger

    return [*liger.CASES, *fla.CASES, *historical.CASES]


def _case_id(case) -> str:
    return f"{case.package}:{case.name}" + (f"@{case.release}" if case.release else "")


def _env() -> dict:
    import torch

    env = dict(os.environ)
    if not torch.cuda.is_available():
        env.setdefault("TRITON_INTERPRET", "1")
    env.setdefault("CI", "true")  # the derandomized Hypothesis profile: runs repeat
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def venv_python(case) -> Path | None:
    if not case.historical:
        return Path(sys.executable)
    py = VENVS / f"{case.package}-{case.release}" / "bin" / "python"
    return py if py.exists() else None


def _summary(finding) -> str:
    first = " ".join(str(finding.message).split())
    return f"{finding.check}: {first[:200]}"


def run_one(case_id: str) -> dict:
    """Run one case in this process and return its result (never raises)."""
    from importlib import metadata

    from gradspec import triton_interpreter

    case = {_case_id(c): c for c in all_cases()}[case_id]
    out = {"case": case_id, "kernel": case.name, "package": case.package, "bug": case.bug,
           "fixed_in": case.fixed_in, "findings": [], "reference_problems": []}  # fmt: skip
    try:
        out["release"] = metadata.version(case.package)
    except metadata.PackageNotFoundError:
        out.update(release=case.release or "-", verdict="not installed", seconds=0.0)
        return out
    if case.release and out["release"] != case.release:
        found = f"found {case.package} {out['release']}, not {case.release}"
        out.update(verdict="not installed", seconds=0.0, findings=[found])
        return out
    triton_interpreter.apply_if_enabled()
    start = time.perf_counter()
    try:
        options = case.build()
    except ImportError as exc:
        out.update(verdict="not installed", seconds=0.0, findings=[f"{exc}"])
        return out
    import gradspec

    try:
        report = gradspec.check(**options)
    except Exception as exc:  # noqa: BLE001 - a crash is a result of the corpus
        reason = triton_interpreter.cannot_run(exc)
        first = " ".join(str(exc).split())[:300]
        out.update(seconds=round(time.perf_counter() - start, 1),
                   verdict="cannot run" if reason else "crash",
                   findings=[reason or f"{type(exc).__name__}: {first}"])  # fmt: skip
        return out
    out["seconds"] = round(time.perf_counter() - start, 1)
    failures, advice = list(report.failures), list(report.advice)
    out["verdict"] = "FAIL" if failures else "advice" if advice else "pass"
    out["findings"] = [f"FAIL {_summary(f)}" for f in failures] + [
        f"ADVICE {_summary(a)}" for a in advice
    ]
    out["reference_problems"] = [" ".join(str(p).split())[:200] for p in
                                 getattr(report, "reference_problems", [])]  # fmt: skip
    out["failed_checks"] = sorted({f.check for f in failures})
    out["report"] = str(report)
    return out


def run_case(case, timeout: int) -> dict:
    """Run ``case`` in its own process (its release's venv for a historical case)."""
    case_id = _case_id(case)
    base = {"case": case_id, "kernel": case.name, "package": case.package,
            "release": case.release or "-", "bug": case.bug, "fixed_in": case.fixed_in,
            "findings": [], "seconds": 0.0}  # fmt: skip
    py = venv_python(case)
    if py is None:
        return {**base, "verdict": "not installed",
                "findings": [f"no venv {VENVS.name}/{case.package}-{case.release} "
                             "(python -m benchmarks.kernel_corpus --make-venvs)"]}  # fmt: skip
    cmd = [str(py), "-m", "benchmarks.kernel_corpus", "--one", case_id]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(), capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip
    except subprocess.TimeoutExpired:
        return {**base, "verdict": "timeout", "seconds": float(timeout)}
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    tail = " ".join((proc.stderr or proc.stdout).strip().splitlines()[-1:])[:300]
    return {**base, "verdict": "crash", "seconds": round(time.perf_counter() - start, 1),
            "findings": [f"process exited {proc.returncode}: {tail}"]}  # fmt: skip


def table(results) -> str:
    rows = [("kernel", "package", "release", "verdict", "seconds")]
    for r in results:
        rows.append((r["kernel"], r["package"], r["release"], r["verdict"], f"{r['seconds']:.1f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = []
    for i, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def details(results) -> str:
    lines = []
    for r in results:
        head = f"{r['kernel']} ({r['package']} {r['release']}): {r['verdict']}"
        if r.get("bug"):
            head += f" — historical bug, fixed in {r['fixed_in']}: {r['bug']}"
        lines.append(head)
        lines += [f"    {f}" for f in r.get("findings", [])]
        lines += [f"    reference problem: {p}" for p in r.get("reference_problems", [])]
    return "\n".join(lines)


def make_venvs() -> None:
    """A venv per historical release under .venvs/ holding that release only (no
    dependencies); a .pth file puts this tree's gradspec and gradref (src/, reference/) and then
    this Python's site-packages (torch, triton, ...) behind it, so nothing is built."""
    import sysconfig

    below = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    for case in all_cases():
        if not case.historical:
            continue
        d = VENVS / f"{case.package}-{case.release}"
        py = d / "bin" / "python"
        if py.exists():
            continue
        subprocess.run([sys.executable, "-m", "venv", str(d)], check=True)
        purelib = sysconfig.get_paths(vars={"base": str(d), "platbase": str(d)})["purelib"]
        paths = [str(ROOT / "src"), str(ROOT / "reference"), *below]
        Path(purelib, "_base.pth").write_text("\n".join(paths) + "\n")
        pip = [str(py), "-m", "pip", "install", "-q", "--no-deps"]
        subprocess.run([*pip, f"{case.package}=={case.release}"], check=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.kernel_corpus", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("--json", metavar="PATH", help="write the results as JSON")
    ap.add_argument("-k", action="append", default=[], help="cases whose id contains this")
    ap.add_argument("--current", action="store_true", help="the installed releases only")
    ap.add_argument("--historical", action="store_true", help="the earlier releases only")
    ap.add_argument("--timeout", type=int, default=TIMEOUT, help="seconds per case")
    ap.add_argument("--make-venvs", action="store_true", help="make the historical venvs")
    ap.add_argument("--list", action="store_true", help="list the cases")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.one:
        print(json.dumps(run_one(a.one)))
        return 0
    if a.make_venvs:
        make_venvs()
        return 0
    cases = [c for c in all_cases() if not a.k or any(k in _case_id(c) for k in a.k)]
    if a.current:
        cases = [c for c in cases if not c.historical]
    if a.historical:
        cases = [c for c in cases if c.historical]
    if a.list:
        print("\n".join(_case_id(c) for c in cases))
        return 0
    results = []
    for case in cases:
        r = run_case(case, a.timeout)
        results.append(r)
        print(f"{r['kernel']:<28} {r['package']:<14} {r['release']:<8} {r['verdict']:<14} "
              f"{r['seconds']:>6.1f}s", flush=True)  # fmt: skip
    print()
    print(table(results))
    print()
    print(details(results))
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
