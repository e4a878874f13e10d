"""Category fills tell apart: CIEDE2000 >= 12 between any two (and from the background) in
normal vision, >= 6 under simulated deuteranopia, text readable on each (issue 10, item 5)."""

from __future__ import annotations

import itertools

import pytest
from colours import distance

from pptx_nnviz.ir import CATEGORIES
from pptx_nnviz.theme import THEMES, ColorRef, contrast


def _fills(theme_name: str) -> dict[str, str]:
    theme = THEMES[theme_name]
    return {c: theme.rgb(theme.category_style(c).fill) for c in CATEGORIES}


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_every_two_category_fills_are_distinguishable(theme_name):
    fills = _fills(theme_name)
    close = [
        (a, b, round(distance(fills[a], fills[b]), 1), round(distance(fills[a], fills[b], True), 1))
        for a, b in itertools.combinations(CATEGORIES, 2)
        if distance(fills[a], fills[b]) < 12 or distance(fills[a], fills[b], True) < 6
    ]
    assert not close, f"{theme_name}: fills too close (normal, deuteranopia): {close}"


@pytest.mark.parametrize("theme_name", ["light", "dark"])
def test_fills_stand_out_from_the_background(theme_name):
    theme = THEMES[theme_name]
    background = theme.rgb(ColorRef("bg1"))
    for category, fill in _fills(theme_name).items():
        assert distance(fill, background) >= 6, (category, fill, background)


@pytest.mark.parametrize("theme_name", list(THEMES))
def test_text_is_readable_on_every_fill(theme_name):
    theme = THEMES[theme_name]
    text = theme.rgb(ColorRef("tx1"))
    for category, fill in _fills(theme_name).items():
        assert contrast(text, fill) >= 4.5, (theme_name, category, fill)


def test_print_greys_are_four_clear_levels():
    """Greys cannot separate 15 categories: print promises four levels 8 apart, the levels
    alternating between categories that usually touch, and dropout dashed."""
    fills = _fills("print")
    levels = sorted(set(fills.values()))
    assert len(levels) == 4
    assert all(distance(a, b) >= 8 for a, b in itertools.combinations(levels, 2))
    for a, b in [("conv", "normalization"), ("normalization", "activation"), ("dense", "dropout")]:
        assert fills[a] != fills[b]
    assert THEMES["print"].category_style("dropout").dashed


def test_fills_are_theme_colours():
    """Fills name a theme slot and a brightness, so a new theme restyles every diagram."""
    for theme in THEMES.values():
        for category in CATEGORIES:
            fill = theme.category_style(category).fill
            assert fill.slot in theme.colors or fill.slot in ("tx1", "tx2", "bg1", "bg2")
