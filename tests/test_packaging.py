"""Installing and publishing: what `make run` installs, a pip install without numpy or without
torch, the wheel's metadata and long description, and the README's CI recipe and pre-commit hook
— the hook run for real by pre-commit on a throwaway repository."""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

import cnninspect
from tests.conftest import ARCHITECTURES, GOLDEN, ROOT, VALIDATE_DATA, cli

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
SOURCE = PROJECT["urls"]["Source"]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# cnninspect's console entry point, run by `python -S` on a sys.path without some packages
ENTRY = """
import sys
sys.path[:0] = sys.argv[1].split(",")
from cnninspect.cli import main
sys.argv = ["cnninspect", *sys.argv[2:]]
main()
"""


Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def without(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """``without("torch", *args)``: ``cnninspect ARGS`` as if the packages named (comma-
    separated) were not installed — ``python -S`` on a copy of this environment's
    site-packages made of links, less those packages, their metadata and bundled libraries."""
    import site

    (packages,) = [p for p in site.getsitepackages() if p.startswith(sys.prefix)]

    def run(hidden: str, *args: str) -> subprocess.CompletedProcess[str]:
        names = hidden.split(",")
        target = tmp_path_factory.mktemp(f"site-without-{'-'.join(names)}")
        for entry in Path(packages).iterdir():
            stem = entry.name.lower().replace("-", "_").split(".")[0]
            if not any(stem == name or stem.startswith(f"{name}_") for name in names):
                (target / entry.name).symlink_to(entry)
        return subprocess.run(
            [sys.executable, "-S", "-c", ENTRY, f"{ROOT},{target}", *args],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "NO_COLOR": "1"},
            cwd=ROOT,
        )

    return run


@pytest.mark.parametrize(
    "command",
    [["summary", "lecture-example"], ["list"], ["diff", "lecture-example", "lenet5"]],
    ids=["summary", "list", "diff"],
)
def test_without_torch_the_tool_says_what_to_install(without: Run, command: list[str]) -> None:
    """Not "internal error" (exit 4): torch is missing, here is how to install it (exit 2)."""
    out = without("torch", *command)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: PyTorch is not installed here")
    assert "pip install torch" in out.stderr
    assert "internal error" not in out.stderr and "Traceback" not in out.stderr


@pytest.mark.slow
def test_without_numpy_torch_does_not_warn_on_every_command(without: Run) -> None:
    """torch works without numpy, but says "Failed to initialize NumPy" at every import."""
    out = without("numpy", "summary", "lecture-example", "-f", "json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["params"] == 62958
    assert out.stderr == ""


def make_dry_run(target: str, venv: Path) -> str:
    out = subprocess.run(
        ["make", "-n", target, f"VENV={venv}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def test_make_run_installs_only_what_a_summary_needs(tmp_path: Path) -> None:
    """A fresh clone: `make run` installs the package (its runtime dependencies), says so
    first, and lets pip show its progress; the test tools come with `make test` only."""
    run = make_dry_run("run", tmp_path / "venv")
    installs = [line for line in run.splitlines() if " install " in line]
    assert any(line.endswith("pip install --progress-bar on -e .") for line in installs), run
    assert "[dev]" not in run and "--quiet -e" not in run
    said = run.index("First run: installing cnninspect and what a summary needs")
    assert said < run.index("pip install --progress-bar on -e .")
    assert "cnninspect summary lecture-example --notation hwc" in run
    assert "-e '.[dev]'" in make_dry_run("test", tmp_path / "venv")
    runtime = {name.split(">")[0] for name in PROJECT["dependencies"]}
    # and for `draw`: a pure-Python layout, a PNG rasteriser shipped in its wheel
    assert runtime == {"typer", "rich", "pyyaml", "torch", "grandalf", "resvg-py"}


def test_license_and_project_metadata() -> None:
    license_text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert license_text.startswith("MIT License") and PROJECT["license"] == {"text": "MIT"}
    assert "License :: OSI Approved :: MIT License" in PROJECT["classifiers"]
    assert PROJECT["authors"] and PROJECT["keywords"]
    assert set(PROJECT["urls"]) >= {"Homepage", "Source", "Issues", "Documentation"}
    assert PROJECT["readme"] == {"file": "docs/pypi.md", "content-type": "text/markdown"}


def test_long_description_opens_with_the_pitch_and_real_output() -> None:
    """PyPI shows docs/pypi.md: the pitch and the install first, not `make run`; its quick
    start is the real output (the golden file)."""
    text = (ROOT / "docs" / "pypi.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# cnninspect"
    assert lines[2].startswith("Inspect convolutional neural networks")
    assert "make run" not in text
    assert text.index("pip install cnninspect") < text.index("## Quick start")
    golden = (GOLDEN / "lecture-example.hwc.txt").read_text(encoding="utf-8")
    assert golden.rstrip() in text


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("cnninspect-*.whl")
    return built


@pytest.mark.slow
def test_wheel_carries_the_bundled_architectures(wheel: Path) -> None:
    """`cnninspect summary resnet18` must work after a plain `pip install`."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in ARCHITECTURES.glob("*.yaml"):
        assert f"cnninspect/architectures/{path.name}" in names
    assert "cnninspect/py.typed" in names


@pytest.mark.slow
def test_wheel_metadata_is_complete(wheel: Path) -> None:
    archive = zipfile.ZipFile(wheel)
    dist_info = next(n.split("/")[0] for n in archive.namelist() if ".dist-info/" in n)
    metadata = email.message_from_bytes(archive.read(f"{dist_info}/METADATA"))
    classifiers = metadata.get_all("Classifier") or []
    assert "License :: OSI Approved :: MIT License" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    urls = metadata.get_all("Project-URL") or []
    assert any(url.startswith("Source, ") and url.endswith(SOURCE) for url in urls)
    assert metadata["Author"] or metadata["Author-email"]
    assert "pytorch" in (metadata["Keywords"] or "")
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata["Version"] == cnninspect.__version__  # one place: cnninspect/_version.py
    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert metadata["Requires-Python"] == ">=3.10"
    body = metadata.get_payload()
    assert isinstance(body, str)
    assert body.startswith("# cnninspect\n\nInspect convolutional neural networks")
    assert "make run" not in body
    assert any(
        n.startswith(f"{dist_info}/licenses/LICENSE") or n == f"{dist_info}/LICENSE"
        for n in archive.namelist()
    )


# -- the README's CI recipes ---------------------------------------------------------------


def readme_yaml(marker: str) -> object:
    """The README's YAML block that contains ``marker``."""
    blocks = README.split("```yaml\n")[1:]
    block = next(b.split("```")[0] for b in blocks if marker in b)
    return yaml.safe_load(block)


def test_readme_github_actions_recipe_installs_from_this_repository(tmp_path: Path) -> None:
    """The workflow installs cnninspect from its git URL (the project's Source URL, not a
    package nobody published), and its cnninspect steps work: annotations, then SARIF."""
    workflow = readme_yaml("runs-on: ubuntu-latest")
    assert isinstance(workflow, dict)
    steps = [step["run"] for step in workflow["jobs"]["validate"]["steps"] if "run" in step]
    install = next(step for step in steps if "cnninspect @" in step)
    assert f'"cnninspect @ git+{SOURCE}@main"' in install
    assert not any(step.rstrip().endswith("pip install cnninspect") for step in steps)
    (tmp_path / "architectures").mkdir()
    shutil.copy(ARCHITECTURES / "lecture-example.yaml", tmp_path / "architectures")
    cwd = Path.cwd()
    os.chdir(tmp_path)
    try:
        for step in (s for s in steps if s.startswith("cnninspect ")):
            result = cli(*step.split()[1:], env={"GITHUB_ACTIONS": "true"})
            assert result.exit_code == 0, (step, result.stderr)
    finally:
        os.chdir(cwd)
    assert (tmp_path / "cnninspect.sarif").read_text().startswith("{")


def test_readme_pre_commit_snippet_names_the_published_hook() -> None:
    config = readme_yaml("cnninspect-validate")
    assert isinstance(config, dict)
    (repo,) = config["repos"]
    assert repo["repo"] == SOURCE and repo["rev"]
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert repo["hooks"][0]["id"] in {hook["id"] for hook in hooks}


# -- the pre-commit hook, for real ------------------------------------------------------------


def git(*args: str, cwd: Path) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
    }
    out = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture(scope="module")
def hook_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway git repository holding this working tree as it is (committed or not), as
    pre-commit clones a hook's repository."""
    source = tmp_path_factory.mktemp("cnninspect")
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    git("init", "-q", cwd=source)
    git("add", "-A", cwd=source)
    git("commit", "-q", "-m", "snapshot", cwd=source)
    return source


@pytest.fixture
def hook_environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    """pre-commit builds the hook's own virtualenv and pip-installs cnninspect into it. So that
    the test does not download torch (gigabytes), that environment also sees this one's
    packages, after its own (a sitecustomize appends our site-packages): pip finds torch, typer
    and rich installed and installs only cnninspect itself, from the throwaway repository."""
    import site

    sitedir = tmp_path / "site"
    sitedir.mkdir()
    ours = [p for p in site.getsitepackages() if p.startswith(sys.prefix)]
    lines = [f"site.addsitedir({p!r})" for p in ours]
    (sitedir / "sitecustomize.py").write_text("import site\n" + "\n".join(lines) + "\n")
    yield {
        **os.environ,
        "PYTHONPATH": str(sitedir),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "NO_COLOR": "1",
    }


def consumer(tmp_path: Path, *files: Path) -> Path:
    repo = tmp_path / "consumer"
    (repo / "architectures").mkdir(parents=True)
    for path in files:
        shutil.copy(path, repo / "architectures" / path.name)
    (repo / "README.md").write_text("not an architecture\n")
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "architectures", cwd=repo)
    return repo


@pytest.mark.slow
def test_pre_commit_try_repo_runs_the_hook(
    tmp_path: Path, hook_source: Path, hook_environment: dict[str, str]
) -> None:
    """`pre-commit try-repo` on a throwaway repository: the inconsistent AlexNet fails the
    commit with located findings; the consistent one passes."""
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    repo = consumer(
        tmp_path, ARCHITECTURES / "lecture-example.yaml", VALIDATE_DATA / "alexnet-paper.yaml"
    )
    command = [pre_commit, "try-repo", str(hook_source), "cnninspect-validate", "--all-files"]
    failed = subprocess.run(
        command, cwd=repo, env=hook_environment, capture_output=True, text=True, check=False
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "cnninspect validate" in failed.stdout and "Failed" in failed.stdout
    assert "architectures/alexnet-paper.yaml:" in failed.stdout and "CNN101" in failed.stdout
    git("rm", "-q", "architectures/alexnet-paper.yaml", cwd=repo)
    git("commit", "-q", "-m", "consistent only", cwd=repo)
    passed = subprocess.run(
        command, cwd=repo, env=hook_environment, capture_output=True, text=True, check=False
    )
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "Passed" in passed.stdout


@pytest.mark.slow
def test_readme_pre_commit_snippet_runs(
    tmp_path: Path, hook_source: Path, hook_environment: dict[str, str]
) -> None:
    """The README's snippet as a repository's .pre-commit-config.yaml, pointed at the
    throwaway clone (a local path, as the README allows) at its commit."""
    config = readme_yaml("cnninspect-validate")
    assert isinstance(config, dict)
    config["repos"][0]["repo"] = str(hook_source)
    config["repos"][0]["rev"] = git("rev-parse", "HEAD", cwd=hook_source).strip()
    repo = consumer(tmp_path, VALIDATE_DATA / "alexnet-paper.yaml")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    pre_commit = str(Path(sys.executable).parent / "pre-commit")
    out = subprocess.run(
        [pre_commit, "run", "--all-files"],
        cwd=repo,
        env=hook_environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    assert "architectures/alexnet-paper.yaml:" in out.stdout and "CNN101 error" in out.stdout


def test_the_tools_target_the_declared_python_floor() -> None:
    """ruff and mypy check against the oldest Python the package declares, not a newer one."""
    floor = PROJECT["requires-python"].removeprefix(">=")
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]
    assert tools["mypy"]["python_version"] == floor
    assert tools["ruff"]["target-version"] == "py" + floor.replace(".", "")


def test_the_readme_and_the_help_list_every_exit_code() -> None:
    """The codes live in cnninspect.choices; the README's table and --help name each of them."""
    from cnninspect.choices import EXIT_CODES, ExitCode

    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = {
        int(line.split("|")[1])
        for line in section.splitlines()
        if line[:3] in ("| 0", "| 1", "| 2", "| 3", "| 4")
    }
    assert rows == {int(code) for code in ExitCode} == {int(code) for code in EXIT_CODES}
    helped = subprocess.run(
        [sys.executable, "-m", "cnninspect", "--help"], capture_output=True, text=True, check=True
    )
    for code, meaning in EXIT_CODES.items():
        assert f"{int(code)} {meaning.split()[0]}" in " ".join(helped.stdout.split())
