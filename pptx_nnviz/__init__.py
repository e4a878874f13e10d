"""pptx_nnviz: turn a Keras model into an editable PowerPoint deck of native shapes.

    import pptx_nnviz
    pptx_nnviz.to_pptx(model, "deck.pptx")

Importing this package does not import TensorFlow; that happens when a model is loaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
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
    "diff_pptx",
    "figure",
    "load_graph",
    "show",
    "summary",
    "summary_records",
    "to_pptx",
    "update_pptx",
]


def load_graph(
    source: Any,
    *,
    expand_nested: bool = False,
    show_ops: bool = False,
    unsafe: bool = False,
    input_shape: tuple[int | None, ...] | None = None,
    custom_objects: dict[str, Any] | None = None,
) -> Graph:
    """The framework-neutral graph of a Keras model, a saved model file or a model reference
    (`custom_objects`: the custom layer classes the model uses, by name; `show_ops`: keep the
    operations Keras adds to carry masks)."""
    from .keras_loader import load_model, to_graph

    model = load_model(
        source, unsafe=unsafe, input_shape=input_shape, custom_objects=custom_objects
    )
    return to_graph(model, expand_nested=expand_nested, show_ops=show_ops)


def to_pptx(
    model: Any,
    path: str | os.PathLike,
    *,
    views: Sequence[str] | str | None = None,
    theme: str = "light",
    template: str | os.PathLike | None = None,
    direction: str | None = None,
    hide: Iterable[str] = (),
    scale: str = "log",
    funnels: bool = False,
    collapse: str = "auto",
    depth: int = 2,
    expand_nested: bool = False,
    show_ops: bool = False,
    summary: str = "blocks",
    build: str = "none",
) -> Path:
    """Write an editable PowerPoint deck of `model` (a keras.Model, file or reference) to `path`.

    `views` picks and orders the slides (default: all of title, architecture, summary, params,
    graph, layered, neurons); `hide`, `scale` and `funnels` shape the layered view;
    `collapse` ("auto", "none", "all") and `depth` fold big models into blocks; `show_ops`
    also draws the operations Keras adds to carry masks and the plumbing the architecture
    otherwise folds (padding, casts, reshapes; see `simplify`); `summary` ("blocks" or "full") lists
    a folded model's summary by block or layer by layer; `build` ("none", "layers",
    "blocks") reveals the architecture slides click by click in a slide show."""
    from .builds import parse_build
    from .deck import build_deck
    from .views import ViewOptions, parse_categories, parse_views

    chosen = parse_views(views if isinstance(views, str) or views is None else ",".join(views))
    if summary not in ("blocks", "full"):
        raise InputError(f"unknown summary {summary!r}; choose blocks or full")
    options = ViewOptions(
        direction,
        parse_categories(",".join(hide)),
        scale,
        funnels,
        collapse,
        depth,
        summary,
        parse_build(build),
        show_ops=show_ops,
    )
    graph = _graph(model, expand_nested, show_ops)
    return build_deck(graph, path, theme=theme, template=template, views=chosen, options=options)


def update_pptx(
    deck: str | os.PathLike,
    model: Any,
    output: str | os.PathLike | None = None,
    *,
    changes_slide: bool = False,
    expand_nested: bool = False,
    show_ops: bool = False,
) -> Any:
    """Regenerate `deck` (made by `to_pptx`) for `model`, a new version of its model, keeping
    the edits made to it; write `output`, or replace `deck` keeping DECK.backup.pptx.
    Returns the report (`.text()`: what changed, which edits were kept and which not)."""
    from .update import update_deck

    graph = _graph(model, expand_nested, show_ops)
    return update_deck(deck, graph, output, changes_slide=changes_slide)


def diff_pptx(
    old: Any,
    new: Any,
    path: str | os.PathLike,
    *,
    theme: str = "light",
    collapse: str = "auto",
    depth: int = 2,
) -> Path:
    """Write a deck of what changed from `old` to `new` (models, files or references): the
    new architecture with added, changed and removed layers marked, and the parameter
    changes."""
    from .deck import build_diff_deck
    from .views import ViewOptions

    options = ViewOptions(collapse=collapse, depth=depth)
    return build_diff_deck(
        _graph(old, False, False), _graph(new, False, False), path, theme=theme, options=options
    )


def summary(
    model: Any, format: str = "text", *, expand_nested: bool = False, show_ops: bool = False
) -> str:
    """The model's summary table as text, markdown, csv or json (see `summary_records`)."""
    from .views.summary import summary_text

    return summary_text(_graph(model, expand_nested, show_ops), format)


def summary_records(
    model: Any, *, expand_nested: bool = False, show_ops: bool = False
) -> list[dict[str, Any]]:
    """One record per layer: name, type, output shape, params, connected-to."""
    from .views.summary import summary_records as records

    return records(_graph(model, expand_nested, show_ops))


def _graph(model: Any, expand_nested: bool, show_ops: bool) -> Graph:
    if isinstance(model, Graph):
        return model
    return load_graph(model, expand_nested=expand_nested, show_ops=show_ops)


def __getattr__(name: str) -> Any:
    """`figure` and `show` (see `pptx_nnviz.figures`) load matplotlib only when first used."""
    if name in ("figure", "show"):
        from . import figures

        return getattr(figures, name)
    raise AttributeError(f"module 'pptx_nnviz' has no attribute {name!r}")
