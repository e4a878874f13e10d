"""The parameters chart matches the summary table of the same deck (issue 18, item 4): a bar
per summary row with parameters, that row's name and total, no label twice, all bars adding up
to the model's parameters, the axis at a round number at most a third above the largest bar;
a log axis where one bar dwarfs the rest. Also: a folded model has no block-level detailed
graph (item 5)."""

from __future__ import annotations

import re

import models
import pytest
from pptx import Presentation

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import _keras, to_graph
from pptx_nnviz.views import ViewOptions
from pptx_nnviz.views.params import ROUND_STEPS
from pptx_nnviz.views.summary import DETAILED_NOTE

APPLICATIONS = [
    "DenseNet121",
    "InceptionV3",
    "InceptionResNetV2",
    "MobileNetV3Small",
    "EfficientNetB7",
]
LAYER_ROW = re.compile(r"^(?P<name>.*) \((?P<cls>[\w.]+)\)$")  # "name (Class)"


@pytest.fixture(scope="module", params=APPLICATIONS)
def application_deck(request, deck_dir):
    """Each model built once; its deck with the summary, the chart and the detailed graph."""
    model = models.application(request.param)
    total = model.count_params()
    graph = to_graph(model)
    del model
    path = build_deck(
        graph, deck_dir / f"charts_{request.param}.pptx", views=["summary", "params", "graph"]
    )
    return request.param, total, graph, Presentation(str(path))


def _titled(prs, key: str) -> list:
    return [s for s in prs.slides if key in s.shapes.title.text_frame.text]


def summary_rows(prs) -> list[tuple[str, int]]:
    """(name, parameters) of every row of the summary table (not the appendix, not the
    totals), the class taken off a layer's "name (Class)"."""
    rows = []
    for slide in _titled(prs, ": summary"):
        table = next(s for s in slide.shapes if s.has_table).table
        header = [c.text for c in table.rows[0].cells]
        column = header.index("Param #")
        for row in list(table.rows)[1:]:
            cells = [c.text for c in row.cells]
            if cells[0].endswith(" params") or cells[column] in ("", "shared"):
                continue
            match = LAYER_ROW.match(cells[0])
            rows.append((match["name"] if match else cells[0], int(cells[column].replace(",", ""))))
    return rows


def chart_bars(prs) -> list[tuple[str, float, object]]:
    """(label, total, chart) of every bar on every parameters slide, in order."""
    bars = []
    for slide in _titled(prs, "parameters per"):
        chart = next(s for s in slide.shapes if s.has_chart).chart
        plot = chart.plots[0]
        values = [[v or 0 for v in s.values] for s in plot.series]
        bars += [(c, sum(v), chart) for c, *v in zip(plot.categories, *values)]
    return bars


def is_round(value: float) -> bool:
    mantissa = value / 10 ** int(f"{value:e}".split("e")[1])
    return any(abs(mantissa - m) < 1e-9 for m, _ in ROUND_STEPS)


def test_a_bar_per_summary_row_with_its_name_and_total(application_deck):
    name, total, _, prs = application_deck
    rows = [(row, params) for row, params in summary_rows(prs) if params]
    bars = chart_bars(prs)
    assert [(label, value) for label, value, _ in bars] == rows, name
    labels = [label for label, _, _ in bars]
    assert len(set(labels)) == len(labels), f"{name}: repeated labels"
    assert sum(value for _, value, _ in bars) == total


def test_axis_ends_at_a_round_number_within_a_third(application_deck):
    name, _, _, prs = application_deck
    bars = chart_bars(prs)
    biggest = max(value for _, value, _ in bars)
    maxima = {chart.value_axis.maximum_scale for _, _, chart in bars}
    assert len(maxima) == 1  # one scale across pages
    top = maxima.pop()
    assert biggest <= top <= biggest * 4 / 3, (name, biggest, top)
    assert is_round(top)
    for _, _, chart in bars:
        step = chart.value_axis.major_unit
        assert step and abs(top / step - round(top / step)) < 1e-9 and 3 <= top / step <= 8
        assert chart.value_axis.minimum_scale == 0
        assert not chart._chartSpace.xpath(".//c:valAx/c:scaling/c:logBase")  # none dwarfs


def test_labels_are_readable(application_deck):
    _, _, _, prs = application_deck
    for slide in _titled(prs, "parameters per"):
        chart = next(s for s in slide.shapes if s.has_chart).chart
        assert len(chart.plots[0].categories) <= 28
        assert chart.font.size.pt >= 9


def test_a_folded_model_has_no_block_level_detailed_graph(application_deck):
    """The drill-downs are a folded model's detailed graph; the summary's notes say so."""
    name, _, _, prs = application_deck
    assert not _titled(prs, "detailed graph"), name
    notes = " ".join(s.notes_slide.notes_text_frame.text for s in _titled(prs, ": summary"))
    assert DETAILED_NOTE in notes


def _embedding_model():
    """A model whose embedding (3.2M parameters) dwarfs everything after it."""
    keras = _keras()
    return keras.Sequential(
        [
            keras.Input((20,), name="tokens"),
            keras.layers.Embedding(50000, 64, name="embedding"),
            keras.layers.GlobalAveragePooling1D(name="pool"),
            keras.layers.Dense(64, activation="relu", name="hidden"),
            keras.layers.BatchNormalization(name="norm"),
            keras.layers.Dense(3, activation="softmax", name="classes"),
        ],
        name="embedding_classifier",
    )


def test_log_scale_where_one_bar_dwarfs_the_rest(deck_dir):
    model = _embedding_model()
    graph = to_graph(model)
    path = build_deck(graph, deck_dir / "charts_log.pptx", views=["summary", "params"])
    prs = Presentation(str(path))
    bars = chart_bars(prs)
    assert [label for label, _, _ in bars] == ["embedding", "hidden", "norm", "classes"]
    assert sum(value for _, value, _ in bars) == model.count_params()
    chart = bars[0][2]
    space = chart._chartSpace
    assert space.xpath(".//c:valAx/c:scaling/c:logBase/@val") == ["10"]
    assert "log" in chart.value_axis.axis_title.text_frame.text
    smallest = min(value for _, value, _ in bars)
    assert 0 < chart.value_axis.minimum_scale < smallest
    assert bars[0][1] <= chart.value_axis.maximum_scale <= bars[0][1] * 4 / 3
    # A log axis cannot draw 0: the trainable layers' empty non-trainable parts are blanks.
    frozen = list(chart.plots[0].series)[1].values
    assert frozen[0] is None and frozen[2] == 2 * 64


def test_detailed_graph_of_a_folded_model_only_when_unfolded(deck_dir):
    """Over 80 layers: no detailed graph by default; `collapse="none"` draws every layer
    with its input and output shapes."""
    graph = to_graph(models.dense_chain(85))
    folded = Presentation(str(build_deck(graph, deck_dir / "chain_folded.pptx", views=["graph"])))
    assert len(folded.slides) == 0
    path = build_deck(
        graph,
        deck_dir / "chain_unfolded.pptx",
        views=["graph"],
        options=ViewOptions(collapse="none"),
    )
    prs = Presentation(str(path))
    boxes = {
        s.name: s.text_frame.text
        for slide in prs.slides
        for s in slide.shapes
        if s.has_text_frame and s.name in {n.name for n in graph.nodes}
    }
    assert set(boxes) == {n.name for n in graph.nodes}
    for node in graph.nodes:
        assert f"{node.name} ({node.class_name})" in boxes[node.name]
        text = boxes[node.name]  # "in: A", "out: B" or, compact, "in: A → B"
        assert "in: " in text and ("out: " in text or " → " in text)
