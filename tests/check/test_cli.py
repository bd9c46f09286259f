"""The gradspec CLI: list and check, exit codes, output."""

import json

from gradspec.cli import main
from gradspec.functions.checks import CHECKS


def test_list_prints_checks_and_behaviour_ids(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    for name, c in CHECKS.items():
        assert name in out and c.behaviour in out


def test_check_passing_spec_exits_0(capsys):
    assert main(["check", "buggy_specs:sin_ok"]) == 0
    out = capsys.readouterr().out
    assert "Sin" in out and "passed" in out


def test_check_failing_spec_exits_1_and_writes_reproducer(capsys, tmp_path):
    rc = main(
        [
            "check",
            "buggy_specs:exp_bad",
            "--reproducers",
            str(tmp_path),
            "--json",
            str(tmp_path / "r.json"),
        ]
    )
    assert rc == 1
    out = capsys.readouterr().out
    assert "backward-returns" in out and "FAIL" in out
    (script,) = tmp_path.glob("*.py")
    assert f"reproducer: {script}" in out  # the text report names the file
    data = json.loads((tmp_path / "r.json").read_text())
    assert data[0]["ok"] is False


def test_check_module_collects_every_spec(capsys):
    assert main(["check", "buggy_specs", "--max-examples", "2", "--check", "forward"]) == 0
    out = capsys.readouterr().out
    assert "Sin" in out and "ExpDoubleGrad" in out


def test_bad_usage_exits_2_with_one_line(capsys):
    assert main(["check", "no_such_module_xyz:spec"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no_such_module_xyz" in err[0]
    assert main(["check", "buggy_specs:nothing_here"]) == 2
    assert main(["check", "buggy_specs:sin_ok", "--check", "bogus"]) == 2
    assert main(["frobnicate"]) == 2
    assert main([]) == 2


def test_strict_turns_advice_into_failure(capsys):
    assert main(["check", "buggy_specs:needs_advice"]) == 0
    assert "ADVICE needs-input-grad" in capsys.readouterr().out
    assert main(["check", "buggy_specs:needs_advice", "--strict"]) == 1
