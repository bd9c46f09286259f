"""Shared helpers for the tests of ``gradspec run`` and ``gradspec matrix``."""

from __future__ import annotations

import json

import pytest
from hypothesis import strategies as st

from gradspec.behaviours.scenarios import _registry
from gradspec.behaviours.scenarios._registry import Scenario
from gradspec.cli import main

#: a behaviour the planted scenarios attach to (any catalogue id would do)
HOST = "leaves.user-created-is-leaf"

#: a small, fast area of real scenarios, and a -k pattern selecting exactly its ids
SMALL = "retain-graph"
SMALL_K = "retain-graph."


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(["run", *argv])
    out, err = capsys.readouterr()
    return rc, out, err


def read_json(path) -> dict:
    with open(path) as fh:
        return json.load(fh)


def _planted(T, x):
    """Differs between torch and gradref exactly when x >= 10: the shrunk example is x = 10."""
    import torch

    return x + 1 if (T is torch and x >= 10) else x


def _agreeing(T, x):
    return x


@pytest.fixture
def planted(monkeypatch):
    """Add two scenarios to HOST: ``planted_difference`` fails for x >= 10 (torch's answer is
    off by one there), ``planted_agreement`` always passes."""
    from gradspec.behaviours.scenarios import all_scenarios

    # load the area modules into the real registry first: loaded for the first time into the
    # patched list, they would be lost when it is restored (and stay marked as loaded)
    all_scenarios()
    failing = Scenario(HOST, "planted_difference", _planted, {"x": st.integers(0, 1000)})
    passing = Scenario(HOST, "planted_agreement", _agreeing, {"x": st.integers(0, 1000)})
    monkeypatch.setattr(_registry, "_REGISTRY", [*_registry._REGISTRY, failing, passing])
    return failing, passing


@pytest.fixture
def no_expectations(monkeypatch):
    from gradspec import expectations

    monkeypatch.setattr(expectations, "load", lambda directory=None: [])
