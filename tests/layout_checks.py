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
        along = runs_along(page.routes)
        assert not along, f"lines of unrelated edges running along each other: {along[:3]}"
        markers = Counter(b.id.split(" ", 2)[2] for b in page.boxes if b.kind == "marker")
        assert all(n == 1 for n in markers.values()), "both markers of a cut on one page"
    assert placed == Counter(node_ids), "every node is placed exactly once"
    missing = set(edges) - drawn
    assert not missing, f"edges not drawn: {sorted(missing)[:5]}"


def runs_along(routes) -> list[tuple]:
    """Pairs of edges with neither end in common whose lines run along each other (collinear
    segments overlapping by more than a point): a reader cannot tell them apart."""
    segments = []
    for route in routes:
        ends = (route.edge[0] or route.source, route.edge[1] or route.target)
        for p, q in zip(route.points, route.points[1:]):
            segments.append((ends, p, q))
    found = []
    for i, (e1, p1, q1) in enumerate(segments):
        for e2, p2, q2 in segments[i + 1 :]:
            if e1[0] == e2[0] or e1[1] == e2[1]:
                continue
            for axis in (0, 1):  # 0: vertical segments (same x); 1: horizontal (same y)
                if not (abs(p1[axis] - q1[axis]) < 0.01 and abs(p2[axis] - q2[axis]) < 0.01):
                    continue
                if abs(p1[axis] - p2[axis]) > 0.5:
                    continue
                lo1, hi1 = sorted((p1[1 - axis], q1[1 - axis]))
                lo2, hi2 = sorted((p2[1 - axis], q2[1 - axis]))
                if min(hi1, hi2) - max(lo1, lo2) > 1.0:
                    found.append((e1, e2))
    return found


def same_page_markers(layout: Layout) -> int:
    """Markers whose partner (the other end of the same cut) is on the same page."""
    count = 0
    for page in layout.pages:
        keys = Counter(b.id.split(" ", 2)[2] for b in page.boxes if b.kind == "marker")
        count += sum(n for n in keys.values() if n > 1)
    return count
