"""Themes: the colour scheme of each built-in template and the style of each layer category.

Shapes never carry literal colours: they name a theme slot ("accent1", "tx1", ...) plus a
brightness, as PowerPoint's own colour picker does, so changing the deck's theme restyles every
diagram. `resolve` turns such a reference into RGB for renderers without themes (matplotlib).
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass

from .ir import CATEGORIES


@dataclass(frozen=True)
class ColorRef:
    """A theme colour slot and a brightness in [-1, 1] (PowerPoint's lumMod/lumOff)."""

    slot: str
    brightness: float = 0.0


@dataclass(frozen=True)
class CategoryStyle:
    fill: ColorRef
    line: ColorRef
    dashed: bool = False


@dataclass(frozen=True)
class Theme:
    """A colour scheme (OOXML slot -> RGB hex) and how categories map onto it."""

    name: str
    colors: dict[str, str]
    dark_background: bool = False
    font: str = "Calibri"

    def category_style(self, category: str) -> CategoryStyle:
        fills = _FILLS.get(self.name, _DARK_FILLS if self.dark_background else _LIGHT_FILLS)
        slot, brightness = fills.get(category, fills["other"])
        dashed = category == "dropout"
        line = ColorRef(slot, 0.2 if self.dark_background else -0.25)
        return CategoryStyle(ColorRef(slot, brightness), line, dashed)

    def rgb(self, ref: ColorRef) -> str:
        """The RGB hex a theme-aware renderer would show for `ref`."""
        aliases = _DARK_ALIASES if self.dark_background else _LIGHT_ALIASES
        return resolve(self.colors[aliases.get(ref.slot, ref.slot)], ref.brightness)

    def text_on(self, fill: ColorRef) -> tuple[ColorRef, ColorRef]:
        """Text and secondary-text colours for a box of `fill`: the theme's text or background
        colour, whichever stands out more; the secondary one as soft as 4.5:1 contrast allows."""
        background = self.rgb(fill)
        text = max(
            (ColorRef("tx1"), ColorRef("bg1")), key=lambda c: contrast(self.rgb(c), background)
        )
        softer = 1 if (text.slot == "tx1") != self.dark_background else -1  # towards the fill
        for step in (0.35, 0.25, 0.15):
            muted = ColorRef(text.slot, softer * step)
            if contrast(self.rgb(muted), background) >= 4.5:
                return text, muted
        return text, text


# Text and background slots as the master's colour map sends them to the scheme's colours.
_LIGHT_ALIASES = {"bg1": "lt1", "tx1": "dk1", "bg2": "lt2", "tx2": "dk2"}
_DARK_ALIASES = {"bg1": "dk1", "tx1": "lt1", "bg2": "dk2", "tx2": "lt2"}

# category -> (theme slot, brightness) of its fill, on a light and on a dark background.
# Chosen by a search over the theme's accents and brightness steps of 0.05 so that any two
# fills (and each fill and the slide's background) are at least 12 apart in CIEDE2000, and at
# least 6 apart under simulated deuteranopia, while the text on each keeps a contrast of 4.5:1
# (tests/test_colours.py measures it). Families by meaning: blues for convolution, pooling and
# recurrence, ambers for dense and embedding, purples for normalization and attention, greens
# for activation, dropout and reshape (tensor plumbing), vermilions for merges, blocks and
# nested models, slate for inputs, grey for everything else (Masking included: it passes its
# input on unchanged and only marks padded steps, plumbing with no unit or shape change).
_LIGHT_FILLS: dict[str, tuple[str, float]] = {
    "input": ("tx2", 0.35),
    "conv": ("accent1", 0.85),
    "pooling": ("accent1", 0.15),
    "dense": ("accent2", 0.55),
    "normalization": ("accent4", 0.5),
    "activation": ("accent3", 0.15),
    "dropout": ("accent3", 0.65),
    "reshape": ("accent3", 0.0),
    "merge": ("accent6", 0.05),
    "embedding": ("accent2", 0.1),
    "recurrent": ("accent1", 0.55),
    "attention": ("accent4", -0.05),
    "model": ("accent6", 0.45),
    "block": ("accent6", 0.7),
    "other": ("bg2", -0.4),
}
_DARK_FILLS: dict[str, tuple[str, float]] = {
    "input": ("tx2", -0.6),
    "conv": ("accent1", -0.3),
    "pooling": ("accent5", -0.8),
    "dense": ("accent2", -0.55),
    "normalization": ("accent4", -0.75),
    "activation": ("accent3", -0.3),
    "dropout": ("accent3", -0.9),
    "reshape": ("accent3", -0.55),
    "merge": ("accent6", -0.55),
    "embedding": ("accent2", -0.35),
    "recurrent": ("accent5", -0.4),
    "attention": ("accent4", -0.4),
    "model": ("accent6", -0.8),
    "block": ("accent6", -0.3),
    "other": ("bg2", 0.3),
}
# Print: greys only, so 15 categories cannot all differ. Four grey levels at least 8 apart
# (CIEDE2000; greys look the same to a deuteranope), black text readable on each; categories
# that usually touch (convolution, normalization, activation; dense and dropout) get
# different levels, and dropout is dashed.
_PRINT_FILLS: dict[str, tuple[str, float]] = {
    "input": ("tx1", 0.8),
    "conv": ("tx1", 0.95),
    "pooling": ("tx1", 0.46),
    "dense": ("tx1", 0.8),
    "normalization": ("tx1", 0.8),
    "activation": ("tx1", 0.63),
    "dropout": ("tx1", 0.95),
    "reshape": ("tx1", 0.46),
    "merge": ("tx1", 0.46),
    "embedding": ("tx1", 0.63),
    "recurrent": ("tx1", 0.63),
    "attention": ("tx1", 0.46),
    "model": ("tx1", 0.63),
    "block": ("tx1", 0.95),
    "other": ("tx1", 0.8),
}
_FILLS = {"light": _LIGHT_FILLS, "dark": _DARK_FILLS, "print": _PRINT_FILLS}
assert all(set(fills) == set(CATEGORIES) for fills in _FILLS.values())

# Okabe & Ito's colour-blind-safe palette as the six accents.
_OKABE_ITO = {
    "accent1": "0072B2",  # blue
    "accent2": "E69F00",  # orange
    "accent3": "009E73",  # bluish green
    "accent4": "CC79A7",  # reddish purple
    "accent5": "56B4E9",  # sky blue
    "accent6": "D55E00",  # vermillion
}

THEMES: dict[str, Theme] = {
    "light": Theme(
        "light",
        {
            "dk1": "1F2328",
            "lt1": "FFFFFF",
            "dk2": "44546A",
            "lt2": "E7E6E6",
            **_OKABE_ITO,
            "hlink": "0563C1",
            "folHlink": "954F72",
        },
    ),
    "dark": Theme(
        "dark",
        {
            "dk1": "1B1F27",
            "lt1": "F2F4F8",
            "dk2": "2D3440",
            "lt2": "AEB6C2",
            **_OKABE_ITO,
            "hlink": "7FB8F0",
            "folHlink": "C9A0DC",
        },
        dark_background=True,
    ),
    "print": Theme(
        "print",
        {
            "dk1": "000000",
            "lt1": "FFFFFF",
            "dk2": "404040",
            "lt2": "E0E0E0",
            # Greys that alternate dark and light, so neighbours in a chart or a legend
            # stay apart when printed; categories take tints of them.
            "accent1": "262626",
            "accent2": "9A9A9A",
            "accent3": "4D4D4D",
            "accent4": "BDBDBD",
            "accent5": "737373",
            "accent6": "595959",
            "hlink": "000000",
            "folHlink": "404040",
        },
    ),
}


def _luminance(hex_rgb: str) -> float:
    """Relative luminance (WCAG 2)."""

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_rgb[i : i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two hex colours (1 to 21)."""
    low, high = sorted((_luminance(a), _luminance(b)))
    return (high + 0.05) / (low + 0.05)


def resolve(hex_rgb: str, brightness: float) -> str:
    """Apply PowerPoint's brightness (lumMod/lumOff on HSL luminance) to a hex colour."""
    r, g, b = (int(hex_rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, lum, s = colorsys.rgb_to_hls(r, g, b)
    lum = lum * (1 - brightness) + brightness if brightness > 0 else lum * (1 + brightness)
    r, g, b = colorsys.hls_to_rgb(h, min(max(lum, 0.0), 1.0), s)
    return "".join(f"{round(c * 255):02X}" for c in (r, g, b))


def get_theme(name: str) -> Theme:
    try:
        return THEMES[name]
    except KeyError:
        from .errors import InputError

        raise InputError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}") from None
