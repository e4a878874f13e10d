"""Invariants of a layout (pure geometry, before any PowerPoint): the rules of
docs/quality.md, checked on the `Layout` the engine returns."""

from __future__ import annotations

from collections import Counter

import pytest

from pptx_nnviz.geometry import Rect
from pptx_nnviz.layout import Layout

Edges = list[tuple[str, str]]
STAND_INS = ("junction", "port", "marker")


def check_layout(
    layout: Layout, node_ids: list[str], edges: Edges, area: tuple[float, float]
) -> None:
    """Every node placed once, inside the area, no overlaps; every edge drawn (in one or more
    glued parts, or through a marker pair on two pages); routes orthogonal, glued to their
    boxes' sites, at most four segments, never through an unrelated box; no two arrows into
    one site; no marker pair on one page."""
    frame = Rect(0, 0, *area)
    placed: Counter[str] = Counter()
    drawn: set[tuple[str, str]] = set()
    for page in layout.pages:
        boxes = {b.id: b for b in page.boxes}
        assert len(boxes) == len(page.boxes), "box ids are unique on a page"
        for b in page.boxes:
            assert b.rect.inside(frame), f"{b.id} {b.rect} outside the area {area}"
            if b.kind == "node":
                placed[b.id] += 1
        items = list(boxes.values())
        for i, a in enumerate(items):
            for b in items[i + 1 :]:
                assert not a.rect.overlaps(b.rect), f"{a.id} overlaps {b.id}"
        sites: Counter[tuple[str, int]] = Counter()
        for route in page.routes:
            drawn.add(route.edge)
            src, dst = boxes[route.source], boxes[route.target]
            assert route.points[0] == pytest.approx(src.site(route.source_site), abs=0.01)
            assert route.points[-1] == pytest.approx(dst.site(route.target_site), abs=0.01)
            assert len(route.points) <= 5, f"{route.edge}: {len(route.points) - 1} segments"
            if dst.kind == "node":
                sites[(route.target, route.target_site)] += 1
            for p, q in zip(route.points, route.points[1:]):
                orthogonal = abs(p[0] - q[0]) <= 0.02 or abs(p[1] - q[1]) <= 0.02
                assert orthogonal, route
                for other_id, other in boxes.items():
                    if other_id not in (route.source, route.target):
                        assert not other.rect.crossed_by(p, q), f"{route.edge} crosses {other_id}"
        shared = [key for key, n in sites.items() if n > 1]
        assert not shared, f"arrows sharing a glue site: {shared[:3]}"
        markers = Counter(b.id.split(" ", 2)[2] for b in page.boxes if b.kind == "marker")
        assert all(n == 1 for n in markers.values()), "both markers of a cut on one page"
    assert placed == Counter(node_ids), "every node is placed exactly once"
    missing = set(edges) - drawn
    assert not missing, f"edges not drawn: {sorted(missing)[:5]}"


def same_page_markers(layout: Layout) -> int:
    """Markers whose partner (the other end of the same cut) is on the same page."""
    count = 0
    for page in layout.pages:
        keys = Counter(b.id.split(" ", 2)[2] for b in page.boxes if b.kind == "marker")
        count += sum(n for n in keys.values() if n > 1)
    return count
