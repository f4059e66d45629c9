"""The published JSON Schemas of cnninspect's JSON outputs (schema/KIND.schema.json): generated
from the renderers' types, committed, and met by the JSON the commands print. (``cli()`` checks
every JSON document a test prints; the golden files are checked here.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import jsonschema
import pytest

from cnninspect.render.diff.json_output import StatusName
from cnninspect.render.envelope import SCHEMA_VERSIONS
from cnninspect.render.schemas import DOCUMENTS, output_schema
from cnninspect.render.summary.json_output import SeverityName
from cnninspect.results.diff import Status
from cnninspect.results.findings import Severity
from tests.conftest import GOLDEN, SCHEMAS, check_json, cli

KINDS = sorted(DOCUMENTS)


@pytest.mark.parametrize("kind", KINDS)
def test_committed_schema_is_the_generated_one(kind: str) -> None:
    committed = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    printed = cli("schema", "--output", kind)
    assert printed.exit_code == 0, printed.stderr
    assert committed == json.loads(printed.stdout) == output_schema(kind), "run: make schemas"
    jsonschema.Draft202012Validator.check_schema(committed)


def test_every_json_output_has_a_schema() -> None:
    assert set(SCHEMA_VERSIONS) == set(KINDS)
    for kind in KINDS:
        schema = output_schema(kind)
        assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSIONS[kind]}


def test_enumerations_are_the_codes_own() -> None:
    assert set(get_args(SeverityName)) == {str(s) for s in Severity}
    assert set(get_args(StatusName)) == {s.value for s in Status}


@pytest.mark.parametrize("path", sorted((GOLDEN / "summary").glob("*.json")), ids=lambda p: p.stem)
def test_golden_summaries_match_the_schema(path: Path) -> None:
    check_json("summary", path.read_text(encoding="utf-8"))


def test_schema_rejects_what_the_code_never_prints() -> None:
    """Strict: a key more or less, or a wrong type, is an error (not silently allowed)."""
    document = json.loads(cli("summary", "lecture-example", "-f", "json").stdout)
    document["layers"][1]["extra"] = 1
    with pytest.raises(jsonschema.ValidationError):
        check_json("summary", document)
    del document["layers"][1]["extra"]
    document["totals"]["macs"] = "849320"
    with pytest.raises(jsonschema.ValidationError):
        check_json("summary", document)
    document["totals"]["macs"] = 849320
    document["schema_version"] += 1
    with pytest.raises(jsonschema.ValidationError):
        check_json("summary", document)


def test_diff_list_and_min_input_outputs_match(monkeypatch: pytest.MonkeyPatch) -> None:
    import cnninspect.api.listing

    diff = cli("diff", "alexnet-paper", "alexnet", "-f", "json")
    assert check_json("diff", diff.stdout)["counts"]["removed"] == 2
    monkeypatch.setattr(cnninspect.api.listing, "bundled_names", lambda: ["lenet5", "m5"])
    listed = cli("list", "-f", "json")
    assert len(check_json("list", listed.stdout)["architectures"]) == 2
    found = cli("min-input", "-f", "json", "lenet5")
    assert check_json("min-input", found.stdout)["targets"][0]["min_size"] is not None


def test_every_output_kind_has_a_document_a_version_and_a_committed_schema() -> None:
    """The kinds live in cnninspect.choices; the renderers, the versions, `cnninspect schema
    --output`'s choices and the committed files all follow them."""
    from cnninspect.choices import OUTPUT_KINDS

    assert set(DOCUMENTS) == set(SCHEMA_VERSIONS) == set(OUTPUT_KINDS)
    committed = {p.name.removesuffix(".schema.json") for p in SCHEMAS.glob("*.schema.json")}
    assert committed == {*OUTPUT_KINDS, "cnninspect"}  # and the YAML format's own
    for kind in OUTPUT_KINDS:
        assert cli("schema", "--output", kind).exit_code == 0
    refused = cli("schema", "--output", "nothing")
    assert refused.exit_code == 2 and "summary" in refused.output
