"""Build the built-in templates (light, dark, print) from python-pptx's default template.

Run `python templates/build_templates.py` from the repo root. Each template is the default
template made 16:9, with the theme's colour scheme and font, no slides and fixed metadata, so
rebuilding it gives the same bytes.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pptx
from lxml import etree
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.oxml import parse_xml
from pptx.oxml.ns import nsdecls, qn
from pptx.presentation import Presentation
from pptx.slide import SlideLayout, SlideMaster

if __package__ in (None, ""):  # run as a script: make the repo root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pptx_nnviz.theme import THEMES, Theme  # noqa: E402

SLIDE_WIDTH = 12192000  # 13.333 in: 16:9
SLIDE_HEIGHT = 6858000  # 7.5 in
_DEFAULT_WIDTH = 9144000  # the 4:3 default template's width
FIXED_DATE = datetime(2026, 1, 1)
_ZIP_DATE = (2026, 1, 1, 0, 0, 0)
TITLE_SIZE_CENTIPOINTS = 2800
TITLE_SLIDE_SIZE_CENTIPOINTS = 4000
# Diagram slides' title band: 0.45 in from the sides, 0.2 in from the top, 0.7 in tall.
TITLE_ONLY_FRAME = (411480, 182880, SLIDE_WIDTH - 2 * 411480, 640080)
REQUIRED_LAYOUTS = ("Title Slide", "Title Only", "Blank")
SCHEME_SLOTS = (
    "dk1",
    "lt1",
    "dk2",
    "lt2",
    "accent1",
    "accent2",
    "accent3",
    "accent4",
    "accent5",
    "accent6",
    "hlink",
    "folHlink",
)
_DARK_CLR_MAP = {"bg1": "dk1", "tx1": "lt1", "bg2": "dk2", "tx2": "lt2"}
_EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"


def _scale(value: str) -> str:
    return str(round(int(value) * SLIDE_WIDTH / _DEFAULT_WIDTH))


def _widen(root: etree._Element) -> None:
    """Scale every x offset and width under `root` from the 4:3 to the 16:9 slide width."""
    for xfrm in root.iter(qn("a:xfrm"), qn("p:xfrm")):
        for child in xfrm:
            for attr in ("x", "cx"):
                if child.get(attr) is not None:
                    child.set(attr, _scale(child.get(attr)))


def _xml_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _theme_name(theme: Theme) -> str:
    return f"pptx_nnviz {theme.name}"


def _set_slide_size(prs: Presentation) -> None:
    """Make the deck 16:9; the default notes size (7.5 x 10 in portrait) is kept."""
    prs.slide_width = SLIDE_WIDTH
    prs.slide_height = SLIDE_HEIGHT
    sld_sz = prs.part._element.find(qn("p:sldSz"))
    sld_sz.attrib.pop("type", None)  # "screen4x3" is wrong now; absent means custom
    view_part = prs.part.part_related_by(RT.VIEW_PROPS)
    view = parse_xml(view_part.blob)
    for guide in view.iter(qn("p:guide")):
        if guide.get("orient", "vert") == "vert":  # vertical guides sit at an x position
            guide.set("pos", _scale(guide.get("pos", "0")))
    view_part._blob = _xml_bytes(view)


def _rewrite_theme(part: Part, theme: Theme) -> None:
    """Put the theme's colours and font into the theme part's colour and font schemes."""
    root = parse_xml(part.blob)
    root.set("name", _theme_name(theme))
    elements = root.find(qn("a:themeElements"))
    scheme = elements.find(qn("a:clrScheme"))
    scheme.set("name", _theme_name(theme))
    for slot in SCHEME_SLOTS:
        slot_el = scheme.find(qn(f"a:{slot}"))
        for child in list(slot_el):
            slot_el.remove(child)
        etree.SubElement(slot_el, qn("a:srgbClr"), val=theme.colors[slot].upper())
    fonts = elements.find(qn("a:fontScheme"))
    for kind in ("a:majorFont", "a:minorFont"):
        fonts.find(qn(kind)).find(qn("a:latin")).set("typeface", theme.font)
    part._blob = _xml_bytes(root)


def _style_master(master: SlideMaster, theme: Theme) -> None:
    """Widen the master, set its background, colour map and title style."""
    el = master._element
    _widen(el.cSld.spTree)
    c_sld = el.cSld
    bg = c_sld.find(qn("p:bg"))
    if bg is not None:
        c_sld.remove(bg)
    c_sld.insert(
        0,
        parse_xml(
            f'<p:bg {nsdecls("p", "a")}><p:bgRef idx="1001"><a:schemeClr val="bg1"/>'
            "</p:bgRef></p:bg>"
        ),
    )
    if theme.dark_background:
        clr_map = el.find(qn("p:clrMap"))
        for key, value in _DARK_CLR_MAP.items():
            clr_map.set(key, value)
    title_rpr = el.find(qn("p:txStyles")).find(qn("p:titleStyle")).find(qn("a:lvl1pPr"))
    def_rpr = title_rpr.find(qn("a:defRPr"))
    def_rpr.set("sz", str(TITLE_SIZE_CENTIPOINTS))
    def_rpr.set("b", "0")


def _style_layout(layout: SlideLayout) -> None:
    """Widen a layout; left-align the diagrams' "Title Only" title, enlarge the cover title."""
    _widen(layout._element.cSld.spTree)
    if layout.name == "Title Only":
        _set_title_style(layout, PP_PLACEHOLDER.TITLE, align="l")
        _set_title_frame(layout, TITLE_ONLY_FRAME)
    elif layout.name == "Title Slide":  # larger than its 32 pt subtitle
        _set_title_style(layout, PP_PLACEHOLDER.CENTER_TITLE, size=TITLE_SLIDE_SIZE_CENTIPOINTS)


def _set_title_frame(layout: SlideLayout, frame: tuple[int, int, int, int]) -> None:
    """Give the layout's title placeholder its own position: a slim band for diagram slides."""
    for ph in layout.placeholders:
        if ph.placeholder_format.type == PP_PLACEHOLDER.TITLE:
            ph.left, ph.top, ph.width, ph.height = frame


def _set_title_style(
    layout: SlideLayout, ph_type: PP_PLACEHOLDER, align: str | None = None, size: int | None = None
) -> None:
    """Make the list style of `layout`'s title placeholder one level with `align` and `size`."""
    for ph in layout.placeholders:
        if ph.placeholder_format.type == ph_type:
            lst_style = ph.element.txBody.find(qn("a:lstStyle"))
            for child in list(lst_style):
                lst_style.remove(child)
            lvl1 = etree.SubElement(lst_style, qn("a:lvl1pPr"))
            if align is not None:
                lvl1.set("algn", align)
            if size is not None:
                etree.SubElement(lvl1, qn("a:defRPr"), sz=str(size))


def _set_metadata(prs: Presentation, theme: Theme) -> None:
    """Fixed core properties, and extended properties that match the 16:9 theme."""
    props = prs.core_properties
    props.title = f"pptx_nnviz {theme.name} template"
    props.author = "pptx_nnviz"
    props.last_modified_by = "pptx_nnviz"
    props.comments = "Built by templates/build_templates.py"
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    props.revision = 1
    app_part = prs.part.package.part_related_by(RT.EXTENDED_PROPERTIES)
    app = parse_xml(app_part.blob)
    app.find(f"{{{_EP}}}PresentationFormat").text = "Widescreen"
    for name in app.find(f"{{{_EP}}}TitlesOfParts").iter(f"{{{_VT}}}lpstr"):
        if name.text == "Office Theme":
            name.text = _theme_name(theme)
    app_part._blob = _xml_bytes(app)


def _normalized_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes so equal content gives equal bytes."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.create_system = 0
            fixed.external_attr = 0
            dst.writestr(fixed, src.read(info))
    return out.getvalue()


def build_template(theme: Theme) -> bytes:
    """The bytes of the .pptx template for `theme`."""
    prs = pptx.Presentation()
    layout_names = {layout.name for layout in prs.slide_layouts}
    missing = [name for name in REQUIRED_LAYOUTS if name not in layout_names]
    if missing or len(prs.slides):
        raise RuntimeError(f"unexpected default template (missing layouts: {missing})")
    _set_slide_size(prs)
    master = prs.slide_master
    _rewrite_theme(master.part.part_related_by(RT.THEME), theme)
    _style_master(master, theme)
    for layout in master.slide_layouts:
        _style_layout(layout)
    _set_metadata(prs, theme)
    buf = io.BytesIO()
    prs.save(buf)
    return _normalized_zip(buf.getvalue())


def build_all(out_dir: Path, names: Iterable[str] = tuple(THEMES)) -> list[Path]:
    """Write `<name>.pptx` into `out_dir` for each theme name; return the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = out_dir / f"{name}.pptx"
        path.write_bytes(build_template(THEMES[name]))
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="where to write the templates (default: next to this script)",
    )
    args = parser.parse_args(argv)
    for path in build_all(args.out_dir):
        print(f"{path}  {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
