"""Two versions of a model compared: layers paired by chosen names or, for Keras's automatic
names, by aligning the two orders; the diff deck marks added, changed and removed layers in
three styles with a legend, and tables the parameter changes; `summary --diff` prints them."""

from __future__ import annotations

import textwrap

import models
import pytest
from click.testing import CliRunner
from deck_checks import all_shapes, check_deck
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.oxml.ns import qn

import pptx_nnviz
from pptx_nnviz.cli import main
from pptx_nnviz.deck import build_diff_deck
from pptx_nnviz.diff import ADDED, CHANGED, REMOVED, diff_graphs, diff_text, match_layers
from pptx_nnviz.keras_loader import to_graph

EXAMPLE = str(models.EXAMPLES / "mnist_convnet.py")


@pytest.fixture(scope="module")
def mnist_pair():
    """MNIST and its variant: one more Conv2D, no dropout, a wider Dense (16 units)."""
    return to_graph(models.mnist_convnet()), to_graph(models.mnist_variant(True, False, 16))


def _by_status(diff):
    return {s: [c.node.class_name for c in diff.of(s)] for s in (ADDED, REMOVED, CHANGED)}


def test_automatic_names_are_aligned(mnist_pair):
    """Every automatic name shifted (conv2d_1 is now another layer); the alignment still
    finds the one inserted Conv2D, the removed Dropout and the Dense whose units changed."""
    old, new = mnist_pair
    assert not {n.id for n in old.nodes} & {n.id for n in new.nodes} - {"input_layer"}
    diff = diff_graphs(old, new)
    assert _by_status(diff) == {ADDED: ["Conv2D"], REMOVED: ["Dropout"], CHANGED: ["Dense"]}
    dense = diff.of(CHANGED)[0]
    assert "units 10 → 16" in dense.details and "params 16,010 → 25,616" in dense.details
    assert not any(d.startswith("inputs") for d in dense.details)  # dropout gone: not rewired
    added = diff.of(ADDED)[0].new
    before = [new.node(p).class_name for p in new.predecessors(added.id)]
    assert before == ["LeakyReLU"]  # inserted after the second convolution's activation
    assert len(match_layers(old, new)) == len(old.nodes) - 1


def test_chosen_names_pair_by_name():
    """small_resnet names its layers: renamed-free changes pair by name, even when moved."""
    old = to_graph(models.example("small_resnet"))
    new = to_graph(models.small_resnet_variant())
    diff = diff_graphs(old, new)
    assert [c.node.name for c in diff.of(ADDED)] == ["stem_bn"]
    assert [c.node.name for c in diff.of(REMOVED)] == ["dropout"]
    changed = {c.node.name: c.details for c in diff.of(CHANGED)}
    assert "units 10 → 12" in changed["classes"]
    assert all(match_layers(old, new)[n.id] == n.id for n in old.nodes if n.name != "dropout")


def test_summary_diff_text_and_markdown(mnist_pair):
    diff = diff_graphs(*mnist_pair)
    text = diff_text(diff)
    assert "1 added, 1 removed, 1 changed" in text
    assert "34,826 → 81,360 (+46,534)" in text
    markdown = diff_text(diff, "markdown").splitlines()
    rows = [line for line in markdown if line.startswith("| ")]
    assert len(rows) == 4  # header and three changed layers
    assert rows[1].startswith("| + | conv2d") and "| +36,928 |" in rows[1]
    assert diff_text(diff, "json").count('"status"') == 3


def test_mnist_diff_deck(tmp_path, mnist_pair):
    """Added: thick solid outline; changed: thick dashed; removed: drawn where it was, pale,
    struck through and joined by dashed connectors; the legend names all three."""
    path = pptx_nnviz.diff_pptx(*mnist_pair, tmp_path / "diff.pptx")
    assert validate_pptx(path).error_count == 0
    reports = check_deck(path)
    assert all(r.problems == {} for r in reports), [r.problems for r in reports]
    slide, table = Presentation(str(path)).slides
    shapes = {s.name: s for s in all_shapes(slide.shapes)}
    old, new = mnist_pair
    diff = diff_graphs(old, new)
    added, changed = diff.of(ADDED)[0].new.id, diff.of(CHANGED)[0].new.id
    removed = "removed:" + diff.of(REMOVED)[0].old.id
    assert shapes[added].line.width.pt == 3 and shapes[added].line.dash_style is None
    assert shapes[changed].line.width.pt == 3 and shapes[changed].line.dash_style is not None
    ghost = shapes[removed]
    assert ghost.text_frame.paragraphs[0].runs[0].font._rPr.get("strike") == "sngStrike"
    ghost_edges = [n for n in shapes if n.startswith("edge ") and "removed:" in n]
    assert len(ghost_edges) == 2
    for name in ghost_edges:
        assert shapes[name]._element.find(f".//{qn('a:prstDash')}") is not None
    assert {"legend swatch added", "legend swatch changed", "legend swatch removed"} <= set(shapes)
    cells = [c.text for row in table.shapes[1].table.rows for c in row.cells]
    assert "+36,928" in cells and "Total" in cells


def test_resnet50_to_resnet101(tmp_path):
    """ResNet101 is ResNet50 with 17 more blocks in conv4: the overview marks that stage's
    folded block as changed and the table gives its parameters before and after."""
    old, new = models.application_graph("ResNet50"), models.application_graph("ResNet101")
    diff = diff_graphs(old, new)
    assert len(diff.of(ADDED)) == 170 and not diff.of(REMOVED) and not diff.of(CHANGED)
    path = build_diff_deck(old, new, tmp_path / "resnet.pptx")
    assert validate_pptx(path).error_count == 0
    reports = check_deck(path)
    assert all(r.problems == {} for r in reports), [(r.number, r.problems) for r in reports]
    prs = Presentation(str(path))
    overview = {s.name: s for s in all_shapes(prs.slides[0].shapes)}
    marked = [n for n, s in overview.items() if "dash" in _dash(s) and "legend" not in n]
    assert marked == ["block:conv4_block2"]
    table = prs.slides[len(prs.slides) - 1].shapes[1].table
    rows = [[c.text for c in row.cells] for row in table.rows]
    assert rows[1][1].startswith("conv4_block2") and rows[1][4] == "+19,070,464"


def _dash(shape) -> str:
    dash = shape._element.find(f"{qn('p:spPr')}/{qn('a:ln')}/{qn('a:prstDash')}")
    return dash.get("val") if dash is not None else ""


@pytest.fixture
def variant_file(tmp_path):
    path = tmp_path / "mnist_v2.py"
    tests = str(models.EXAMPLES.parent / "tests")
    path.write_text(
        textwrap.dedent(
            f"""
            import sys
            sys.path.insert(0, {tests!r})
            import models

            def build_model():
                return models.mnist_variant(True, False, 16)
            """
        )
    )
    return str(path)


def test_cli_summary_diff_and_diff_deck(tmp_path, variant_file):
    runner = CliRunner()
    result = runner.invoke(
        main, ["summary", "--diff", EXAMPLE, variant_file, "--format", "markdown", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert "| + | conv2d" in result.output and "**Total params:** 34,826 → 81,360" in result.output
    out = tmp_path / "changes.pptx"
    result = runner.invoke(main, ["diff", EXAMPLE, variant_file, "-o", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert "(1 added, 1 removed, 1 changed)" in result.output
    assert len(Presentation(str(out)).slides) == 2
    result = runner.invoke(main, ["diff", EXAMPLE, str(tmp_path / "nope.keras"), "-q"])
    assert result.exit_code == 2 and result.output.startswith("Error: ")
