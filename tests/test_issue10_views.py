"""The other views honest and readable on the models of issue 10: MNIST, the small ResNet,
ResNet50, InceptionV3, EfficientNetB7, a siamese pair and a 400-layer MLP."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import models
import pytest
from deck_checks import check_deck
from pptx import Presentation

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import _keras, to_graph
from pptx_nnviz.views import ViewOptions, build_view
from pptx_nnviz.views.neurons import DENSE_INTO

ROOT = Path(__file__).resolve().parents[1]


def siamese_pair():
    keras = _keras()
    image = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(8, 3, activation="relu")(image)
    x = keras.layers.Flatten()(keras.layers.MaxPooling2D()(x))
    encoder = keras.Model(image, keras.layers.Dense(16, activation="relu")(x), name="encoder")
    left, right = keras.Input((28, 28, 1), name="left"), keras.Input((28, 28, 1), name="right")
    difference = keras.layers.Subtract(name="difference")([encoder(left), encoder(right)])
    out = keras.layers.Dense(1, activation="sigmoid", name="same")(difference)
    return keras.Model([left, right], out, name="siamese_pair")


MODELS = {
    "mnist": models.mnist_convnet,
    "small_resnet": lambda: models.example("small_resnet"),
    "siamese": siamese_pair,
    "mlp400": lambda: models.dense_chain(400),
    "ResNet50": lambda: models.application("ResNet50"),
    "InceptionV3": lambda: models.application("InceptionV3"),
    "EfficientNetB7": lambda: models.application("EfficientNetB7"),
}


@pytest.fixture(scope="module", params=list(MODELS))
def deck(request, deck_dir):
    graph = to_graph(MODELS[request.param]())
    views = ["summary", "params", "layered", "neurons"]
    path = build_deck(graph, deck_dir / f"issue10_{request.param}.pptx", views=views)
    return request.param, graph, path, Presentation(str(path))


def _titled(prs, text):
    return [s for s in prs.slides if text in s.shapes.title.text_frame.text]


def test_neuron_view_connects_all_to_all_only_into_dense_layers(deck):
    name, graph, _, prs = deck
    slides = _titled(prs, ": neurons")
    assert len(slides) == 1, name  # a head, or an MLP with its identical layers folded
    counts: dict[tuple[str, str], int] = {}
    units: dict[str, int] = {}
    for slide in slides:
        for shape in slide.shapes:
            for member in shape.shapes if shape.shape_type == 6 else [shape]:
                if member.name.startswith("unit "):
                    layer = member.name.split(" ")[1]
                    units[layer] = units.get(layer, 0) + 1
            if shape.name.startswith("edge "):
                source, target = shape.name.removeprefix("edge ").split(" -> ")
                key = (source.split(" ")[1], target.split(" ")[1])
                counts[key] = counts.get(key, 0) + 1
    for (source, target), count in counts.items():
        if count > 1 and count > max(units.get(source, 1), units.get(target, 1)):
            assert graph.node(target).category in DENSE_INTO, (name, source, target)
    if name not in ("mlp400",):
        assert "neurons of the dense head" in slides[0].shapes.title.text_frame.text


def test_layered_view_shows_branches(deck):
    name, graph, _, prs = deck
    (slide,) = _titled(prs, "layered view")
    edges = [s for s in slide.shapes if s.name.startswith("edge ")]
    groups = [s for s in slide.shapes if s.name.startswith("layer ")]
    lefts = [round(g.left / 12700) for g in groups]
    stacked = len(lefts) - len(set(lefts))  # cubes sharing a column: parallel rows
    bent = [e for e in edges if "bentConnector" in e._element.xml]
    if name in ("siamese", "small_resnet"):
        assert stacked >= 1 and bent, name
    texts = {
        p.text
        for g in groups
        for s in g.shapes
        if s.has_text_frame
        for p in s.text_frame.paragraphs
    }
    named = [g for g in groups if any(t and not t[0].isdigit() for t in texts)]
    assert len(named) == len(groups)  # every cube carries a name
    index = list(prs.slides).index(slide)
    assert check_deck(deck[2])[index].problems == {}


def test_summary_fits_three_slides(deck):
    name, _, _, prs = deck
    summary = [s for s in prs.slides if ": summary" in s.shapes.title.text_frame.text]
    assert 1 <= len(summary) <= 3, name
    rows = [len(next(s for s in slide.shapes if s.has_table).table.rows) for slide in summary]
    assert min(rows) >= max(rows) / 3, rows  # balanced: no orphan page
    appendix = [s for s in prs.slides if s.shapes.title.text_frame.text.startswith("Appendix")]
    if appendix:
        titles = [s.shapes.title.text_frame.text for s in prs.slides]
        assert titles[-len(appendix) :] == [s.shapes.title.text_frame.text for s in appendix]


def test_chart_axis_at_the_bottom(deck):
    _, _, _, prs = deck
    for slide in _titled(prs, "parameters per"):
        chart = next(s for s in slide.shapes if s.has_chart).chart
        assert chart._chartSpace.xpath(".//c:valAx/c:crosses/@val") == ["max"]


def test_summary_full_keeps_every_layer(deck_dir):
    graph = to_graph(models.application("ResNet50"))
    frame_deck = build_deck(
        graph, deck_dir / "full.pptx", views=["summary"], options=ViewOptions(summary="full")
    )
    prs = Presentation(str(frame_deck))
    rows = sum(len(next(s for s in sl.shapes if s.has_table).table.rows) - 1 for sl in prs.slides)
    assert rows == len(graph.nodes) + 3  # every layer and the totals
    assert not any("Appendix" in s.shapes.title.text_frame.text for s in prs.slides)


def test_detailed_graph_labels_carry_information():
    graph = to_graph(models.mnist_convnet())
    from pptx_nnviz.deck import default_frame
    from pptx_nnviz.theme import get_theme

    theme = get_theme("light")
    slides = build_view("graph", graph, default_frame(theme), theme, ViewOptions())
    texts = [
        r.text
        for s in slides
        for b in s.boxes
        if b.id in graph.by_id  # the layer boxes, not the caption
        for p in b.paragraphs
        for r in p.runs
    ]
    assert not any("act: -" in t or "float32" in t or "trainable" in t for t in texts)
    from pptx_nnviz.views.graph import detail_lines

    dense = next(n for n in graph.nodes if n.hyperparam("activation") == "softmax")
    assert detail_lines(dense, "float32")[-1] == "act: softmax"  # a flag that says something


def test_subclassed_model_says_what_is_known(tmp_path):
    """A subclassed model that cannot be traced (issue 11 traces the others) is one box
    that says what is known."""
    graph = to_graph(models.opaque_subclassed())
    path = build_deck(graph, tmp_path / "sub.pptx", views=["title", "architecture"])
    text = " ".join(
        s.text_frame.text
        for slide in Presentation(str(path)).slides
        for s in slide.shapes
        if s.has_text_frame
    )
    assert "subclassed Model: 8 params, internals not traced" in text
    assert "? → ?" not in text and "1 layers" not in text and "0 outputs" not in text


def _run_on_a_terminal(*args: str) -> tuple[int, bytes]:
    """Run the command line with stderr on a pseudo-terminal; what it printed there."""
    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pptx_nnviz", *args],
        stdout=subprocess.DEVNULL,
        stderr=slave,
        cwd=ROOT,
    )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 4096)
            except OSError:
                break
            if not data:
                break
            seen += data
        elif process.poll() is not None:
            break
    os.close(master)
    return process.wait(), seen


def test_a_long_run_says_what_it_does_on_a_terminal(tmp_path):
    model = str(ROOT / "examples" / "mnist_convnet.py")  # loading TensorFlow takes seconds
    code, seen = _run_on_a_terminal("deck", model, "-o", str(tmp_path / "a.pptx"))
    assert code == 0
    assert b"pptx-nnviz: " in seen  # a step named (the TensorFlow import may hold the line)
    assert seen.endswith(b"\r\x1b[K")  # the status line is erased at the end
    code, seen = _run_on_a_terminal("deck", model, "-q", "-o", str(tmp_path / "b.pptx"))
    assert code == 0 and b"pptx-nnviz:" not in seen


def test_no_status_line_when_stderr_is_not_a_terminal(tmp_path):
    model = str(ROOT / "examples" / "mnist_convnet.py")
    result = subprocess.run(
        [sys.executable, "-m", "pptx_nnviz", "deck", model, "-o", str(tmp_path / "c.pptx")],
        capture_output=True,
        cwd=ROOT,
    )
    assert result.returncode == 0 and b"pptx-nnviz:" not in result.stderr
