"""Framework plumbing (issue 11): the operations Keras adds to carry masks are neither drawn
nor listed, the deck's layers are model.summary()'s, and --show-ops brings them back."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from deck_checks import all_shapes
from pptx import Presentation

from pptx_nnviz import load_graph, summary_records
from pptx_nnviz.cli import main
from pptx_nnviz.deck import build_deck
from pptx_nnviz.ir import Edge, Graph, Node
from pptx_nnviz.keras_loader import _keras
from pptx_nnviz.passes import hide_plumbing


def masked_gru():
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((None, 12)),
            layers.Masking(),
            layers.GRU(16, return_sequences=True),
            layers.GRU(8),
            layers.Dense(1),
        ],
        name="masked_gru",
    )


def embedding_lstm():
    keras = _keras()
    layers = keras.layers
    tokens = keras.Input((20,), dtype="int32", name="tokens")
    x = layers.Embedding(100, 8, mask_zero=True, name="embed")(tokens)
    x = layers.LSTM(16, name="lstm")(x)
    return keras.Model(tokens, layers.Dense(2, name="head")(x), name="embedding_lstm")


def two_masked_inputs():
    """Two masked sequences joined: Concatenate merges their masks with more operations."""
    keras = _keras()
    layers = keras.layers
    words = keras.Input((None,), dtype="int32", name="words")
    tags = keras.Input((None,), dtype="int32", name="tags")
    a = layers.Embedding(50, 6, mask_zero=True, name="word_embed")(words)
    b = layers.Embedding(10, 2, mask_zero=True, name="tag_embed")(tags)
    x = layers.Concatenate(name="join")([a, b])
    x = layers.Bidirectional(layers.LSTM(4), name="bilstm")(x)
    return keras.Model([words, tags], layers.Dense(1, name="out")(x), name="two_masked")


def masked_bidirectional():
    keras = _keras()
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((None, 5)),
            layers.Masking(mask_value=-1.0),
            layers.Bidirectional(layers.LSTM(6, return_sequences=True)),
            layers.TimeDistributed(layers.Dense(3)),
        ],
        name="masked_bidirectional",
    )


MODELS = [masked_gru, embedding_lstm, two_masked_inputs, masked_bidirectional]


def keras_summary_rows(model, monkeypatch) -> list[tuple[str, str, int]]:
    """(name, class, params) of every row model.summary() prints (on a console wide enough
    that no name wraps)."""
    monkeypatch.setenv("COLUMNS", "300")
    lines: list[str] = []
    model.summary(line_length=250, print_fn=lambda text, **_: lines.append(text))
    rows = []
    for line in "\n".join(lines).splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        match = re.fullmatch(r"(\S+) \((\w+)\)", cells[0]) if len(cells) >= 3 else None
        if match:
            rows.append((match.group(1), match.group(2), int(cells[2].replace(",", ""))))
    return rows


@pytest.mark.parametrize("build", MODELS, ids=lambda b: b.__name__)
def test_layers_are_model_summary_rows(build, tmp_path, monkeypatch):
    model = build()
    graph = load_graph(model)
    everything = load_graph(model, show_ops=True)
    plumbing = {n.name for n in everything.nodes if n.plumbing}
    assert plumbing, "the model has mask operations to hide"
    expected = [row for row in keras_summary_rows(model, monkeypatch) if row[0] not in plumbing]
    if isinstance(model, _keras().Sequential):  # Keras lists a Sequential's input nowhere
        assert not any(row[1] == "InputLayer" for row in expected)
    ours = [
        (r["layer"], r["type"], r["params"])
        for r in summary_records(graph)
        if r["type"] != "InputLayer" or not isinstance(model, _keras().Sequential)
    ]
    assert ours == expected
    assert graph.total_params == model.count_params()
    assert not any(n.plumbing for n in graph.nodes)
    # every layer still reaches the output: no connection was lost with the hidden ones
    reach = {o for o in graph.outputs}
    for node in reversed(graph.nodes):
        if any(t in reach for t in graph.successors(node.id)):
            reach.add(node.id)
    assert reach == {n.id for n in graph.nodes}

    path = build_deck(graph, tmp_path / "deck.pptx", views=["architecture", "summary"])
    prs = Presentation(str(path))
    boxes = {s.name for slide in prs.slides for s in all_shapes(slide.shapes)}  # groups too
    assert {n.id for n in graph.nodes} <= boxes and not plumbing & boxes
    listed = [
        row.cells[0].text_frame.text
        for slide in prs.slides
        for shape in slide.shapes
        if shape.has_table
        for row in list(shape.table.rows)[1:]
    ]
    layer_rows = [r for r in listed if re.fullmatch(r"\S+ \(\w+\)", r)]
    assert layer_rows == [f"{r['layer']} ({r['type']})" for r in summary_records(graph)]


def test_the_masked_rnn_draws_one_line():
    graph = load_graph(masked_gru())
    assert [n.class_name for n in graph.nodes] == ["InputLayer", "Masking", "GRU", "GRU", "Dense"]
    assert [(e.source, e.target) for e in graph.edges] == [
        (a.id, b.id) for a, b in zip(graph.nodes, graph.nodes[1:])
    ]


def test_show_ops_brings_them_back():
    model = masked_gru()
    shown = load_graph(model, show_ops=True)
    assert {"NotEqual", "Any"} <= {n.class_name for n in shown.nodes if n.plumbing}
    gru = next(n for n in shown.nodes if n.class_name == "GRU")
    assert any(shown.node(p).class_name == "Any" for p in shown.predecessors(gru.id))


def test_show_ops_on_the_command_line(tmp_path):
    source = tmp_path / "masked.py"
    source.write_text(
        "import keras\n"
        "def build_model():\n"
        "    return keras.Sequential([keras.Input((None, 12)), keras.layers.Masking(),\n"
        "                             keras.layers.GRU(4), keras.layers.Dense(1)])\n"
    )
    runner = CliRunner()
    hidden = runner.invoke(main, ["summary", str(source)])
    shown = runner.invoke(main, ["summary", str(source), "--show-ops"])
    assert hidden.exit_code == 0 and shown.exit_code == 0, hidden.output + shown.output
    assert "NotEqual" not in hidden.stdout and "(Any)" not in hidden.stdout
    assert "NotEqual" in shown.stdout and "(Any)" in shown.stdout


def _node(node_id: str, plumbing: bool = False) -> Node:
    return Node(node_id, node_id, "Op" if plumbing else "Dense", "other", plumbing=plumbing)


def test_hidden_nodes_keep_the_connections_they_carried():
    # mask -> (cast -> expand) -> attention: no other path, so the edge is drawn directly
    nodes = (_node("x"), _node("mask"), _node("cast", True), _node("expand", True), _node("att"))
    edges = (Edge("mask", "cast"), Edge("cast", "expand"), Edge("expand", "att"), Edge("x", "att"))
    shown = hide_plumbing(Graph("g", nodes, edges, ("x", "mask"), ("att",)))
    assert {(e.source, e.target) for e in shown.edges} == {("mask", "att"), ("x", "att")}
    # x -> masking -> rnn and x -> (not_equal -> any) -> rnn: x already reaches rnn
    nodes = (_node("x"), _node("ne", True), _node("masking"), _node("any", True), _node("rnn"))
    edges = (
        Edge("x", "ne"),
        Edge("x", "masking"),
        Edge("ne", "any"),
        Edge("masking", "rnn"),
        Edge("any", "rnn"),
    )
    shown = hide_plumbing(Graph("g", nodes, edges, ("x",), ("rnn",)))
    assert {(e.source, e.target) for e in shown.edges} == {("x", "masking"), ("masking", "rnn")}
