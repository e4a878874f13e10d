"""Deck assembly: template, slides, notes, and an atomic save.

`build_deck` is the whole pipeline from a graph to a saved .pptx file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import InputError, OutputError
from .geometry import Rect
from .ir import Graph
from .scene import Frame, SlideScene
from .text import sanitize
from .theme import Theme, get_theme

EMU_PER_POINT = 12700
MARGIN = 24.0  # points between the diagram and the slide's edges
TITLE_LAYOUTS = ("Title Only", "Title and Content", "Title")


def template_path(theme: str) -> Path:
    with resources.as_file(resources.files("pptx_nnviz.templates") / f"{theme}.pptx") as path:
        return Path(path)


def open_template(template: str | os.PathLike | None, theme: Theme) -> Any:
    """A Presentation from the user's template (its slides removed) or our themed one."""
    from pptx import Presentation

    path = Path(template) if template is not None else template_path(theme.name)
    if template is not None:
        if not path.is_file():
            raise InputError(f"template {path} does not exist")
        if path.suffix.lower() not in (".pptx", ".potx"):
            raise InputError(f"template {path} is not a .pptx file")
    try:
        prs = Presentation(str(path))
    except Exception as exc:
        raise InputError(f"template {path} cannot be read as a PowerPoint file: {exc}") from exc
    _remove_slides(prs)
    return prs


def _remove_slides(prs: Any) -> None:
    """Drop the template's own slides cleanly: sldId entries and their relationships."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def _title_layout(prs: Any) -> Any:
    by_name = {layout.name: layout for layout in prs.slide_layouts}
    for name in TITLE_LAYOUTS:
        if name in by_name:
            return by_name[name]
    for layout in prs.slide_layouts:
        if any(ph.placeholder_format.type == 1 for ph in layout.placeholders):  # TITLE
            return layout
    raise InputError("the template has no slide layout with a title placeholder")


def _frame(prs: Any, layout: Any) -> Frame:
    width = prs.slide_width / EMU_PER_POINT
    height = prs.slide_height / EMU_PER_POINT
    title_bottom = MARGIN
    for ph in layout.placeholders:
        if ph.placeholder_format.type in (1, 3):  # TITLE, CENTER_TITLE
            title_bottom = (ph.top + ph.height) / EMU_PER_POINT + 6
    content = Rect(MARGIN, title_bottom, width - 2 * MARGIN, height - MARGIN - title_bottom)
    return Frame(width, height, content)


def build_deck(
    graph: Graph,
    output: str | os.PathLike,
    *,
    theme: str = "light",
    template: str | os.PathLike | None = None,
    direction: str | None = None,
    views: Sequence[str] | None = None,
) -> Path:
    """Write the deck for `graph` to `output`; the file is replaced only once complete."""
    from .views import VIEWS, ViewOptions, build_view

    chosen = get_theme(theme)
    prs = open_template(template, chosen)
    layout = _title_layout(prs)
    frame = _frame(prs, layout)
    options = ViewOptions(direction=direction)
    for view in views or VIEWS:
        for scene in build_view(view, graph, frame, chosen, options):
            _add_slide(prs, layout, scene)
    _set_properties(prs, graph)
    return save_atomically(prs, Path(output))


def _add_slide(prs: Any, layout: Any, scene: SlideScene) -> Any:
    from .render_pptx import draw_scene

    slide = prs.slides.add_slide(layout)
    if slide.shapes.title is not None:
        slide.shapes.title.text_frame.text = sanitize(scene.title)
    draw_scene(slide, scene)
    if scene.notes:
        slide.notes_slide.notes_text_frame.text = sanitize_notes(scene.notes)
    return slide


def sanitize_notes(text: str) -> str:
    return "\n".join(sanitize(line) for line in text.split("\n"))


def _set_properties(prs: Any, graph: Graph) -> None:
    props = prs.core_properties
    props.title = sanitize(f"{graph.name}: architecture")[:250]
    props.subject = "Neural network architecture"
    props.author = "pptx_nnviz"
    props.keywords = "neural network; keras; pptx_nnviz"


def save_atomically(prs: Any, output: Path) -> Path:
    """Save to a temporary file next to `output`, then rename over it."""
    output = output.expanduser()
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {output}: folder {folder} does not exist")
    if output.is_dir():
        raise OutputError(f"cannot write {output}: it is a directory")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write in {folder}: {exc.strerror}") from exc
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            prs.save(stream)
        os.replace(temp, output)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {output}: {exc.strerror or exc}") from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return output
