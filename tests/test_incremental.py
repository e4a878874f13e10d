"""`update`'s incremental layout on the geometry of a real update: the MNIST deck edited by
a person (three boxes moved) and updated to the variant with one more Conv2D after the second
LeakyReLU. A connector goes around every box even where no path of one or two bends exists,
and a new layer's following boxes move only as far as they have to."""

from __future__ import annotations

import itertools

import pytest

from pptx_nnviz.geometry import Rect
from pptx_nnviz.incremental import make_room, place_new, route
from pptx_nnviz.layout.model import site_point

GAP = 20.0  # the deck's font size: the gap between boxes
AREA = Rect(24.0, 70.8, 912.0, 420.6)  # the slide's drawing area above the legend
# the boxes as the update placed them (points), the new Conv left of the kept LeakyReLU
LEFT_COLUMN = {
    "input": Rect(244.5, 87.1, 84.6, 56.8),
    "conv1": Rect(190.9, 172.9, 203.8, 56.8),
    "relu1": Rect(189.6, 250.7, 194.4, 56.8),
    "pool1": Rect(189.6, 332.5, 194.4, 56.8),
    "conv2": Rect(177.2, 414.3, 219.2, 56.8),
}
RIGHT_COLUMN = {
    "relu2": Rect(597.4, 91.1, 194.4, 56.8),
    "pool2": Rect(598.5, 168.9, 174.2, 56.8),
    "flatten": Rect(608.5, 250.7, 154.2, 56.8),
    "dense": Rect(616.9, 418.3, 161.4, 56.8),  # moved down by the person
}
NEW_CONV = Rect(358.2, 91.1, 219.2, 56.8)


def _crossed(points, rects):
    return [
        name
        for name, rect in rects.items()
        for a, b in zip(points, points[1:])
        if rect.crossed_by(a, b, 1.0)
    ]


def _drawable(points):
    """Orthogonal, at most four segments, and four only as a hook (the last segment running
    back towards the end): LibreOffice redraws a four-segment staircase as one elbow."""
    pairs = list(zip(points, points[1:]))
    if len(pairs) > 4 or not all(
        abs(a[0] - b[0]) < 1e-6 or abs(a[1] - b[1]) < 1e-6 for a, b in pairs
    ):
        return False
    if len(pairs) < 4:
        return True
    across = 1 if abs(points[0][1] - points[1][1]) < 1e-6 else 0  # across the first segment
    start, turn, end = points[0][across], points[3][across], points[4][across]
    return (end - turn) * (end - start) < 0


def test_a_route_goes_around_the_boxes_where_few_bends_cannot():
    """conv2 (bottom left) into relu2 (top right): its west side is taken by relu2's own
    output, each one- or two-bend path runs through the Dense, the new Conv or the left
    column; the route found goes around all of them in at most four segments."""
    boxes = {**LEFT_COLUMN, **RIGHT_COLUMN, "new conv": NEW_CONV}
    source, target = boxes.pop("conv2"), boxes.pop("relu2")
    drawn = [(site_point("box", target, "W"), site_point("box", NEW_CONV, "E"))]
    r = route(source, "box", target, "box", list(boxes.values()), {"W"}, drawn=drawn, bounds=AREA)
    points = r.points
    assert _crossed(points, boxes) == [], points
    assert len(points) >= 3 and _drawable(points), points
    sites = {site_point("box", source, c): c for c in "NEWS"}
    assert points[0] in sites and sites[points[0]] != "N"  # not out of its top
    assert points[-1] == site_point("box", target, r.target_compass)
    assert all(AREA.x <= x <= AREA.right and AREA.y <= y <= AREA.bottom for x, y in points)


def test_every_pair_of_boxes_is_joined_around_the_others():
    """Between any two boxes of the slide a route exists that LibreOffice draws as written
    and that runs through none of the other boxes (a one- or two-bend path does not for
    eight of these ninety pairs)."""
    boxes = {**LEFT_COLUMN, **RIGHT_COLUMN, "new conv": NEW_CONV}
    for a, b in itertools.permutations(boxes, 2):
        others = {n: r for n, r in boxes.items() if n not in (a, b)}
        r = route(boxes[a], "box", boxes[b], "box", list(others.values()), bounds=AREA)
        assert _crossed(r.points, others) == [], (a, b, r.points)
        assert _drawable(r.points), (a, b, r.points)


def test_a_straight_route_stays_straight():
    """Where nothing stands between two boxes one above the other, the line is straight."""
    pool, flatten = RIGHT_COLUMN["pool2"], RIGHT_COLUMN["flatten"]
    r = route(pool, "box", flatten.moved(pool.cx - flatten.cx, 0), "box", [], bounds=AREA)
    assert len(r.points) == 2


def test_following_boxes_move_only_as_far_as_they_are_pushed():
    """The new Conv goes right under relu2: pool2 and flatten move down, the Dense below the
    wide gap the removed Dropout left stays where the person put it."""
    boxes = {**LEFT_COLUMN, **RIGHT_COLUMN}
    relu2 = boxes["relu2"]
    spot = place_new(NEW_CONV.w, NEW_CONV.h, relu2, None, boxes, [], AREA, GAP, True)
    assert spot is not None
    rect, moved = spot
    assert rect.cx == pytest.approx(relu2.cx) and rect.y == pytest.approx(relu2.bottom + GAP)
    assert set(moved) == {"pool2", "flatten"}
    assert moved["pool2"].y == pytest.approx(rect.bottom + GAP)
    assert moved["flatten"].y == pytest.approx(moved["pool2"].bottom + GAP)
    assert moved["flatten"].bottom + GAP <= boxes["dense"].y


def test_no_room_when_the_push_would_leave_the_area():
    column = {n: r.moved(0, 40.0) for n, r in RIGHT_COLUMN.items() if n != "relu2"}
    column["dense"] = column["flatten"].moved(0, column["flatten"].h + GAP)  # no gap left
    hint = Rect(NEW_CONV.x, column["pool2"].y, NEW_CONV.w, NEW_CONV.h)
    assert make_room(hint, column, [], AREA, GAP, True) is None
