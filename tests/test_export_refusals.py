"""What export refuses rather than write something wrong: a description's text that would
become code in the Python file, and a drafted description that does not build back to the
module (its parameter count, from torch, and its output shape)."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import DATA, cli

EXPORT = DATA / "export"


def test_a_concat_dim_that_is_not_a_number_never_becomes_code(tmp_path: Path) -> None:
    written = tmp_path / "model.py"
    result = cli(
        "export", str(EXPORT / "concat-dim-code.yaml"), "--to", "pytorch", "-o", str(written)
    )
    assert result.exit_code == 2
    assert "concat-dim-code.yaml:7:19: Concat's 'dim' expects int" in result.output
    assert not written.exists()


def test_a_name_clash_in_the_draft_is_refused() -> None:
    result = cli("export", f"{EXPORT / 'drafting_gaps.py'}:InnerNamesClash", "--to", "yaml",
                 "-i", "3x8x8")  # fmt: skip
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "does not read back: duplicate layer name 'conv'" in text
    assert "gap in cnninspect's export" in text and "Traceback" not in result.output


def test_shared_weights_described_twice_are_refused() -> None:
    """The module's parameter count is torch's; the draft's would count the shared
    convolution twice."""
    from tests.data.export.drafting_gaps import SharedAcrossLevels

    params = sum(p.numel() for p in SharedAcrossLevels().parameters())
    result = cli("export", f"{EXPORT / 'drafting_gaps.py'}:SharedAcrossLevels", "--to", "yaml",
                 "-i", "8x8x8")  # fmt: skip
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert f"builds to {2 * params:,} parameters and output (8, 8, 8), not {params:,}" in text


def test_a_layer_norm_over_several_axes_keeps_its_shape(tmp_path: Path) -> None:
    written = tmp_path / "norm.yaml"
    target = f"{EXPORT / 'drafting_gaps.py'}:WholeLayerNorm"
    result = cli("export", target, "--to", "yaml", "-i", "3x8x8", "-o", str(written))
    assert result.exit_code == 0, result.output
    assert "LayerNorm: {normalized_shape: [8, 8, 8]}" in written.read_text()
    assert cli("diff", target, str(written), "-i", "3x8x8", "--exit-code").exit_code == 0
