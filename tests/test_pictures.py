"""The drawings as a person sees them: rendered for several architectures (the lecture example,
LeNet-5, AlexNet as printed, ResNet-18, GoogLeNet, U-Net) and checked from the SVG itself — no
overlapping boxes or labels, nothing outside the canvas, no text below the minimum size, one
node per layer or block, an edge for each `from` of the YAML, findings marked — and, where
Chromium is installed, rendered by a browser with its real fonts.
"""

from __future__ import annotations

import functools
import json
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import yaml

import cnninspect
from cnninspect.api.request import resolve_target
from cnninspect.render.picture.picture import Style, drawing_svg
from cnninspect.render.picture.svg import MIN_FONT
from cnninspect.render.summary.page import summary_page
from cnninspect.results.report import Report
from tests.conftest import ARCHITECTURES, ROOT, cli, sweep
from tests.svg_geometry import SVG, Drawing, parse, problems

DRAWN = ["lecture-example", "lenet5", "alexnet-paper", "resnet18", "googlenet", "unet"]
STYLES = [("volumes", None), ("graph", None), ("graph", 1)]


@functools.cache
def report(name: str) -> Report:
    from cnninspect.api.draw import drawing

    return drawing(resolve_target(name), device="meta")


@functools.cache
def rows(name: str) -> list[dict[str, Any]]:
    """The layers as the JSON summary lists them (what the drawing is checked against)."""
    result = cli("summary", name, "-f", "json", "--device", "meta")
    layers: list[dict[str, Any]] = json.loads(result.stdout)["layers"]
    return layers


@functools.cache
def drawn(name: str, style: str, depth: int | None) -> Drawing:
    svg = drawing_svg(report(name), style=Style(style), depth=depth)
    return parse(svg)


@pytest.mark.parametrize("name", DRAWN)
@pytest.mark.parametrize(("style", "depth"), STYLES, ids=["volumes", "graph", "graph-depth1"])
def test_legible(name: str, style: str, depth: int | None) -> None:
    """No overlapping boxes or labels, no label over another box, text at least MIN_FONT px,
    every box, label and edge inside the canvas."""
    drawing = drawn(name, style, depth)
    assert drawing.nodes and drawing.texts
    assert problems(drawing, min_font=MIN_FONT) == []


@pytest.mark.slow
@pytest.mark.parametrize("path", sweep(sorted(ARCHITECTURES.glob("*.yaml"))))
def test_every_bundled_architecture_is_legible(path: Path) -> None:
    """The sweep: both styles (and the graph folded to depth 1) of every bundled file, each
    within the size bound; the block diagram of every layer rasterised."""
    from cnninspect.render.picture.blocks import MAX_HEIGHT, MAX_WIDTH
    from cnninspect.render.picture.picture import svg_png

    for style, depth in STYLES:
        drawing = drawn(path.stem, style, depth)
        assert problems(drawing, min_font=MIN_FONT) == [], style
        assert drawing.width <= MAX_WIDTH + 200 and drawing.height <= MAX_HEIGHT + 400, style
    svg = drawing_svg(report(path.stem), style=Style.graph)
    assert svg_png(svg).startswith(b"\x89PNG")


@pytest.mark.parametrize("name", DRAWN)
@pytest.mark.parametrize("depth", [None, 1], ids=["every-layer", "depth1"])
def test_one_node_per_layer_or_block(name: str, depth: int | None) -> None:
    """Every leaf call is a node (a block folded at ``depth`` is one), each once, with its
    layer name."""
    layers = rows(name)
    if depth is None:
        expected = [(r["name"], r["call"]) for r in layers if r["leaf"]]
    else:
        expected = [(r["name"], r["call"]) for r in layers if r["depth"] <= depth]
    drawing = drawn(name, "graph", depth)
    found = [(drawing.layers[n], _call(drawing, n)) for n in drawing.nodes]
    assert sorted(found) == sorted(expected)


def _call(drawing: Drawing, node: str) -> int:
    element = drawing.root.find(f".//{SVG}g[@id='{node}']")
    assert element is not None
    return int(element.attrib["data-call"])


From = tuple[str, str, tuple[str, ...], tuple[str, ...]]


def _froms(name: str) -> list[From]:
    """(scope prefix, layer, its `from` sources, the scope's own inputs) for every layer of the
    YAML with a `from`, at the top level ("") and in every block instance the pass called."""
    document = yaml.safe_load((ARCHITECTURES / f"{name}.yaml").read_text(encoding="utf-8"))
    blocks = document.get("blocks", {})
    scopes = [("", document["layers"], ("in",))]
    for row in rows(name):
        block = blocks.get(row["type"])
        if block is not None:
            inputs = ("in", *block.get("inputs", ()))
            scopes.append((row["name"] + ".", block["layers"], inputs))
    found = []
    for prefix, layers, inputs in scopes:
        for layer in layers:
            if isinstance(layer, dict) and "from" in layer:
                sources = layer["from"] if isinstance(layer["from"], list) else [layer["from"]]
                found.append((prefix, layer["name"], tuple(sources), inputs))
    return found


@pytest.mark.parametrize("name", ["resnet18", "googlenet", "unet"])
def test_an_edge_for_each_from(name: str) -> None:
    """Every `from` of the file is an edge of the full graph: from the named layer's nodes (or,
    for a block's own inputs, from outside the block) to the layer's nodes."""
    drawing = drawn(name, "graph", None)
    under = dict(drawing.layers)

    def nodes(prefix: str) -> set[str]:
        return {
            n for n, layer in under.items() if layer == prefix or layer.startswith(prefix + ".")
        }

    edges = set(drawing.edges)
    froms = _froms(name)
    assert froms
    for prefix, layer, sources, inputs in froms:
        targets = nodes(prefix + layer)
        assert targets, f"no node for {prefix}{layer}"
        for source in sources:
            if source in inputs:  # the block's input: any node outside the block
                producers = set(under) - nodes(prefix.rstrip("."))
            else:
                producers = nodes(prefix + source)
            assert any((a, b) in edges for a in producers for b in targets), (
                f"no edge {prefix}{source} → {prefix}{layer}"
            )


def test_top_level_froms_at_depth_one() -> None:
    """U-Net at depth 1: each decoder step is fed by the level below and its skip."""
    drawing = drawn("unet", "graph", 1)
    by_layer = {layer: n for n, layer in drawing.layers.items()}
    edges = set(drawing.edges)
    for prefix, layer, sources, _ in _froms("unet"):
        if prefix:
            continue
        for source in sources:
            assert (by_layer[source], by_layer[layer]) in edges


def test_alexnet_paper_shows_its_224_vs_227_findings() -> None:
    """The paper's AlexNet: the layers whose declared shapes fail (and that drop pixels) are
    marked, their messages on hover, and the solver's 227×227 is written on the drawing."""
    drawing = drawn("alexnet-paper", "volumes", None)
    marked = {drawing.layers[n]: hover for n, hover in drawing.findings.items()}
    assert {"conv1", "pool1", "conv2", "pool5", "fc6"} <= set(marked)
    assert "conv1 declares 55×55×96 but the forward pass computes 54×54×96" in marked["conv1"]
    assert "CNN103" in marked["conv1"] and "227×227" in marked["conv1"]
    legend = " ".join(t.what for t in drawing.texts)
    assert "an input of 227×227 (instead of 224×224) satisfies every declared shape" in legend
    clean = drawn("lenet5", "volumes", None)
    assert clean.findings == {}


def test_volumes_are_the_lectures_figure() -> None:
    """LeNet-5: the input and C1…output, labelled n_C@n_H×n_W, the operations between them;
    --notation hwc writes H×W×C."""
    drawing = drawn("lenet5", "volumes", None)
    labels = [t.what for t in drawing.texts]
    for label in ("1@32×32", "6@28×28", "6@14×14", "16@10×10", "16@5×5", "120@1×1", "84", "10"):
        assert label in labels
    for operation in ("conv 5×5 s1", "avg pool 2×2 s2", "FC 84", "FC 10"):
        assert operation in labels
    assert [drawing.layers[n] for n in drawing.nodes] == [
        *("Input", "C1", "S2", "C3", "S4", "C5", "F6", "output"),
    ]
    hwc = parse(drawing_svg(report("lenet5"), style=Style.volumes, notation="hwc"))
    assert "28×28×6" in [t.what for t in hwc.texts]
    # 224×224 and 7×7 both visible: resnet18's input box and its 7×7 maps
    resnet = drawn("resnet18", "volumes", None)
    heights = {resnet.layers[n]: box.bottom - box.top for n, box in resnet.nodes.items()}
    assert heights["Input"] <= 220 and heights["layer4.block.conv2"] >= 20


def test_draw_command_writes_svg_png_html(tmp_path: Path) -> None:
    svg_file, png_file, html_file = (tmp_path / f"d.{ext}" for ext in ("svg", "png", "html"))
    result = cli("draw", "lecture-example", "-o", str(svg_file), "--notation", "hwc")
    assert result.exit_code == 0, result.stderr
    assert "28×28×8" in svg_file.read_text(encoding="utf-8")
    result = cli("draw", "resnet18", "--style", "graph", "--depth", "1", "-o", str(png_file))
    assert result.exit_code == 0, result.stderr
    png = png_file.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 300 and height > 1000
    result = cli("draw", "alexnet-paper", "-o", str(html_file))
    assert result.exit_code == 0, result.stderr
    assert "15 finding(s) marked" in result.stderr
    page = html_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert_self_contained(page)


def test_draw_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    wrong = cli("draw", "lenet5", "-o", str(tmp_path / "x.pdf"))
    assert wrong.exit_code == 2 and ".svg, .png or .html" in wrong.stderr
    folded = cli("draw", "lenet5", "--depth", "1", "-o", str(tmp_path / "x.svg"))
    assert folded.exit_code == 2 and "--style graph" in folded.stderr
    missing = cli("draw", "no-such-net", "-o", str(tmp_path / "x.svg"))
    assert missing.exit_code == 2 and not (tmp_path / "x.svg").exists()


def test_draw_a_module_target(tmp_path: Path) -> None:
    """torchvision's resnet18 (functional `out += identity`): shortcuts are edges too."""
    out = tmp_path / "r.svg"
    result = cli(
        "draw",
        "torchvision.models:resnet18",
        "-i",
        "3x224x224",
        "--style",
        "graph",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    drawing = parse(out.read_text(encoding="utf-8"))
    assert problems(drawing, min_font=MIN_FONT) == []
    layer = drawing.layers
    into_relu = {
        layer[a] for a, b in drawing.edges if layer[b] == "layer2.0.relu" and _call(drawing, b)
    }
    assert into_relu == {"layer2.0.bn2", "layer2.0.downsample.1"}


def assert_self_contained(page: str) -> None:
    """No script, stylesheet, image or font fetched: the only URL is the SVG namespace."""
    urls = set(re.findall(r"(?:https?:)?//[\w.-]+[^\s\"'<>)]*", page))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    for tag in ("<script", "<link", "<img", "@import", "url(http"):
        assert tag not in page


def test_summary_html_report(tmp_path: Path) -> None:
    """One file: the table, the totals, the findings (validate's, with the hint) and both
    drawings, inline."""
    out = tmp_path / "report.html"
    result = cli("summary", "alexnet-paper", "--format", "html", "-o", str(out), "--rf")
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert_self_contained(page)
    for part in (
        "Total params:",
        "Receptive field",
        "Findings",
        "CNN103",
        "227×227",
        "Feature-map volumes",
        "Block diagram",
    ):
        assert part in page
    assert page.count("<svg") == 2
    body = page[page.index("<body>") :].replace("<br>", "<br/>")
    for svg in re.findall(r"<svg.*?</svg>", body, flags=re.DOTALL):
        ET.fromstring(svg)  # each drawing is well-formed XML inside the page


def test_summary_page_renders_without_findings() -> None:
    page = summary_page(report("lenet5"))
    assert "None: every declaration holds" in page


# -- the pictures in the README --------------------------------------------------------------


def pictures_recipe() -> list[list[str]]:
    """The `cnninspect draw` commands of `make pictures`, as argument lists."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\npictures:", 1)[1].split("\n\n", 1)[0]
    commands = []
    for line in recipe.splitlines()[1:]:
        words = shlex.split(line.strip())
        if words and words[0].endswith("cnninspect") and words[1] == "draw":
            commands.append(words[1:])
    return commands


def test_readme_pictures_are_current(tmp_path: Path) -> None:
    """docs/images/ holds what `make pictures` draws today, and the README shows each one."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = pictures_recipe()
    assert len(commands) >= 3
    for command in commands:
        committed = Path(command[command.index("-o") + 1])
        fresh = tmp_path / committed.name
        result = cli(*command[: command.index("-o")], "-o", str(fresh))
        assert result.exit_code == 0, result.stderr
        assert (ROOT / committed).read_text(encoding="utf-8") == fresh.read_text(
            encoding="utf-8"
        ), f"{committed} is stale: run `make pictures`"
        assert f"]({committed})" in readme, f"README.md does not show {committed}"


# -- in a browser ----------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

MEASURE = """<script>
const svg = document.querySelector('svg');
const W = svg.width.baseVal.value, H = svg.height.baseVal.value;
const boxes = [...svg.querySelectorAll('text')].map(t => {
  const b = t.getBBox();
  return {what: t.textContent, x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height,
          node: t.closest('g.node, g.volume')?.id || null};
});
const nodes = [...svg.querySelectorAll('g.node > rect, g.volume > polygon')].map(r => {
  const b = r.getBBox();
  return {id: r.parentNode.id, x0: b.x, y0: b.y, x1: b.x + b.width, y1: b.y + b.height};
});
const hit = (a, b) => a.x0 < b.x1 - 0.5 && b.x0 < a.x1 - 0.5
  && a.y0 < b.y1 - 0.5 && b.y0 < a.y1 - 0.5;
const found = [];
boxes.forEach((a, i) => {
  if (a.x0 < 0 || a.y0 < 0 || a.x1 > W || a.y1 > H) found.push('outside: ' + a.what);
  boxes.slice(i + 1).forEach(b => { if (hit(a, b)) found.push(a.what + ' / ' + b.what); });
  nodes.forEach(n => { if (n.id !== a.node && hit(a, n)) found.push(a.what + ' over ' + n.id); });
});
document.body.setAttribute('data-problems', JSON.stringify(found));
document.body.setAttribute('data-texts', String(boxes.length));
</script>"""


def chromium(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        f"--user-data-dir={cwd / 'profile'}",
        *args,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (apt-get install chromium)")
@pytest.mark.parametrize(
    ("name", "style", "depth"),
    [
        ("lenet5", "volumes", None),
        ("alexnet-paper", "volumes", None),
        ("unet", "graph", 1),
        ("googlenet", "graph", None),
    ],
)
def test_in_a_browser(tmp_path: Path, name: str, style: str, depth: int | None) -> None:
    """Headless Chromium lays the text out with the fonts it finds: no label overlaps another
    or another node, none leaves the canvas; and its screenshot is the drawing's size."""
    svg = drawing_svg(report(name), style=Style(style), depth=depth)
    page = tmp_path / "page.html"
    page.write_text(
        f'<!DOCTYPE html><html><body style="margin:0">{svg}{MEASURE}</body></html>',
        encoding="utf-8",
    )
    dumped = chromium("--dump-dom", page.as_uri(), cwd=tmp_path)
    match = re.search(r'data-problems="([^"]*)"', dumped.stdout)
    assert match, dumped.stderr[-2000:]
    found = json.loads(match.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert found == []
    assert int(re.search(r'data-texts="(\d+)"', dumped.stdout).group(1)) > 10  # type: ignore[union-attr]
    image = tmp_path / "drawing.svg"
    image.write_text(svg, encoding="utf-8")
    width, height = (round(float(v)) for v in re.findall(r'(?:width|height)="([\d.]+)"', svg)[:2])
    shot = tmp_path / "shot.png"
    chromium(
        f"--screenshot={shot}",
        f"--window-size={width},{min(height, 8000)}",
        image.as_uri(),
        cwd=tmp_path,
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(png[16:20], "big") == width
    assert len(png) > 5_000  # not a blank page


@pytest.mark.parametrize("size", [224, 227])
def test_every_view_of_a_request_has_the_same_findings(size: int, tmp_path: Path) -> None:
    """The summary (any format), the drawing, the HTML page and validate read one pass: at
    224 the paper's declarations fail with the same findings and hints everywhere; at 227
    none of them does (the views used to mark 15 findings computed at 224)."""
    given = ("-i", f"3x{size}x{size}")
    drawn = cli("draw", "alexnet-paper", *given, "-o", str(tmp_path / "a.svg"))
    summary = json.loads(cli("summary", "alexnet-paper", *given, "-f", "json").stdout)
    validated = json.loads(cli("validate", "alexnet-paper", *given, "-f", "json").stdout)
    page = cli("summary", "alexnet-paper", *given, "-f", "html").stdout

    def seen(findings: list[dict[str, object]]) -> list[tuple[object, ...]]:
        return [(f["code"], f["layer"], f["message"], f["hint"]) for f in findings]

    (target,) = validated["targets"]
    assert seen(summary["findings"]) == seen(target["findings"])
    api = cnninspect.summary("alexnet-paper", input_shape=(3, size, size))
    assert len(api.findings) == len(summary["findings"])
    if size == 227:
        assert summary["findings"] == [] and "finding(s) marked" not in drawn.stderr
        assert "None: every declaration holds" in page
    else:
        codes = {f["code"] for f in summary["findings"]}
        assert {"CNN101", "CNN103", "CNN104"} <= codes
        assert f"{len(summary['findings'])} finding(s) marked" in drawn.stderr
        assert "227×227" in page  # the solver's hint, as validate gives it


# -- drawings that hold for any model -----------------------------------------------------------


def _module_report(target: str, *shapes: tuple[int, ...]) -> Report:
    from cnninspect.api.draw import drawing
    from cnninspect.api.request import feed_of_shapes

    # (torchvision warns that the default initialisation of these two will change)
    quiet = target.endswith((":inception_v3", ":googlenet"))
    resolved = resolve_target(target, {"init_weights": False} if quiet else None)
    return drawing(resolved, feed_of_shapes(list(shapes)), device="meta")


def _incoming(drawing: Drawing) -> dict[str, int]:
    counts: dict[str, int] = {}
    for _, target in drawing.edges:
        counts[target] = counts.get(target, 0) + 1
    return counts


def test_each_input_of_a_two_input_model_is_a_node_of_its_own() -> None:
    """The image feeds the convolution and the 8 features the linear layer — not one
    "Input 3×32×32" node feeding both."""
    svg = drawing_svg(
        _module_report(f"{ROOT}/tests/data/models/two_inputs.py:TwoInput", (3, 32, 32), (8,)),
        style=Style.graph,
    )
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert "Input 1 → conv" in titles and "Input 2 → meta" in titles
    assert not any(t.startswith("Input 1 → meta") or t.startswith("Input 2 → conv") for t in titles)
    assert problems(parse(svg), min_font=MIN_FONT) == []


def test_dense_connections_are_folded_and_the_drawing_bounded() -> None:
    """torchvision's densenet121 reads every earlier layer of a block in each layer: drawn
    with every edge it was 94,941 × 34,574 px. Each node keeps its two latest sources and
    names the others; the drawing folds to a depth that fits within the bound."""
    from cnninspect.render.picture.blocks import MAX_HEIGHT, MAX_WIDTH
    from cnninspect.render.picture.drawn_graph import DRAWN_INPUTS

    svg = drawing_svg(
        _module_report("torchvision.models:densenet121", (3, 224, 224)), style=Style.graph
    )
    drawing = parse(svg)
    assert drawing.width <= MAX_WIDTH + 200 and drawing.height <= MAX_HEIGHT + 400
    assert "(folded to fit)" in svg
    assert max(_incoming(drawing).values()) <= DRAWN_INPUTS
    assert "earlier inputs" in svg and "also reads" in svg
    assert problems(drawing, min_font=MIN_FONT) == []


def test_branches_that_read_one_inline_concat_meet_at_a_junction() -> None:
    """Each branch of an Inception module reads the torch.cat of the previous module's
    branches: one junction per concatenation instead of 4 × 4 crossing edges."""
    svg = drawing_svg(
        _module_report("torchvision.models:inception_v3", (3, 299, 299)), style=Style.graph
    )
    drawing = parse(svg)
    assert drawing.width < 2500, drawing.width  # 20,544 px before
    assert svg.count('class="junction"') >= 10
    assert "(folded to fit)" not in svg  # every layer fits
    assert problems(drawing, min_font=MIN_FONT) == []


def test_a_png_too_large_to_rasterise_is_refused_with_how(tmp_path: Path) -> None:
    from cnninspect.errors import DrawingError
    from cnninspect.render.picture.picture import svg_png

    huge = '<svg xmlns="http://www.w3.org/2000/svg" width="99813" height="34573"></svg>'
    with pytest.raises(DrawingError, match=r"99,813 × 34,573 px") as refused:
        svg_png(huge)
    assert refused.value.hint is not None and "--depth" in refused.value.hint
    large = '<svg xmlns="http://www.w3.org/2000/svg" width="4000" height="10000"></svg>'
    png = svg_png(large)  # 2× would be 160 M pixels: drawn at less, not refused
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width * height <= 64_000_000 and width >= 2000


def test_draw_refuses_a_png_too_large_before_rasterising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cnninspect.render.picture import picture

    monkeypatch.setattr(picture, "MAX_PNG_PIXELS", 10_000)
    result = cli("draw", "lenet5", "-o", str(tmp_path / "l.png"))
    assert result.exit_code == 2
    assert "a PNG of it would need" in result.stderr and "--depth" in result.stderr
    assert not (tmp_path / "l.png").exists()


def test_names_are_broken_between_words_never_inside_one() -> None:
    from cnninspect.render.picture.svg import wrap

    assert wrap("after multiheadattention, dropout", 16) == [
        "after",
        "multiheadattention,",
        "dropout",
    ]
    assert wrap("encoder.layers.encoder_layer_0.mlp", 16) == [
        "encoder.layers.",
        "encoder_layer_0.",
        "mlp",
    ]
    svg = drawing_svg(
        _module_report("torchvision.models:vit_b_16", (3, 224, 224)), style=Style.volumes
    )
    assert "multiheadattenti<" not in svg and ">on<" not in svg


def test_the_legend_says_what_a_png_shows() -> None:
    """A PNG has no hover: the legend lists every finding's message itself."""
    svg = drawing_svg(report("alexnet-paper"), style=Style.volumes)
    assert "hover" not in svg.split('class="legend"')[1]


def _classification_models() -> list[str]:
    import torchvision

    return torchvision.models.list_models(module=torchvision.models)


@pytest.mark.slow
@pytest.mark.parametrize("name", _classification_models())
def test_every_torchvision_classification_model_draws_within_bounds(name: str) -> None:
    """Both styles of every classification builder of torchvision: within the size bound and
    legible; the block diagram rasterised to PNG (the rasteriser used to abort on
    densenet121's)."""
    from cnninspect.render.picture.blocks import MAX_HEIGHT, MAX_WIDTH
    from cnninspect.render.picture.picture import svg_png

    side = 299 if name.startswith("inception") else 224
    drawn_report = _module_report(f"torchvision.models:{name}", (3, side, side))
    for style in (Style.graph, Style.volumes):
        svg = drawing_svg(drawn_report, style=style)
        drawing = parse(svg)
        assert drawing.width <= MAX_WIDTH + 200 and drawing.height <= MAX_HEIGHT + 400, style
        assert problems(drawing, min_font=MIN_FONT) == [], style
        if style is Style.graph:
            assert svg_png(svg).startswith(b"\x89PNG")
