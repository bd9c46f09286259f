"""The scenario registry: ``@scenario(behaviour_id, draws=...)`` and the Scenario record."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from gradspec.behaviours import catalogue
from gradspec.behaviours.observe import CompareOptions, Observation, Raised, observe


@dataclass(frozen=True)
class Scenario:
    """A behaviour scenario: a function of a namespace ``T`` (torch or gradref) and drawn data.

    ``func(T, **example)`` builds tensors with ``T`` from plain drawn values (NumPy float64
    arrays, dtype names, shapes, bools) and returns what should agree between namespaces.
    """

    behaviour_id: str
    name: str
    func: Callable[..., Any]
    draws: Mapping[str, st.SearchStrategy] = field(default_factory=dict)
    #: the exception type name torch raises (checked against torch and the catalogue's message)
    raises: str | None = None
    #: whether warnings are compared (off where torch warns only once per process)
    compare_warnings: bool = True
    #: float tolerances are widened for values that are sums of this many terms
    reduction_length: int = 1
    #: fewer Hypothesis examples for slow scenarios (None: the profile's count)
    max_examples: int | None = None

    @property
    def behaviour(self) -> catalogue.Behaviour:
        return catalogue.get(self.behaviour_id)

    @property
    def module(self) -> str:
        return self.func.__module__

    def strategy(self) -> st.SearchStrategy[dict[str, Any]]:
        """Strategy for one example: a dict of drawn values keyed by parameter name."""
        return st.fixed_dictionaries(dict(self.draws))

    def run(self, T: Any, example: Mapping[str, Any] | None = None) -> Observation:
        """Run the scenario on namespace ``T`` with one drawn example; return the observation.

        The namespace's grad mode is restored afterwards, whatever the scenario did to it.
        """
        enabled = T.is_grad_enabled()
        try:
            return observe(self.func, T, **dict(example or {}))
        finally:
            T.set_grad_enabled(enabled)

    def compare_options(self, names: tuple[str, str] = ("torch", "gradref")) -> CompareOptions:
        b = self.behaviour
        return CompareOptions(
            message_prefix=b.message if b.match == "prefix" else None,
            compare_warnings=self.compare_warnings,
            reduction_length=self.reduction_length,
            names=names,
        )

    def skip_reason(self, torch_version: str) -> str | None:
        """Why this scenario does not apply to ``torch_version``, or None when it does."""
        b = self.behaviour
        if b.holds_for(torch_version):
            return None
        span = f"since {b.since}" if b.since else ""
        if b.until:
            span = f"{span}, until {b.until}".lstrip(", ")
        return f"{b.id} holds only for torch {span}; this is torch {torch_version}"

    def check_torch(self, obs: Observation) -> list[str]:
        """Problems with torch's own observation: wrong exception, or a message the catalogue
        does not quote."""
        problems = []
        b = self.behaviour
        if self.raises is not None:
            if obs.error is None:
                problems.append(f"expected torch to raise {self.raises}, it raised nothing")
            elif obs.error.type != self.raises:
                problems.append(f"expected torch to raise {self.raises}, it raised {obs.error!r}")
        elif obs.error is not None:
            problems.append(f"torch raised {obs.error!r}")
        if b.message is not None:
            seen = messages_in(obs)
            if not any(b.message_matches(m) for m in seen):
                problems.append(
                    f"the catalogue quotes {b.message!r} ({b.match}), torch said {seen!r}"
                )
        return problems


def messages_in(obs: Observation) -> list[str]:
    """Every message in an observation: exception, warnings, Raised records in the result."""
    out = [obs.error.message] if obs.error is not None else []
    out += [w.message for w in obs.warnings]

    def walk(v: Any) -> None:
        if isinstance(v, Raised):
            out.append(v.message)
        elif isinstance(v, Mapping):
            for x in v.values():
                walk(x)
        elif isinstance(v, (list, tuple)):
            for x in v:
                walk(x)

    walk(obs.result)
    return out


_REGISTRY: list[Scenario] = []


def scenario(
    behaviour_id: str,
    draws: Mapping[str, st.SearchStrategy] | None = None,
    *,
    raises: str | None = None,
    compare_warnings: bool = True,
    reduction_length: int = 1,
    max_examples: int | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register the decorated ``func(T, **draws)`` as a scenario of ``behaviour_id``.

    The function is returned unchanged, so it can still be called directly.
    """

    def register(func: Callable[..., Any]) -> Callable[..., Any]:
        params = list(inspect.signature(func).parameters)
        wanted = set(params[1:])
        given = set(draws or {})
        if wanted != given:
            raise TypeError(
                f"scenario {func.__qualname__} for {behaviour_id}: parameters {sorted(wanted)} "
                f"but draws {sorted(given)}"
            )
        _REGISTRY.append(
            Scenario(
                behaviour_id=behaviour_id,
                name=func.__name__,
                func=func,
                draws=dict(draws or {}),
                raises=raises,
                compare_warnings=compare_warnings,
                reduction_length=reduction_length,
                max_examples=max_examples,
            )
        )
        return func

    return register


def registered() -> list[Scenario]:
    return list(_REGISTRY)
