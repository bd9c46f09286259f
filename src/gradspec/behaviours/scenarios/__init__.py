"""Behaviour scenarios: each written once as a function of a namespace ``T`` (torch or gradref).

A scenario exercises one catalogue behaviour with Hypothesis-drawn plain data, so the same example
runs on torch and on gradref and the two observations can be compared (see
``gradspec.behaviours.observe``).
Scenarios use torch's public surface only. One module per area.
"""

from __future__ import annotations

import importlib
import pkgutil

from gradspec.behaviours.scenarios._registry import Scenario, messages_in, registered, scenario

_AREA_MODULES_LOADED = False


def _load_all() -> None:
    global _AREA_MODULES_LOADED
    if _AREA_MODULES_LOADED:
        return
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    _AREA_MODULES_LOADED = True


def all_scenarios() -> list[Scenario]:
    """Every registered scenario, sorted by behaviour id then name."""
    _load_all()
    return sorted(registered(), key=lambda s: (s.behaviour_id, s.name))


def scenarios_for(behaviour_id: str) -> list[Scenario]:
    """The scenarios of one behaviour."""
    return [s for s in all_scenarios() if s.behaviour_id == behaviour_id]


def scenario_id(s: Scenario) -> str:
    """A test id: the behaviour id, with the scenario's name when the behaviour has several."""
    siblings = [t for t in all_scenarios() if t.behaviour_id == s.behaviour_id]
    return s.behaviour_id if len(siblings) == 1 else f"{s.behaviour_id}/{s.name}"


__all__ = ["Scenario", "all_scenarios", "messages_in", "scenario", "scenario_id", "scenarios_for"]
