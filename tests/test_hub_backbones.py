"""Every keras_hub backbone that builds from a small configuration (hub_configs): loaded without
a crash, every custom layer opened or named in a warning saying why, two calls of one layer class
drawn alike, and the parameters adding up at every level of the drawing."""

from __future__ import annotations

import warnings

import pytest

from pptx_nnviz.ir import Graph, Node
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.keras_tracing import SIZES

keras_hub = pytest.importorskip("keras_hub")

import hub_configs  # noqa: E402

pytestmark = pytest.mark.slow


def _inside(node: Node) -> int:
    """The parameters of what a container's drawing holds."""
    assert node.inner is not None
    return sum(n.params for n in node.inner.nodes if n.op != "context")


def _containers(graph: Graph, path: str = ""):
    for node in graph.nodes:
        if node.inner is not None and node.inner.nodes and not node.shared_with:
            yield path + node.name, node
            yield from _containers(node.inner, path + node.name + "/")


def _calls_by_class(graph: Graph, found: dict[str, set[bool]]) -> dict[str, set[bool]]:
    """For each class drawn, whether its calls were opened (True) or one box (False)."""
    for node in graph.nodes:
        if node.op not in ("input", "weights", "context") and not node.shared_with:
            found.setdefault(node.class_name, set()).add(node.inner is not None)
        if node.inner is not None:
            _calls_by_class(node.inner, found)
    return found


#: The length a trace gives unknown sequence lengths (keras_tracing.SIZES): never drawn.
TRACE_SIZE = max(d for sizes in SIZES for d in sizes if d)


def _shapes(graph: Graph, path: str = ""):
    for node in graph.nodes:
        for shape in (*node.input_shapes, *node.output_shapes):
            yield path + node.name, shape
        if node.inner is not None:
            yield from _shapes(node.inner, path + node.name + "/")
    for edge in graph.edges:
        yield f"{path}{edge.source}->{edge.target}", edge.shape


@pytest.mark.parametrize("cls", hub_configs.backbone_classes(), ids=lambda c: c.__name__)
def test_a_backbone_opens_and_its_numbers_add_up(cls: type) -> None:
    try:
        config = hub_configs.small_config(cls)
    except LookupError as why:
        pytest.skip(f"not buildable from a small config: {why}")
    model = cls(**config)
    graph = to_graph(model)

    assert sum(n.params for n in graph.nodes) == model.count_params()
    wrong = [
        f"{p}: {n.params} vs {_inside(n)}" for p, n in _containers(graph) if n.params != _inside(n)
    ]
    assert not wrong, wrong
    # a class drawn both ways has a call that could not be traced (GPT-OSS's attention without
    # a sliding window): the warning says which and why
    said = {w.split(" ", 1)[0] for w in graph.warnings if "drawn as one box" in w}
    mixed = {c for c, opened in _calls_by_class(graph, {}).items() if len(opened) > 1}
    assert mixed <= said, f"calls of one class drawn both opened and as one box: {mixed - said}"
    leaked = [f"{p}: {s}" for p, s in _shapes(graph) if any(d and d % TRACE_SIZE == 0 for d in s)]
    assert not leaked, f"a size of the trace read as a real one: {leaked[:3]}"
    for text in graph.warnings:  # the report: what stayed one box, and why
        warnings.warn(f"{cls.__name__}: {text}", stacklevel=1)
