"""The behaviour catalogue is well formed, and every behaviour has a scenario."""

from __future__ import annotations

import re

import pytest

from gradspec.behaviours import catalogue
from gradspec.behaviours.catalogue import KNOWN_AREAS, CatalogueError
from gradspec.behaviours.scenarios import all_scenarios
from gradspec.versions import parse_version

ID = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")
BEHAVIOURS = catalogue.behaviours()


def test_at_least_seventy_behaviours():
    assert len(BEHAVIOURS) >= 70


def test_ids_unique_and_sorted():
    ids = [b.id for b in BEHAVIOURS]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)


@pytest.mark.parametrize("b", BEHAVIOURS, ids=lambda b: b.id)
def test_behaviour_well_formed(b):
    assert ID.match(b.id), f"{b.id!r} is not a dotted lower-case id"
    assert b.area == b.id.split(".")[0]
    assert b.area in KNOWN_AREAS, f"{b.id}: unknown area {b.area!r}"
    assert b.sentence.strip() and b.sentence.rstrip().endswith("."), b.sentence
    assert "\n" not in b.sentence
    assert b.source.strip()
    for v in (b.since, b.until):
        if v is not None:
            parse_version(v)
    if b.since is not None and b.until is not None:
        assert parse_version(b.since) < parse_version(b.until)
    if b.message is not None:
        assert b.message.strip() and "\n" not in b.message
    assert b.match in ("exact", "prefix")
    if b.match == "prefix":
        assert b.message is not None, "a prefix match needs a message"


def test_every_autograd_behaviour_has_a_scenario():
    # ``contract.*`` ids describe what a user's custom Function must do; gradspec.functions.checks
    # exercises them (see the next test). Every other id is a torch behaviour with a scenario.
    # Behaviours marked out_of_scope say why they are not checked, and have no scenario.
    covered = {s.behaviour_id for s in all_scenarios()}
    missing = [
        b.id
        for b in BEHAVIOURS
        if b.area != "contract" and b.out_of_scope is None and b.id not in covered
    ]
    assert not missing, f"catalogue ids without a scenario: {missing}"


def test_out_of_scope_behaviours_give_a_reason_and_have_no_scenario():
    covered = {s.behaviour_id for s in all_scenarios()}
    for b in BEHAVIOURS:
        if b.out_of_scope is not None:
            assert b.out_of_scope.strip().endswith("."), b.id
            assert b.id not in covered, f"{b.id} is out of scope but has a scenario"


def test_every_contract_behaviour_has_a_check():
    from gradspec.functions.checks import CHECKS

    checked = {c.behaviour for c in CHECKS.values()}
    missing = [b.id for b in BEHAVIOURS if b.area == "contract" and b.id not in checked]
    assert not missing, f"contract ids without a check: {missing}"


def test_every_check_names_a_catalogued_contract_behaviour():
    from gradspec.functions.checks import CHECKS

    contract = {b.id for b in BEHAVIOURS if b.area == "contract"}
    unknown = {c.name: c.behaviour for c in CHECKS.values() if c.behaviour not in contract}
    assert not unknown, f"checks tied to no contract behaviour of the catalogue: {unknown}"


def test_every_scenario_names_a_catalogued_behaviour():
    ids = {b.id for b in BEHAVIOURS}
    unknown = sorted({s.behaviour_id for s in all_scenarios()} - ids)
    assert not unknown, f"scenarios for behaviours missing from the catalogue: {unknown}"


def test_get_and_areas():
    b = catalogue.get("accumulation.leaf-sums")
    assert b.area == "accumulation"
    assert "accumulation" in catalogue.areas()
    assert set(catalogue.areas()) <= set(KNOWN_AREAS)
    with pytest.raises(KeyError, match="no-such.behaviour"):
        catalogue.get("no-such.behaviour")


def test_duplicate_ids_across_files_raise(tmp_path):
    entry = '[[behaviour]]\nid = "leaves.same"\nsentence = "S."\nsource = "x"\n'
    (tmp_path / "a.toml").write_text(entry)
    (tmp_path / "b.toml").write_text(entry)
    with pytest.raises(CatalogueError, match=r"leaves\.same.*a\.toml.*b\.toml"):
        catalogue.load(tmp_path)


def test_duplicate_ids_in_one_file_raise(tmp_path):
    entry = '[[behaviour]]\nid = "leaves.same"\nsentence = "S."\nsource = "x"\n'
    (tmp_path / "a.toml").write_text(entry + entry)
    with pytest.raises(CatalogueError, match=r"leaves\.same"):
        catalogue.load(tmp_path)


def test_unknown_field_raises(tmp_path):
    (tmp_path / "a.toml").write_text(
        '[[behaviour]]\nid = "leaves.x"\nsentence = "S."\nsource = "x"\nsinse = "2.1"\n'
    )
    with pytest.raises(CatalogueError, match="sinse"):
        catalogue.load(tmp_path)


def test_loader_reads_every_toml_file(tmp_path):
    (tmp_path / "a.toml").write_text(
        '[[behaviour]]\nid = "leaves.a"\nsentence = "A."\nsource = "x"\n'
    )
    (tmp_path / "b.toml").write_text(
        '[[behaviour]]\nid = "contract.b"\nsentence = "B."\nsource = "y"\nsince = "2.1"\n'
    )
    loaded = catalogue.load(tmp_path)
    assert list(loaded) == ["contract.b", "leaves.a"]
    assert loaded["contract.b"].since == "2.1"
    assert loaded["contract.b"].file == "b.toml"


@pytest.mark.parametrize(
    "text, expected",
    [("2.1", (2, 1)), ("2.1.0", (2, 1)), ("2.14.1+cu130", (2, 14, 1)), ("2.5.0a0", (2, 5))],
)
def test_parse_version(text, expected):
    assert parse_version(text) == expected


def test_parse_version_rejects_garbage():
    with pytest.raises(ValueError):
        parse_version("latest")


def test_holds_for_respects_since_and_until():
    b = catalogue.Behaviour(id="x.y", sentence="S.", source="s", since="2.1", until="2.4")
    assert not b.holds_for("2.0.1")
    assert b.holds_for("2.1.0")
    assert b.holds_for("2.3.1+cpu")
    assert not b.holds_for("2.4.0")


def test_scenario_skip_reason_outside_range(monkeypatch):
    sc = next(s for s in all_scenarios() if s.behaviour.since == "2.1")
    assert sc.skip_reason("2.0.1") is not None
    assert "since 2.1" in sc.skip_reason("2.0.1")
    assert sc.skip_reason("2.14.1") is None
