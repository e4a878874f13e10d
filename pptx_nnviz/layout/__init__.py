"""Automatic layout of a layer graph: pure geometry in points, no python-pptx.

A layered (Sugiyama-style) drawing in the steps every layered-layout engine has, each a
module with plain data in and out (see dagre's lib/layout.js):

- `rank`: ranks along the flow;
- `units`: where the flow narrows to one arrow (the only places a drawing may wrap);
- `normalize`: long edges become chains of dummy items (their lanes);
- `order`: crossing reduction within ranks;
- `position`: coordinates (a linear programme that keeps the main path straight);
- `route`: orthogonal connectors with a site of their own at every merge input;
- `fold` and `arrange`: units too long for a column (folded into a U, or cut into pieces),
  columns and pages;
- `choose`: the direction, label density, font size and spacing that fit.
"""

from .choose import default_styles, layout_graph
from .model import DENSITIES, DIRECTIONS, Layout, Page, PlacedBox, Route, SizeFunction, Style
from .rank import rank_nodes
from .spine import Tensors

__all__ = [
    "DENSITIES",
    "DIRECTIONS",
    "Layout",
    "Page",
    "PlacedBox",
    "Route",
    "SizeFunction",
    "Style",
    "Tensors",
    "default_styles",
    "layout_graph",
    "rank_nodes",
]
