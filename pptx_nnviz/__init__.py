"""pptx_nnviz: turn a Keras model into an editable PowerPoint deck of native shapes.

    import pptx_nnviz
    pptx_nnviz.to_pptx(model, "deck.pptx")

Importing this package does not import TensorFlow; that happens when a model is loaded.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from .errors import InputError, NnvizError, OutputError
from .ir import Edge, Graph, Node

__version__ = "0.1.0"
__all__ = [
    "Edge",
    "Graph",
    "InputError",
    "NnvizError",
    "Node",
    "OutputError",
    "__version__",
    "load_graph",
    "to_pptx",
]


def load_graph(
    source: Any,
    *,
    expand_nested: bool = False,
    unsafe: bool = False,
    input_shape: tuple[int | None, ...] | None = None,
) -> Graph:
    """The framework-neutral graph of a Keras model, a saved model file or a model reference."""
    from .keras_loader import load_model, to_graph

    model = load_model(source, unsafe=unsafe, input_shape=input_shape)
    return to_graph(model, expand_nested=expand_nested)


def to_pptx(
    model: Any,
    path: str | os.PathLike,
    *,
    theme: str = "light",
    template: str | os.PathLike | None = None,
    direction: str | None = None,
    expand_nested: bool = False,
) -> Path:
    """Write an editable PowerPoint deck of `model` (a keras.Model, file or reference) to `path`."""
    from .deck import build_deck

    graph = model if isinstance(model, Graph) else load_graph(model, expand_nested=expand_nested)
    return build_deck(graph, path, theme=theme, template=template, direction=direction)
