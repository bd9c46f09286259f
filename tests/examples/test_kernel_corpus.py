"""benchmarks/kernel_corpus's table and runner, without the packages it checks: case ids are
unique, every historical case names its bug and the release that fixed it, a case whose package
or venv is missing is reported as such (not run, not a crash), and the table lists what ran."""

from benchmarks.kernel_corpus import __main__ as corpus
from benchmarks.kernel_corpus.cases import Case


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


def test_packages_and_kernels_counted():
    current = [c for c in corpus.all_cases() if not c.historical]
    assert len({c.package for c in current}) >= 2
    assert len(current) >= 12


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
