"""Edge labels: an edge `simplify` joins across a permute or a selection carries a short label
("transposed", "[CLS]"), drawn beside its connector as a small muted text box that overlaps
nothing; `--show-ops` draws the operations instead."""

from __future__ import annotations

import keras
import pytest
from deck_checks import check_deck
from keras import layers
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.oxml.ns import qn
from pptx.util import Pt

import pptx_nnviz
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.simplify import simplify


def _mixer(blocks: int = 2) -> keras.Model:
    """An MLP-Mixer: token mixing is a Dense between two Permute((2, 1)); automatic names."""
    inputs = keras.Input((32, 32, 3))
    x = layers.Conv2D(64, 8, strides=8)(inputs)
    x = layers.Reshape((16, 64))(x)
    for _ in range(blocks):
        y = layers.LayerNormalization()(x)
        y = layers.Permute((2, 1))(y)
        y = layers.Dense(16, activation="gelu")(y)
        y = layers.Permute((2, 1))(y)
        x = layers.Add()([x, y])
        y = layers.LayerNormalization()(x)
        y = layers.Dense(64, activation="gelu")(y)
        x = layers.Add()([x, y])
    x = layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, layers.Dense(10)(x))


def _vit(classes: int = 10) -> keras.Model:
    """A ViT-like encoder classifying from its first token (`x[:, 0]`, a GetItem)."""
    inputs = keras.Input((16, 32))
    x = layers.Dense(32)(inputs)
    for _ in range(2):
        y = layers.LayerNormalization()(x)
        x = layers.Add()([x, layers.MultiHeadAttention(2, 16)(y, y)])
    x = layers.LayerNormalization()(x)
    return keras.Model(inputs, layers.Dense(classes)(x[:, 0]))


@pytest.fixture(scope="module")
def mixer() -> keras.Model:
    return _mixer()


def _labels(path) -> dict[str, list[tuple[str, str, float]]]:
    """Slide title -> (shape name, text, font size) of its edge labels."""
    found = {}
    for slide in Presentation(str(path)).slides:
        found[slide.shapes.title.text] = [
            (s.name, s.text_frame.text, s.text_frame.paragraphs[0].runs[0].font.size.pt)
            for s in slide.shapes
            if s.name.startswith("label ")
        ]
    return found


def _clean(path) -> None:
    reports = check_deck(path)
    assert all(not r.problems for r in reports), [(r.title, r.problems) for r in reports]
    assert validate_pptx(path).is_valid


def test_the_token_mixing_dense_has_its_edges_labelled(mixer: keras.Model) -> None:
    raw = to_graph(mixer)
    permutes = [n.id for n in raw.nodes if n.op == "permute"]
    # each permute joins its source to its consumer: the edges into and out of the
    # token-mixing Dense, both swapping tokens and channels
    expected = {(raw.predecessors(p)[0], raw.successors(p)[0]) for p in permutes}
    graph = simplify(raw)
    labelled = {(e.source, e.target): e.label for e in graph.edges if e.label}
    assert set(labelled) == expected and len(expected) == 4
    assert set(labelled.values()) == {"transposed"}
    token_mixing = {t for s, t in expected} & {s for s, t in expected}
    assert {graph.node(d).op for d in token_mixing} == {"dense"} and len(token_mixing) == 2


def test_a_permute_of_three_axes_reads_its_order() -> None:
    inputs = keras.Input((4, 5, 6))
    x = layers.Permute((3, 1, 2))(inputs)
    model = keras.Model(inputs, layers.Dense(3)(x))
    assert [e.label for e in simplify(to_graph(model)).edges] == ["axes 3,1,2"]


def test_the_mixer_deck_shows_the_labels_beside_the_connectors(
    mixer: keras.Model, tmp_path
) -> None:
    path = pptx_nnviz.to_pptx(mixer, tmp_path / "mixer.pptx", views="architecture")
    _clean(path)
    prs = Presentation(str(path))
    block = next(s for s in prs.slides if "block" in s.shapes.title.text)
    labels = [s for s in block.shapes if s.name.startswith("label ")]
    assert sorted(s.text_frame.text for s in labels) == ["transposed", "transposed"]
    into, out = sorted(labels, key=lambda s: s.top)
    # automatic names: their numbers depend on what the process built before
    token, channel = [layer.name for layer in mixer.layers if isinstance(layer, layers.Dense)][:2]
    assert into.name.endswith(f"-> {token}") and out.name.startswith(f"label {token} ->")
    box_fonts = [
        r.font.size
        for s in block.shapes
        if s.has_text_frame and s.name in (token, channel)
        for p in s.text_frame.paragraphs
        for r in p.runs
    ]
    for label in labels:
        size = label.text_frame.paragraphs[0].runs[0].font.size
        assert Pt(9) <= size < max(box_fonts)
        # beside its connector: the label's edge within a few points of the connector's x
        connector = next(c for c in block.shapes if c.name == "edge" + label.name[5:])
        x = connector.begin_x
        assert min(abs(label.left - x), abs(label.left + label.width - x)) < Pt(6)


def test_the_class_token_reads_cls(tmp_path) -> None:
    path = pptx_nnviz.to_pptx(_vit(), tmp_path / "vit.pptx", views="architecture")
    _clean(path)
    texts = [text for labels in _labels(path).values() for _, text, _ in labels]
    assert texts == ["[CLS]"]


def test_show_ops_draws_the_operations_and_no_labels(mixer: keras.Model, tmp_path) -> None:
    path = pptx_nnviz.to_pptx(mixer, tmp_path / "ops.pptx", views="architecture", show_ops=True)
    _clean(path)
    assert not any(_labels(path).values())
    names = {s.name for slide in Presentation(str(path)).slides for s in slide.shapes}
    assert {"permute", "permute_1"} <= names


def test_figures_draw_the_labels(mixer: keras.Model, tmp_path) -> None:
    svg = pptx_nnviz.figure(mixer, tmp_path / "x.svg").read_text()
    assert "transposed" in svg


def test_an_updated_slide_places_its_label_again(tmp_path) -> None:
    path = pptx_nnviz.to_pptx(_vit(), tmp_path / "vit.pptx", views="architecture")
    report = pptx_nnviz.update_pptx(path, _vit(classes=12))
    # the overview (holding the label) is drawn again from its kept layout, not added
    assert not any("overview" in title for title in report.slides_added)
    assert [c.details for c in report.diff.of("changed")] == [
        ("units 10 → 12", "output 10 → 12", "params 330 → 396")
    ]
    _clean(path)
    texts = [text for labels in _labels(path).values() for _, text, _ in labels]
    assert texts == ["[CLS]"]


def test_a_build_reveals_the_label_with_the_layer_it_leads_to(tmp_path) -> None:
    path = pptx_nnviz.to_pptx(_vit(), tmp_path / "vit.pptx", views="architecture", build="layers")
    _clean(path)
    slide = Presentation(str(path)).slides[0]
    ids = {s.name: s.shape_id for s in slide.shapes}
    label = next(n for n in ids if n.startswith("label "))
    clicks = [
        {int(t.get("spid")) for t in par.iter(qn("p:spTgt"))}
        for par in slide._element.find(qn("p:timing")).iter(qn("p:par"))
        if par.find(f"{qn('p:cTn')}/{qn('p:stCondLst')}/{qn('p:cond')}[@delay='indefinite']")
        is not None
    ]
    (click,) = [c for c in clicks if ids[label] in c]
    assert ids[label.split(" -> ")[-1]] in click  # the Dense the [CLS] token goes to
