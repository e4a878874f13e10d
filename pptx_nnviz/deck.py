"""Deck assembly: template, slides, notes, and an atomic save.

`build_deck` is the whole pipeline from a graph to a saved .pptx file.
"""

from __future__ import annotations

import gc
import io
import os
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
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
    from .views import VIEWS, ViewOptions

    chosen = get_theme(theme)
    graph = sanitize_graph(graph)  # a graph built by hand may hold any string
    prs = open_template(template, chosen)
    options = options or ViewOptions(direction=direction)
    views = tuple(views or VIEWS)
    with collector_paused():
        scenes = deck_scenes(graph, deck_frame(prs), chosen, views, options, progress)
        return write_deck(prs, scenes, graph, output, deck_options(theme, views, options), progress)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while a deck is drawn: the drawing makes many small
    objects and no cycles worth collecting, and with a Keras model in memory every full
    collection walks its whole heap (a tenth to a quarter of NASNet's deck time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_diff_deck(
    old: Graph,
    new: Graph,
    output: str | os.PathLike,
    *,
    theme: str = "light",
    template: str | os.PathLike | None = None,
    options: ViewOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Write the diff deck of two versions of a model: the new architecture with its added,
    changed and removed layers marked, and a table of the parameter changes."""
    from .diff import diff_graphs
    from .views import ViewOptions
    from .views.diff import diff_slides

    chosen = get_theme(theme)
    prs = open_template(template, chosen)
    options = options or ViewOptions()
    diff = diff_graphs(sanitize_graph(old), sanitize_graph(new))
    (progress or (lambda message: None))(f"drawing the changes: {diff.counts()}")
    with collector_paused():
        scenes = diff_slides(
            diff,
            deck_frame(prs),
            chosen,
            options.direction,
            options.collapse,
            options.depth,
            options.show_ops,
        )
        return write_deck(prs, scenes, diff.new, output, None, progress)


def write_deck(
    prs: Any,
    scenes: Sequence[SlideScene],
    graph: Graph,
    output: str | os.PathLike,
    options: dict[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Draw the scenes as the deck's slides, link them, and save atomically; with `options`
    (how the deck was made) record the manifest `update` reads."""
    drawn = [(add_slide(prs, scene), scene) for scene in scenes]
    link_slides(drawn)
    _set_properties(prs, graph)
    if options is not None:
        record(prs, drawn, graph, options)
    (progress or (lambda message: None))(f"writing {len(drawn):,} slides to {output}")
    return save_atomically(prs, Path(output))


def deck_frame(prs: Any) -> Frame:
    """The free area under the title of the deck's title layout."""
    return _frame(prs, _title_layout(prs))


def deck_scenes(
    graph: Graph,
    frame: Frame,
    theme: Theme,
    views: Sequence[str],
    options: ViewOptions,
    progress: Callable[[str], None] | None = None,
) -> list[SlideScene]:
    """The deck's slides in order (appendix slides after every view), each with a unique
    key: its view's own (architecture slides) or the view's name and number."""
    from .views import build_view

    report = progress or (lambda message: None)
    main: list[SlideScene] = []
    appendix: list[SlideScene] = []
    taken: set[str] = set()
    for view in views:
        report(f"drawing the {view} view of {len(graph.nodes):,} layers")
        scenes = build_view(view, graph, frame, theme, options)
        for number, scene in enumerate(scenes, start=1):
            key = scene.key or (view if len(scenes) == 1 else f"{view}:{number}")
            if scene.appendix and not scene.key:
                key = f"{view}:appendix:{number}"
            while key in taken:
                key += "+"
            taken.add(key)
            (appendix if scene.appendix else main).append(replace(scene, key=key))
    return main + appendix


def deck_options(theme: str, views: Sequence[str], options: ViewOptions) -> dict[str, Any]:
    """What `update` needs to draw the deck again the same way."""
    values = asdict(options)
    values["hide"] = sorted(options.hide)
    return {"theme": theme, "views": list(views), **values}


def record(prs: Any, drawn: list[tuple[Any, SlideScene]], graph: Graph, options: dict) -> None:
    """Tag each generated slide with its key and store the manifest (`manifest.py`): the
    options, the graph, and how each slide and shape looked as generated."""
    from .identity import tag_slide
    from .manifest import Manifest, write_manifest

    slides = []
    for slide, scene in drawn:
        tag_slide(slide, scene.key)
        slides.append(slide_record(prs, slide, scene))
    write_manifest(prs, Manifest(options, graph, slides))


def slide_record(prs: Any, slide: Any, scene: SlideScene, palette: Any = None) -> Any:
    """How a generated slide looks: its key, title, notes digest and its shapes' looks."""
    from pptx.oxml.ns import qn

    from .identity import look_of, walk_shapes
    from .manifest import SlideRecord

    palette = palette or _palette(prs)
    looks = {}
    for shape in walk_shapes(slide):
        if shape.element.find(f".//{qn('p:ph')}") is None and shape.name not in looks:
            looks[shape.name] = look_of(shape, palette)
    title, subtitle, notes = slide_texts(slide)
    diagram = scene.diagram
    return SlideRecord(
        scene.key,
        title,
        _digest_text(notes),
        looks,
        diagram.font if diagram else 0.0,
        diagram.density if diagram else "",
        _digest_text(subtitle),
    )


def slide_texts(slide: Any) -> tuple[str, str, str]:
    """The slide's title, subtitle and notes as they stand."""
    title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""
    subtitle = next(
        (ph.text_frame.text for ph in slide.placeholders if ph.placeholder_format.type == 4), ""
    )
    notes = slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else ""
    return title, subtitle, notes


def _palette(prs: Any) -> Any:
    from .identity import Palette

    cached = getattr(prs, "_nnviz_palette", None)
    if cached is None:
        cached = Palette(prs)
        prs._nnviz_palette = cached
    return cached


def _digest_text(text: str) -> str:
    from .identity import _digest

    return _digest(text.strip())


def link_slides(drawn: list[tuple[Any, SlideScene]]) -> None:
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


def add_slide(prs: Any, scene: SlideScene) -> Any:
    """A new slide at the deck's end drawn from `scene` (the cover layout for a title)."""
    from .render_pptx import draw_scene

    layout = _title_layout(prs)
    if scene.kind == "title":
        layout = _cover_layout(prs) or layout
    slide = prs.slides.add_slide(layout)
    for ph in list(slide.placeholders):  # a layout's other placeholders would stand empty
        kind = ph.placeholder_format.type
        if kind not in (1, 3) and not (kind == 4 and scene.subtitle):  # TITLE, CENTER_TITLE
            ph._element.getparent().remove(ph._element)
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
    """The master's title font size in points; in a deck whose master has no title style
    (saved by Impress), the size its title layout's title is set in; else PowerPoint's
    default 44."""
    from pptx.oxml.ns import qn

    style = prs.slide_master.element.find(f".//{qn('p:titleStyle')}/{qn('a:lvl1pPr')}")
    rpr = style.find(qn("a:defRPr")) if style is not None else None
    if rpr is not None and rpr.get("sz"):
        return int(rpr.get("sz")) / 100
    title = next(
        (ph for ph in _title_layout(prs).placeholders if ph.placeholder_format.type == 1), None
    )
    sizes = title._element.xpath(".//a:rPr/@sz | .//a:defRPr/@sz") if title is not None else []
    return int(sizes[0]) / 100 if sizes else 44.0


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
