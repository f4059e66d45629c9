"""Renderers of validate's findings: text, JSON, GitHub workflow commands, SARIF, JUnit."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from cnninspect import validate
from cnninspect.errors import Position
from cnninspect.render.validation import ci
from cnninspect.render.validation.json_output import validation_json
from cnninspect.render.validation.text import summary_line, validation_text
from cnninspect.results.findings import Finding, Severity
from cnninspect.results.validation import TargetResult, Validation
from tests.conftest import JUNIT_XSD, RULE_CASES, SARIF_SCHEMA, VALIDATE_DATA, check_json, cli

PAPER = VALIDATE_DATA / "alexnet-paper.yaml"
NETS = VALIDATE_DATA / "nets.py"


@pytest.fixture(scope="module")
def validation() -> Validation:
    """A file with errors, one with a warning only, a clean one, and a failing module."""
    files = validate(
        str(PAPER), str(RULE_CASES / "CNN201-fires.yaml"), str(VALIDATE_DATA / "alexnet-227.yaml")
    )
    module = validate(f"{VALIDATE_DATA / 'nets.py'}:PaperAlexNet", input_shape=(3, 224, 224))
    return Validation(files.results + module.results)


NASTY = Validation(
    (
        TargetResult(
            "odd, name.yaml",
            "odd",
            "odd, name.yaml",
            (
                Finding(
                    "CNN101",
                    Severity.ERROR,
                    "100% wrong:\nsecond line\r",
                    layer="a,b",
                    position=Position("dir:x/odd, name.yaml", 3, 7),
                    hint="try 50%",
                ),
            ),
        ),
    )
)


def test_text_lines_are_path_line_col_code_severity_message(validation: Validation) -> None:
    lines = validation_text(validation).splitlines()
    assert lines[0].startswith(f"{PAPER}:9:5: CNN103 warning: conv1 ")
    assert any(line.startswith("    hint: ") for line in lines)
    # a module's forward failure points at the line of its forward() that made the call
    assert any(f"{NETS}:33:1: CNN106 error: fc6 (Linear) fails" in line for line in lines)


def test_json_is_versioned_and_exact(validation: Validation) -> None:
    data = check_json("validate", validation_json(validation))
    assert data["schema"] == "cnninspect.validate"
    assert data["schema_version"] == 1
    assert data["failed"] is True
    assert [t["failed"] for t in data["targets"]] == [True, False, False, True]
    paper = data["targets"][0]
    assert paper["suggested_input"] == [3, 227, 227]
    first = paper["findings"][0]
    assert (first["code"], first["line"], first["col"], first["layer"]) == ("CNN103", 9, 5, "conv1")
    assert data["counts"] == {"error": 6, "warning": 6, "info": 0}


def test_github_commands(validation: Validation) -> None:
    lines = ci.validation_github(validation).splitlines()
    assert lines[0].startswith(f"::warning file={PAPER},line=9,col=5,title=CNN103 dropped-pixels::")
    assert any(line.startswith("::error file=") for line in lines)
    assert all(line.startswith("::") for line in lines)  # hints stay on their annotation's line


def test_github_escapes_data_and_properties() -> None:
    (line,) = ci.validation_github(NASTY).splitlines()
    properties, message = line.removeprefix("::error ").split("::", 1)
    assert properties == "file=dir%3Ax/odd%2C name.yaml,line=3,col=7,title=CNN101 declared-shape"
    assert message == "100%25 wrong:%0Asecond line%0D%0Ahint: try 50%25"


def test_escape_functions() -> None:
    assert ci.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert ci.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


@pytest.mark.parametrize("case", ["real", "nasty"])
def test_sarif_validates_against_the_2_1_0_schema(validation: Validation, case: str) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text())
    log = json.loads(ci.validation_sarif(validation if case == "real" else NASTY))
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_sarif_results_carry_locations(validation: Validation) -> None:
    results = json.loads(ci.validation_sarif(validation))["runs"][0]["results"]
    first = results[0]
    assert first["level"] == "warning"
    region = first["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 9, "startColumn": 5}
    assert "227×227" in first["message"]["text"]
    module = results[-1]
    assert module["ruleId"] == "CNN106"
    located = module["locations"][0]["physicalLocation"]
    assert located["artifactLocation"]["uri"].endswith("nets.py")
    assert located["region"] == {"startLine": 33, "startColumn": 1}  # forward()'s call of fc6


def test_sarif_uri_of_a_relative_path_stays_relative() -> None:
    assert ci.artifact_uri("architectures/odd name.yaml") == "architectures/odd%20name.yaml"
    assert ci.artifact_uri("/abs/a.yaml") == "file:///abs/a.yaml"


def test_junit_has_one_testcase_per_target(validation: Validation) -> None:
    root = ET.fromstring(ci.validation_junit(validation))
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == 4
    assert suite.get("tests") == "4" and suite.get("failures") == "2"
    paper, chain, clean, module = cases
    failure = paper.find("failure")
    assert failure is not None and failure.get("type") == "CNN101"  # CNN103 is a warning
    assert chain.find("failure") is None and chain.find("system-out") is not None
    assert list(clean) == []
    assert module.find("failure") is not None


@pytest.mark.parametrize("fail_on", [Severity.ERROR, Severity.WARNING])
@pytest.mark.parametrize("case", ["real", "nasty"])
def test_junit_validates_against_junit_10_xsd(
    validation: Validation, case: str, fail_on: Severity
) -> None:
    """The schema Jenkins' xunit plugin and pytest's own tests read JUnit XML with."""
    xml = ci.validation_junit(validation if case == "real" else NASTY, fail_on=fail_on)
    xmlschema.XMLSchema(JUNIT_XSD).validate(xml)


def test_junit_of_the_cli_validates(tmp_path: Path) -> None:
    out = tmp_path / "junit.xml"
    result = cli("validate", str(PAPER), str(RULE_CASES), "-f", "junit", "-o", str(out))
    assert result.exit_code == 1
    xmlschema.XMLSchema(JUNIT_XSD).validate(str(out))
    names = [case.get("name") for case in ET.parse(out).iter("testcase")]
    # named from the working directory (the repository), as the test report shows them
    assert PAPER.relative_to(Path.cwd()).as_posix() in names and len(names) > 10


def test_json_of_every_rule_case_matches_its_schema() -> None:
    """validate's JSON over the rule catalogue's cases (one file per rule, firing or not)."""
    result = cli("validate", str(RULE_CASES), "--format", "json", "--no-solve")
    data = check_json("validate", result.stdout)
    codes = {f["code"] for t in data["targets"] for f in t["findings"]}
    assert {"CNN101", "CNN103", "CNN201"} <= codes
    check_json("validate", validation_json(NASTY))


def test_junit_fail_on_warning(validation: Validation) -> None:
    root = ET.fromstring(ci.validation_junit(validation, fail_on=Severity.WARNING))
    assert root.get("failures") == "3"


def test_summary_line(validation: Validation) -> None:
    assert summary_line(validation) == "4 targets, 3 with findings: 6 errors, 6 warnings"
    assert summary_line(Validation(())) == "0 targets: no findings"


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository with a model file and a description, each with a finding at a line."""
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    (repo / "arch").mkdir()
    shutil.copy(VALIDATE_DATA / "nets.py", repo / "models" / "nets.py")
    shutil.copy(PAPER, repo / "arch" / "paper.yaml")
    return repo


def test_ci_formats_give_repository_relative_paths(
    repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Module files as well as descriptions, named by absolute paths: GitHub's annotations,
    SARIF's artifacts and JUnit's lines all name them from the repository's root (the working
    directory, or --root from elsewhere)."""
    module = f"{repository / 'models' / 'nets.py'}:PaperAlexNet"
    yaml_file = str(repository / "arch" / "paper.yaml")
    monkeypatch.chdir(repository)
    github = cli("validate", module, "-i", "3x224x224", "-f", "github").stdout
    assert "file=models/nets.py,line=" in github and str(repository) not in github
    sarif = json.loads(cli("validate", yaml_file, "-f", "sarif").stdout)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris == {"arch/paper.yaml"}
    junit = cli("validate", module, "-i", "3x224x224", "-f", "junit").stdout
    root = ET.fromstring(junit.split("\n", 1)[1])
    (case,) = root.iter("testcase")
    assert case.get("name") == "models/nets.py:PaperAlexNet"
    assert (case.find("failure").text or "").startswith("models/nets.py:")
    monkeypatch.chdir(repository.parent)
    elsewhere = cli("validate", module, "-i", "3x224x224", "-f", "github", "--root", "repo")
    assert "file=models/nets.py,line=" in elsewhere.stdout
    text = cli("validate", module, "-i", "3x224x224").stdout  # for people: the path as given
    assert str(repository / "models" / "nets.py") in text
