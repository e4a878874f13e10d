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
        slot, tint = _CATEGORY_SLOTS.get(category, _CATEGORY_SLOTS["other"])
        dashed = category == "dropout"
        if self.dark_background:
            return CategoryStyle(ColorRef(slot, -0.25 - 0.5 * tint), ColorRef(slot, 0.2), dashed)
        return CategoryStyle(ColorRef(slot, tint), ColorRef(slot, -0.25), dashed)

    def rgb(self, ref: ColorRef) -> str:
        """The RGB hex a theme-aware renderer would show for `ref`."""
        aliases = _DARK_ALIASES if self.dark_background else _LIGHT_ALIASES
        return resolve(self.colors[aliases.get(ref.slot, ref.slot)], ref.brightness)


# Text and background slots as the master's colour map sends them to the scheme's colours.
_LIGHT_ALIASES = {"bg1": "lt1", "tx1": "dk1", "bg2": "lt2", "tx2": "dk2"}
_DARK_ALIASES = {"bg1": "dk1", "tx1": "lt1", "bg2": "dk2", "tx2": "lt2"}

# category -> (theme slot, brightness of the fill on a light background)
_CATEGORY_SLOTS: dict[str, tuple[str, float]] = {
    "input": ("tx2", 0.75),
    "conv": ("accent1", 0.75),
    "recurrent": ("accent1", 0.45),
    "pooling": ("accent5", 0.55),
    "reshape": ("accent5", 0.85),
    "dense": ("accent2", 0.7),
    "embedding": ("accent2", 0.4),
    "normalization": ("accent4", 0.7),
    "attention": ("accent4", 0.4),
    "activation": ("accent3", 0.75),
    "merge": ("accent6", 0.7),
    "dropout": ("bg2", 0.0),
    "model": ("tx2", 0.5),
    "block": ("tx2", 0.6),
    "other": ("bg2", -0.1),
}
assert set(_CATEGORY_SLOTS) == set(CATEGORIES)

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
