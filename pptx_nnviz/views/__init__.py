"""Views: each turns a `Graph` into slide scenes (architecture, summary table, ...).

`build_view(name, ...)` is the one entry point the deck and the figure renderer use.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import InputError
from ..ir import Graph
from ..scene import Frame, SlideScene
from ..theme import Theme

#: Every view, in the deck's default order.
VIEWS: tuple[str, ...] = ("architecture",)


@dataclass(frozen=True)
class ViewOptions:
    """Options shared by the views (each view reads the ones it needs)."""

    direction: str | None = None


def parse_views(text: str | None) -> tuple[str, ...]:
    """'architecture,summary' -> ('architecture', 'summary'); None -> every view."""
    if not text:
        return VIEWS
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in VIEWS]
    if unknown or not names:
        raise InputError(
            f"unknown view {', '.join(unknown) or '(none)'}; choose from {', '.join(VIEWS)}"
        )
    return names


def build_view(
    name: str, graph: Graph, frame: Frame, theme: Theme, options: ViewOptions
) -> list[SlideScene]:
    """The slides of one view."""
    if name == "architecture":
        from .architecture import architecture_slides

        return architecture_slides(graph, frame, theme, options.direction)
    raise InputError(f"unknown view {name!r}; choose from {', '.join(VIEWS)}")
