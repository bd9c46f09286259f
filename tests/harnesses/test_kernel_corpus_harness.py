"""The kernel corpus harness (benchmarks/kernel_corpus), without the packages it checks: case
ids are unique, every historical case names its bug and the release that fixed it and has a
control on the installed release, every package is pinned in the kernel-corpus extra, a case
whose venv is missing is reported as such (not run, not a crash), and the table lists what
ran."""

from __future__ import annotations

from pathlib import Path

from benchmarks.kernel_corpus import __main__ as corpus
from benchmarks.kernel_corpus.cases import Case

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib


def test_case_ids_are_unique_and_historical_cases_name_their_bug():
    cases = corpus.all_cases()
    ids = [corpus._case_id(c) for c in cases]
    assert len(ids) == len(set(ids))
    historical = [c for c in cases if c.historical]
    assert len(historical) >= 4
    for c in historical:
        assert c.bug and c.fixed_in and c.fixed_in != c.release, c
        # the same kernel case runs on the installed (fixed) release as a control
        assert any(not o.historical and o.build is c.build for o in cases), c


def test_packages_are_pinned_in_the_extra():
    pyproject = Path(corpus.ROOT, "pyproject.toml").read_text()
    extra = tomllib.loads(pyproject)["project"]["optional-dependencies"]["kernel-corpus"]
    pinned = {r.split("==")[0].lower() for r in extra if "==" in r}
    current = [c for c in corpus.all_cases() if not c.historical]
    assert {c.package for c in current} <= pinned
    assert len({c.package for c in current}) >= 2 and len(current) >= 12


def test_missing_venv_is_reported_not_run(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "VENVS", tmp_path)
    case = Case("k", "some-package", lambda: {}, release="0.0.1", fixed_in="0.0.2", bug="b")
    r = corpus.run_case(case, timeout=5)
    assert r["verdict"] == "not installed"
    assert "--make-venvs" in r["findings"][0]


def test_table_lists_every_result():
    rows = [
        {"kernel": "rms_norm", "package": "p", "release": "1.0", "verdict": "pass", "seconds": 1.3},
        {"kernel": "rope", "package": "p", "release": "0.9", "verdict": "FAIL", "seconds": 30.0},
    ]
    text = corpus.table(rows).splitlines()
    assert text[0].split() == ["kernel", "package", "release", "verdict", "seconds"]
    assert text[2].split() == ["rms_norm", "p", "1.0", "pass", "1.3"]
    assert text[3].split() == ["rope", "p", "0.9", "FAIL", "30.0"]
