"""Deck assembly: template, slides, notes, and an atomic save.

`build_deck` is the whole pipeline from a graph to a saved .pptx file.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .files import write_atomically
from .geometry import Rect
from .ir import Graph
from .scene import Frame, SlideScene
from .text import sanitize, sanitize_graph, shorten, text_width
from .theme import Theme, get_theme

if TYPE_CHECKING:
    from .views import ViewOptions

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
        _check_template_file(path)
    try:
        prs = Presentation(_presentation_source(path))
    except Exception as exc:
        raise _template_error(path, exc) from exc
    _remove_slides(prs)
    _fast_partnames(prs)
    return prs


_TEMPLATE_HINT = "give a .pptx or .potx saved by PowerPoint, or drop --template"
_PRESENTATION_TYPE = b"presentationml.presentation.main+xml"
_TEMPLATE_TYPE = b"presentationml.template.main+xml"


def _check_template_file(path: Path) -> None:
    """Refuse a missing, non-PowerPoint or corrupt template with a message saying what to do."""
    if path.is_dir():
        raise InputError(f"template {path} is a directory; {_TEMPLATE_HINT}")
    if not path.is_file():
        raise InputError(f"template {path} does not exist; {_TEMPLATE_HINT}")
    if path.suffix.lower() not in (".pptx", ".potx"):
        raise InputError(f"template {path} is not a .pptx or .potx file; {_TEMPLATE_HINT}")
    if not zipfile.is_zipfile(path):
        raise InputError(
            f"template {path} is not a PowerPoint file (corrupt, truncated or another "
            f"format); {_TEMPLATE_HINT}"
        )


def _presentation_source(path: Path) -> str | io.BytesIO:
    """What python-pptx should open: the path, or for a .potx (a .pptx with another content
    type, which python-pptx refuses) a copy in memory with the presentation content type."""
    if path.suffix.lower() != ".potx":
        return str(path)
    copy = io.BytesIO()
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(_TEMPLATE_TYPE, _PRESENTATION_TYPE)
            out.writestr(item, data)
    copy.seek(0)
    return copy


def _template_error(path: Path, exc: Exception) -> InputError:
    text = str(exc)
    kinds = {"wordprocessingml": "a Word document", "spreadsheetml": "an Excel workbook"}
    for marker, kind in kinds.items():
        if marker in text:
            return InputError(f"template {path} is {kind}, not a PowerPoint file; {_TEMPLATE_HINT}")
    detail = " ".join(text.split())[:200] or type(exc).__name__
    return InputError(
        f"template {path} cannot be read as a PowerPoint file ({detail}); {_TEMPLATE_HINT}"
    )


def _fast_partnames(prs: Any) -> None:
    """python-pptx names each new part by walking every part of the package, which makes
    adding slides and notes quadratic; we only add parts, so count on from the first scan."""
    package = prs.part.package
    original = package.next_partname
    counters: dict[str, int] = {}

    def next_partname(tmpl: str) -> Any:
        if tmpl not in counters:
            name = original(tmpl)
            counters[tmpl] = int(str(name).removeprefix(tmpl.split("%d")[0]).split(".")[0])
            return name
        counters[tmpl] += 1
        return _uri(tmpl % counters[tmpl])

    package.next_partname = next_partname


def _uri(name: str) -> Any:
    from pptx.opc.packuri import PackURI

    return PackURI(name)


def _remove_slides(prs: Any) -> None:
    """Drop the template's own slides cleanly: sldId entries and their relationships."""
    id_list = prs.slides._sldIdLst
    for sld_id in list(id_list):
        prs.part.drop_rel(sld_id.rId)
        id_list.remove(sld_id)


def _cover_layout(prs: Any) -> Any | None:
    """The template's title-slide layout (a centred title and a subtitle), if it has one."""
    for layout in prs.slide_layouts:
        types = {ph.placeholder_format.type for ph in layout.placeholders}
        if layout.name == "Title Slide" or {3, 4} <= types:  # CENTER_TITLE, SUBTITLE
            return layout
    return None


def _title_layout(prs: Any) -> Any:
    def has_title(layout: Any) -> bool:
        return any(ph.placeholder_format.type == 1 for ph in layout.placeholders)  # TITLE

    by_name = {layout.name: layout for layout in prs.slide_layouts}
    for name in TITLE_LAYOUTS:
        if name in by_name and has_title(by_name[name]):
            return by_name[name]
    for layout in prs.slide_layouts:
        if has_title(layout):
            return layout
    raise InputError(
        "the template has no slide layout with a title placeholder; add a 'Title Only' layout "
        "in PowerPoint's Slide Master view, or drop --template"
    )


def check_template(template: str | os.PathLike, theme: Theme) -> None:
    """Fail fast (before a slow model load) on a template that cannot be used."""
    _title_layout(open_template(template, theme))


def _frame(prs: Any, layout: Any) -> Frame:
    width = prs.slide_width / EMU_PER_POINT
    height = prs.slide_height / EMU_PER_POINT
    title_bottom = MARGIN
    for ph in layout.placeholders:
        if ph.placeholder_format.type in (1, 3):  # TITLE, CENTER_TITLE
            title_bottom = (ph.top + ph.height) / EMU_PER_POINT + 6
    content = Rect(MARGIN, title_bottom, width - 2 * MARGIN, height - MARGIN - title_bottom)
    return Frame(width, height, content)


def default_frame(theme: Theme) -> Frame:
    """The Frame of our built-in template for `theme` (figures lay out as the deck does)."""
    prs = open_template(None, theme)
    return _frame(prs, _title_layout(prs))


def build_deck(
    graph: Graph,
    output: str | os.PathLike,
    *,
    theme: str = "light",
    template: str | os.PathLike | None = None,
    direction: str | None = None,
    views: Sequence[str] | None = None,
    options: ViewOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the deck for `graph` to `output`; the file is replaced only once complete.
    `progress` is told what is happening (a view being drawn, the file being written)."""
    from .views import VIEWS, ViewOptions, build_view

    chosen = get_theme(theme)
    graph = sanitize_graph(graph)  # a graph built by hand may hold any string
    prs = open_template(template, chosen)
    layout = _title_layout(prs)
    frame = _frame(prs, layout)
    options = options or ViewOptions(direction=direction)
    cover = _cover_layout(prs)
    report = progress or (lambda message: None)
    drawn: list[tuple[Any, SlideScene]] = []
    appendix: list[SlideScene] = []  # slides for the deck's end, after every view

    def add(scene: SlideScene) -> None:
        slide = _add_slide(prs, cover if scene.kind == "title" and cover else layout, scene)
        drawn.append((slide, scene))

    for view in views or VIEWS:
        report(f"drawing the {view} view of {len(graph.nodes):,} layers")
        for scene in build_view(view, graph, frame, chosen, options):
            if scene.appendix:
                appendix.append(scene)
            else:
                add(scene)
    for scene in appendix:
        add(scene)
    _link(drawn)
    _set_properties(prs, graph)
    report(f"writing {len(drawn):,} slides to {output}")
    return save_atomically(prs, Path(output))


def _link(drawn: list[tuple[Any, SlideScene]]) -> None:
    """Turn boxes' `link` keys into internal hyperlinks (they work in slide shows and in
    LibreOffice's PDF export)."""
    slides = {scene.key: slide for slide, scene in drawn if scene.key}
    for slide, scene in drawn:
        targets = {b.id: slides[b.link] for b in scene.boxes if b.link and b.link in slides}
        if not targets:
            continue
        from .render_pptx import shape_name

        by_name = {shape_name(box_id): target for box_id, target in targets.items()}
        for shape in slide.shapes:
            if shape.name in by_name:
                shape.click_action.target_slide = by_name[shape.name]


def _add_slide(prs: Any, layout: Any, scene: SlideScene) -> Any:
    from .render_pptx import draw_scene

    slide = prs.slides.add_slide(layout)
    if slide.shapes.title is not None:
        slide.shapes.title.text_frame.text = _fit_title(sanitize(scene.title), slide, prs)
    if scene.subtitle:
        subtitle = next((ph for ph in slide.placeholders if ph.placeholder_format.type == 4), None)
        if subtitle is not None:
            subtitle.text_frame.text = sanitize_notes(scene.subtitle)
    draw_scene(slide, scene)
    if scene.notes:
        slide.notes_slide.notes_text_frame.text = sanitize_notes(scene.notes)
    return slide


def _fit_title(text: str, slide: Any, prs: Any) -> str:
    """`text` cut with an ellipsis to one line of the slide's title placeholder (a long model
    name); the part after the last ': ' (the view, a page number) is kept."""
    title = slide.shapes.title
    width = (title.width or prs.slide_width) / EMU_PER_POINT - 14.4  # default insets
    size = _title_font_size(prs)
    budget = 0.9 * width  # room for a theme font a little wider than Calibri
    if text_width(text, size) <= budget:
        return text
    head, sep, tail = text.rpartition(": ")
    if not sep or text_width(sep + tail, size) > budget / 2:
        return shorten(text, budget, size)
    return shorten(head, budget - text_width(sep + tail, size), size) + sep + tail


def _title_font_size(prs: Any) -> float:
    """The master's title font size in points (PowerPoint's default 44 when unset)."""
    from pptx.oxml.ns import qn

    style = prs.slide_master.element.find(f".//{qn('p:titleStyle')}/{qn('a:lvl1pPr')}")
    rpr = style.find(qn("a:defRPr")) if style is not None else None
    return int(rpr.get("sz")) / 100 if rpr is not None and rpr.get("sz") else 44.0


def sanitize_notes(text: str) -> str:
    return "\n".join(sanitize(line) for line in text.split("\n"))


def _set_properties(prs: Any, graph: Graph) -> None:
    props = prs.core_properties
    props.title = sanitize(f"{graph.name}: architecture")[:250]  # lxml refuses bad characters
    props.subject = "Neural network architecture"
    props.author = "pptx_nnviz"
    props.keywords = "neural network; keras; pptx_nnviz"


def save_atomically(prs: Any, output: Path) -> Path:
    """Save the presentation; `output` is replaced only once the new file is complete."""
    return write_atomically(Path(output), prs.save)
