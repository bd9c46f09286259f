"""The README's "Check your own autograd Function" examples run as written."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _blocks() -> list[str]:
    text = open(os.path.join(ROOT, "README.md")).read()
    section = text.split("## Check your own autograd Function", 1)[1].split("\n## ", 1)[0]
    return [b for b in re.findall(r"```python\n(.*?)```", section, re.S) if "gradspec.check" in b]


BLOCKS = _blocks()


def test_the_section_shows_args_vjp_and_check_module():
    text = "\n".join(BLOCKS)
    assert "args=" in text and "vjp=" in text and "gradspec.check_module(" in text


@pytest.mark.parametrize("n", range(len(BLOCKS)))
def test_readme_example_runs(n, monkeypatch):
    monkeypatch.chdir(ROOT)
    exec(compile(BLOCKS[n].replace("print(report)", "str(report)"), f"README[{n}]", "exec"), {})
