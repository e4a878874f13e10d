"""No clipped words (issue 18, item 6): the summary table and the detailed graph keep every
class name whole, shorten a name only in the middle and only when it must, and the table's
columns are sized to their text and fit the slide."""

from __future__ import annotations

import re

import pytest
from deck_checks import all_shapes, check_deck
from openxml_audit import validate_pptx
from pptx import Presentation

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import _keras, to_graph
from pptx_nnviz.text import ELLIPSIS, shorten_list, shorten_name, text_width

LAYER_ROW = re.compile(r"^(?P<name>.*) \((?P<cls>\w+)\)$")


def long_names_model():
    """Layers named with 40 to 60 characters, two custom classes with long names."""
    keras = _keras()

    class SpatiallySeparableDilatedConvolutionBlockLayer(keras.layers.Conv2D):
        pass

    class ResidualGatedProjectionWithLayerNormalization(keras.layers.Dense):
        pass

    image = keras.Input((32, 32, 3), name="input_image_tensor_for_the_feature_extractor")
    a = SpatiallySeparableDilatedConvolutionBlockLayer(
        16, 3, name="encoder_stage_one_spatially_separable_dilated_convolution_a"
    )(image)
    b = SpatiallySeparableDilatedConvolutionBlockLayer(
        16, 3, name="encoder_stage_one_spatially_separable_dilated_convolution_b"
    )(image)
    x = keras.layers.Add(name="encoder_stage_one_residual_addition_of_both_branches")([a, b])
    x = keras.layers.GlobalAveragePooling2D(name="global_average_pooling_over_the_encoder")(x)
    for i in range(4):
        x = ResidualGatedProjectionWithLayerNormalization(
            32, name=f"classification_head_residual_gated_projection_number_{i}"
        )(x)
    out = keras.layers.Dense(10, name="final_logits_for_the_ten_target_classes_of_dataset")(x)
    return keras.Model(image, out, name="long_names")


@pytest.fixture(scope="module")
def long_deck(deck_dir):
    graph = to_graph(long_names_model())
    path = build_deck(graph, deck_dir / "long_names.pptx", views=["summary", "graph"])
    return graph, path, Presentation(str(path))


def _cut_in_the_middle(shown: str, name: str) -> bool:
    """`shown` is `name` itself, or its start and end around one ellipsis."""
    if shown == name:
        return True
    head, _, tail = shown.partition(ELLIPSIS)
    return bool(head) and bool(tail) and name.startswith(head) and name.endswith(tail)


def test_summary_keeps_class_names_and_cuts_names_in_the_middle(long_deck):
    graph, _, prs = long_deck
    slide = next(s for s in prs.slides if ": summary" in s.shapes.title.text_frame.text)
    table = next(s for s in slide.shapes if s.has_table).table
    header = [c.text for c in table.rows[0].cells]
    rows = [[c.text for c in r.cells] for r in list(table.rows)[1 : 1 + len(graph.nodes)]]
    names = {n.name: n for n in graph.nodes}
    for node, row in zip(graph.nodes, rows):
        match = LAYER_ROW.match(row[0])
        assert match and match["cls"] == node.class_name, row[0]  # the class whole
        assert _cut_in_the_middle(match["name"], node.name), row[0]
        if ELLIPSIS in match["name"]:  # cut only where it must: the whole would not fit
            width = table.columns[0].width.pt
            size = table.cell(1, 0).text_frame.paragraphs[0].runs[0].font.size.pt
            assert text_width(f"{node.name} ({node.class_name})", size) > width - 12
        inputs = row[header.index("Connected to")]
        if inputs != "-":
            expected = [graph.node(e.source).name for e in graph.edges_into(node.id)]
            shown = inputs.split(", ")
            assert len(shown) == len(expected)
            assert all(_cut_in_the_middle(s, e) for s, e in zip(shown, expected))
    assert set(names) == {n.name for n in graph.nodes}
    # Some names are shown whole: the columns are sized to the text, not cut alike.
    assert any(LAYER_ROW.match(r[0])["name"] in names for r in rows)


def test_summary_table_fits_the_slide(long_deck):
    _, path, prs = long_deck
    for report in check_deck(path):
        assert report.problems == {}, report.problems  # cells fit their columns, inside
        assert report.min_font >= 8
    frame = next(s for s in prs.slides[0].shapes if s.has_table)
    assert frame.left >= 0 and frame.left + frame.width <= prs.slide_width
    widths = sum(c.width for c in frame.table.columns)
    assert widths <= prs.slide_width
    result = validate_pptx(path)
    assert result.is_valid and result.error_count == 0


def test_detailed_graph_keeps_class_names(long_deck):
    graph, _, prs = long_deck
    texts = {
        s.name: s.text_frame.text
        for slide in prs.slides
        if "detailed graph" in slide.shapes.title.text_frame.text
        for s in slide.shapes
        if s.has_text_frame
    }
    for node in graph.nodes:
        lines = texts[node.name].split("\n")
        assert f"({node.class_name})" in lines[0] or lines[1] == f"({node.class_name})"
        assert _cut_in_the_middle(lines[0].removesuffix(f" ({node.class_name})"), node.name)
        assert not any(line.endswith(ELLIPSIS) for line in lines)


def test_shorten_name_and_list():
    name = "classification_head_residual_gated_projection_number_3"
    shown = shorten_name(name, 200, 10, keep=" (VeryLongCustomClassName)")
    assert shown.endswith(" (VeryLongCustomClassName)") and text_width(shown, 10) <= 200
    assert _cut_in_the_middle(shown.removesuffix(" (VeryLongCustomClassName)"), name)
    assert shorten_name("short", 200, 10, keep=" (Dense)") == "short (Dense)"
    listed = shorten_list(["a", name, "b"], 120, 10)
    assert text_width(listed, 10) <= 120
    first, middle, last = listed.split(", ")
    assert (first, last) == ("a", "b") and _cut_in_the_middle(middle, name)


def test_layered_view_cuts_long_names_in_the_middle(deck_dir):
    """Cube names cut at the end would read alike ('classificat…' five times): cut in the
    middle, every name stays its own."""
    graph = to_graph(long_names_model())
    path = build_deck(graph, deck_dir / "long_layered.pptx", views=["layered"])
    shown = {}
    for slide in Presentation(str(path)).slides:
        for shape in all_shapes(slide.shapes):
            if shape.has_text_frame and shape.name.startswith("shape "):
                shown[shape.name.removeprefix("shape ")] = shape.text_frame.text.split("\n")[0]
    assert set(shown) == {n.name for n in graph.nodes}
    assert all(_cut_in_the_middle(text, name) for name, text in shown.items())
    assert len(set(shown.values())) == len(shown)
