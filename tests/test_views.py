"""Every view of the full deck, checked against the model it draws (issue: the full deck)."""

from __future__ import annotations

import shutil

import models
import pytest
from click.testing import CliRunner
from deck_checks import check_deck, pdf_of, pdf_pages
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.util import Inches

import pptx_nnviz
from pptx_nnviz.cli import main
from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.views import VIEWS, ViewOptions, overview
from pptx_nnviz.views.neurons import DENSE_INTO, MAX_UNITS
from pptx_nnviz.views.summary import summary_records, summary_text

MODELS = {
    "mnist": models.mnist_convnet,
    "multi_io": models.multi_io,
    "lstm": models.lstm_model,
    "ResNet50": lambda: models.application("ResNet50"),
}
TITLES = {
    "title": None,
    "architecture": "architecture",
    "summary": "summary",
    "params": "parameters per",
    "graph": "detailed graph",
    "layered": "layered view",
    "neurons": "neurons",
}


@pytest.fixture(scope="module", params=list(MODELS))
def full_deck(request, deck_dir):
    model = MODELS[request.param]()
    graph = to_graph(model)
    path = build_deck(graph, deck_dir / f"full_{request.param}.pptx")
    return request.param, model, graph, path, Presentation(str(path))


def _slides(prs, key):
    return [s for s in prs.slides if key in s.shapes.title.text_frame.text]


def test_every_view_is_in_the_deck_in_order(full_deck):
    name, _, graph, _, prs = full_deck
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    assert titles[0] == graph.name
    # A folded model has no detailed graph: its drill-downs are (views/graph.py).
    folded = any(n.category == "block" for n in overview(graph, ViewOptions()).nodes)
    keys = [key for view, key in TITLES.items() if key and not (folded and view == "graph")]
    assert any("detailed graph" in t for t in titles) != folded
    order = [next(i for i, t in enumerate(titles) if key in t) for key in keys]
    assert order == sorted(order), f"{name}: views out of order: {titles}"


def test_invariants_and_validity(full_deck):
    name, _, _, path, _ = full_deck
    for report in check_deck(path):
        assert report.problems == {}, f"{name} slide {report.number}: {report.problems}"
        assert report.min_font >= 9
    result = validate_pptx(path)
    assert result.is_valid and result.error_count == 0, [str(e) for e in result.errors[:5]]


def test_every_slide_has_speaker_notes(full_deck):
    _, _, _, _, prs = full_deck
    for slide in prs.slides:
        assert len(slide.notes_slide.notes_text_frame.text) > 40


def test_summary_table_lists_every_layer_with_keras_totals(full_deck, deck_dir):
    name, model, graph, path, prs = full_deck
    if any(n.category == "block" for n in overview(graph, ViewOptions()).nodes):
        path = build_deck(
            graph,
            deck_dir / f"full_summary_{name}.pptx",
            views=["summary"],
            options=ViewOptions(summary="full"),
        )
        prs = Presentation(str(path))
    rows = []
    for slide in _slides(prs, ": summary"):
        table = next(s for s in slide.shapes if s.has_table).table
        assert table.cell(0, 0).text == "Layer (type)"  # header repeated on every slide
        rows += [[c.text for c in r.cells] for r in list(table.rows)[1:]]
    layer_rows = [r for r in rows if not r[0].endswith("params")]
    assert len(layer_rows) == len(graph.nodes)
    assert [r[0] for r in layer_rows] == [f"{n.name} ({n.class_name})" for n in graph.nodes]
    totals = {r[0]: r[2] for r in rows if r[0].endswith("params")}
    assert totals["Total params"].startswith(f"{model.count_params():,} (")
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert totals["Trainable params"].startswith(f"{trainable:,} (")


def test_chart_values_are_the_parameters(full_deck):
    _, model, graph, _, prs = full_deck
    total = 0.0
    for slide in _slides(prs, "parameters per"):
        chart = next(s for s in slide.shapes if s.has_chart).chart
        series = list(chart.plots[0].series)
        frozen = ["non-trainable"] if graph.non_trainable_params else []
        assert [s.name for s in series] == ["trainable", *frozen]  # frozen only when any
        total += sum(sum(s.values) for s in series)
    assert total == model.count_params()


def test_chart_value_axis_is_at_the_bottom_with_one_scale(full_deck):
    """Reversed categories (first layer on top) with the value axis crossing at the last
    category, which is at the bottom; every page has the same maximum."""
    _, _, graph, _, prs = full_deck
    maxima = set()
    for slide in _slides(prs, "parameters per"):
        frame = next(s for s in slide.shapes if s.has_chart)
        space = frame.chart._chartSpace
        assert space.xpath(".//c:catAx/c:scaling/c:orientation/@val") == ["maxMin"]
        assert space.xpath(".//c:valAx/c:crosses/@val") == ["max"]
        maxima.add(frame.chart.value_axis.maximum_scale)
        biggest = max(sum(v) for v in zip(*(s.values for s in frame.chart.plots[0].series)))
        assert frame.chart.value_axis.maximum_scale >= biggest
        assert frame.height > 0.8 * (prs.slide_height - frame.top)  # fills the content area
    assert len(maxima) == 1


def test_layered_view_has_one_cube_per_visible_layer(full_deck):
    _, _, graph, _, prs = full_deck
    cubes = [
        shape
        for slide in _slides(prs, "layered view")
        for group in slide.shapes
        if group.shape_type == 6  # group
        for shape in group.shapes
        if shape.name.startswith("cube ")
    ]
    assert len(cubes) == len(overview(graph, ViewOptions()).nodes)  # big models: per block
    assert all(c.auto_shape_type is not None for c in cubes)


def test_neuron_view_caps_units_and_connects_fully_only_into_dense_layers(full_deck):
    _, _, graph, _, prs = full_deck
    units: dict[str, set[str]] = {}
    links: dict[tuple[str, str], int] = {}
    for slide in _slides(prs, "neurons"):
        for shape in slide.shapes:
            inner = shape.shapes if shape.shape_type == 6 else [shape]
            for member in inner:
                if member.name.startswith("unit "):
                    layer = member.name.split(" ")[1]
                    units.setdefault(layer, set()).add(member.name)
            if shape.name.startswith("edge unit ") and " -> unit " in shape.name:
                source, target = shape.name.removeprefix("edge ").split(" -> ")
                key = (source.split(" ")[1], target.split(" ")[1])
                links[key] = links.get(key, 0) + 1
    assert units, "the neuron view draws units"
    for layer, shown in units.items():
        width = (graph.node(layer).output_shape or (1,))[-1] or 1
        assert len(shown) == min(width, MAX_UNITS if width <= MAX_UNITS else 9), layer
    for (source, target), count in links.items():
        if count > max(len(units[source]), len(units[target])):  # all-to-all
            assert graph.node(target).category in DENSE_INTO, (source, target)
    dense = [n.id for n in graph.nodes if n.category == "dense"]
    assert any(n in units for n in dense)


def test_libreoffice_renders_every_view(full_deck, tmp_path):
    name, _, _, path, prs = full_deck
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice is not installed")
    if name != "multi_io":
        pytest.skip("one model is enough here; test_deck converts two more")
    assert pdf_pages(pdf_of(path, tmp_path)) == len(prs.slides)


# --------------------------------------------------------------------------- options


def test_views_option_picks_and_orders(mnist_model, tmp_path):
    path = pptx_nnviz.to_pptx(mnist_model, tmp_path / "v.pptx", views=["layered", "summary"])
    titles = [s.shapes.title.text_frame.text for s in Presentation(str(path)).slides]
    assert titles == ["mnist_convnet: layered view", "mnist_convnet: summary"]


def test_hide_and_funnels(mnist_model, tmp_path):
    path = pptx_nnviz.to_pptx(
        mnist_model, tmp_path / "h.pptx", views="layered", hide=["dropout"], funnels=True
    )
    slide = Presentation(str(path)).slides[0]
    names = [s.name for s in slide.shapes]
    assert not any(n.startswith("layer dropout") for n in names)
    assert sum(n.startswith("layer ") for n in names) == 9
    assert sum(n.startswith("funnel ") for n in names) == 8  # 9 visible blocks
    assert check_deck(path)[0].problems == {}


def test_unknown_view_is_an_input_error(mnist_model, tmp_path):
    with pytest.raises(pptx_nnviz.InputError, match="unknown view"):
        pptx_nnviz.to_pptx(mnist_model, tmp_path / "x.pptx", views="architecture,bogus")
    assert not (tmp_path / "x.pptx").exists()


@pytest.mark.parametrize("theme", ["light", "dark", "print"])
def test_built_in_themes(mnist_model, tmp_path, theme):
    path = pptx_nnviz.to_pptx(mnist_model, tmp_path / f"{theme}.pptx", theme=theme)
    assert validate_pptx(path).is_valid
    assert all(r.problems == {} for r in check_deck(path))


def test_user_template(mnist_model, tmp_path):
    # A 4:3 template with an example slide of its own.
    template = Presentation()
    example = template.slides.add_slide(template.slide_layouts[1])
    example.shapes.title.text = "Example slide"
    template_path = tmp_path / "ours.pptx"
    template.save(template_path)
    path = pptx_nnviz.to_pptx(mnist_model, tmp_path / "t.pptx", template=template_path)
    prs = Presentation(str(path))
    assert prs.slide_width == Inches(10)  # the template's slide size is kept
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    assert "Example slide" not in titles
    assert titles[1] == "mnist_convnet: architecture"
    assert prs.slides[1].shapes.title.is_placeholder
    assert validate_pptx(path).is_valid
    assert all(r.problems == {} for r in check_deck(path))
    # No dangling relationship to the removed slide.
    assert len(prs.part.rels) == len([r for r in prs.part.rels.values() if r.is_external]) + len(
        [r for r in prs.part.rels.values() if not r.is_external]
    )
    assert sum(1 for r in prs.part.rels.values() if r.reltype.endswith("/slide")) == len(prs.slides)


# --------------------------------------------------------------------------- summary in text


def test_summary_text_formats(mnist_model):
    graph = to_graph(mnist_model)
    text = summary_text(graph)
    assert "Total params: 34,826 (136.04 KB)" in text
    assert "conv2d" in text and "(None, 26, 26, 32)" in text
    assert summary_text(graph, "markdown").count("\n|") >= 11
    assert summary_text(graph, "csv").splitlines()[0] == "Layer (type),Output shape,Param #"
    records = summary_records(graph)
    assert len(records) == 10 and records[1]["params"] == 320


def test_summary_command(tmp_path):
    result = CliRunner().invoke(
        main, ["summary", str(models.EXAMPLES / "mnist_convnet.py"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    assert '"total_params": 34826' in result.output


def test_view_names_are_spelled_once():
    from pptx_nnviz.cli import VIEW_NAMES

    assert VIEW_NAMES == VIEWS
