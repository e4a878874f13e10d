"""`pptx-nnviz update`: regenerate a deck for a new version of its model and keep what the
person did with it.

A three-way merge of the deck as generated (its manifest: the options, the old graph, how each
slide and shape looked), the deck as the person left it, and the deck the new model gives:

- a generated shape whose look differs from the record was edited: its edits (position, size,
  fill, line, fonts, text) go onto the new shape that stands for the same layer;
- a shape or slide the manifest does not know was added by the person and stays in place
  (shapes on top of the regenerated ones, slides after the generated slide they followed);
- on architecture slides the layers both versions have stay where the person left them, a new
  layer is placed next to its neighbours where nothing stands (`incremental`), removed layers
  go with their connectors, and every connector is glued again;
- other slides are drawn anew and take the edits of their shapes where the shape still
  stands where it stood.

What could not be kept is reported with the reason.
"""

from __future__ import annotations

import copy
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pptx.oxml.ns import qn

from .builds import scene_steps
from .diff import CHANGED, GraphDiff, diff_graphs, match_layers
from .errors import InputError
from .files import write_atomically
from .geometry import Rect
from .identity import Look, Palette, ShapeRef, look_of, slide_tag, tag_slide, walk_shapes
from .incremental import flow_down, overlaps_any, place_new, route, snapped
from .ir import Graph
from .layout import Style
from .layout.model import SITE_INDEX, site_point
from .manifest import Manifest, SlideRecord, read_manifest, write_manifest
from .scene import Box, Connector, Frame, Paragraph, Run, SlideScene
from .text import sanitize_graph, text_width

SAME_RECT = 0.1  # points: a box this close to where it was generated has not moved
_STAND_INS = ("portal ", "port ", "marker ", "junction ")


@dataclass
class UpdateReport:
    """What an update did: the model's changes, slides added and removed, the person's edits
    kept and those that could not be kept (with why)."""

    deck: Path
    output: Path
    diff: GraphDiff
    backup: Path | None = None
    slides_added: list[str] = field(default_factory=list)
    slides_removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        diff = self.diff
        out = [f"Model {diff.old.name} → {diff.new.name}: {diff.counts()}."]
        for status, label in (("added", "Added"), ("removed", "Removed"), ("changed", "Changed")):
            for change in diff.of(status):
                detail = f" ({'; '.join(change.details)})" if change.details else ""
                out.append(f"  {label}: {change.node.name} ({change.node.class_name}){detail}")
        if self.slides_added:
            out.append(f"Slides added: {', '.join(self.slides_added)}")
        if self.slides_removed:
            out.append(f"Slides removed: {', '.join(self.slides_removed)}")
        out.append(f"Hand edits kept: {len(self.kept)}")
        out += [f"  {line}" for line in self.kept]
        out.append(f"Hand edits not kept: {len(self.lost)}")
        out += [f"  {line}" for line in self.lost]
        return out

    def text(self) -> str:
        return "\n".join(self.lines())


def update_deck(
    deck: str | os.PathLike,
    graph: Graph,
    output: str | os.PathLike | None = None,
    *,
    changes_slide: bool = False,
    progress: Callable[[str], None] | None = None,
) -> UpdateReport:
    """Regenerate `deck` for `graph` (the model's new version), keeping the person's edits;
    write it to `output`, or replace `deck` (atomically, keeping a copy next to it as
    NAME.backup.pptx)."""
    from .deck import deck_frame, deck_scenes
    from .theme import get_theme
    from .views import ViewOptions

    say = progress or (lambda message: None)
    source = Path(deck)
    prs = open_deck(source)
    manifest = read_manifest(prs, str(source))
    options = manifest.options
    theme = get_theme(options.get("theme", "light"))
    names = {f.name for f in fields(ViewOptions)}
    view_options = ViewOptions(**{k: v for k, v in options.items() if k in names})
    view_options = replace(view_options, hide=frozenset(view_options.hide))
    views = options.get("views") or []
    new_graph = sanitize_graph(graph)
    diff = diff_graphs(manifest.graph, new_graph)
    target = Path(output) if output is not None else source
    report = UpdateReport(source, target, diff)
    say(f"comparing the model: {diff.counts()}")
    frame = deck_frame(prs)
    scenes = deck_scenes(new_graph, frame, theme, views, view_options, say)
    old = {}
    if "architecture" in views:
        old = {
            s.key: s
            for s in deck_scenes(manifest.graph, frame, theme, ["architecture"], view_options)
        }
    merger = _Merger(prs, manifest, report, theme, frame, diff)
    say("merging your edits")
    drawn = merger.merge(scenes, old)
    if changes_slide:
        drawn = merger.add_changes_slide(drawn)
    _save(prs, manifest, drawn, new_graph, report, source, target)
    return report


def open_deck(path: Path) -> Any:
    from pptx import Presentation

    if not path.is_file():
        raise InputError(f"{path} does not exist; give the .pptx deck pptx-nnviz made")
    if path.suffix.lower() != ".pptx":
        raise InputError(f"{path} is not a .pptx file; give the deck pptx-nnviz made")
    try:
        return Presentation(str(path))
    except Exception as exc:
        raise InputError(f"{path} cannot be read as a PowerPoint file ({exc})") from exc


def _save(
    prs: Any,
    manifest: Manifest,
    drawn: list[tuple[Any, SlideScene, SlideRecord]],
    graph: Graph,
    report: UpdateReport,
    source: Path,
    target: Path,
) -> None:
    from .deck import _set_properties, link_slides

    link_slides([(slide, scene) for slide, scene, _ in drawn])
    for slide, scene, _ in drawn:
        tag_slide(slide, scene.key)
    write_manifest(prs, Manifest(manifest.options, graph, [r for *_, r in drawn]))
    _set_properties(prs, graph)
    _view_properties(prs)
    if target.resolve() == source.resolve():
        backup = source.with_name(source.stem + ".backup" + source.suffix)
        shutil.copy2(source, backup)
        report.backup = backup
    write_atomically(target, prs.save)


def _view_properties(prs: Any) -> None:
    """Give the deck the view properties part PowerPoint expects (a deck saved by Impress
    has none, and PowerPoint would offer to repair it)."""
    from pptx.opc.constants import CONTENT_TYPE as CT
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT
    from pptx.opc.package import Part
    from pptx.opc.packuri import PackURI

    try:
        prs.part.part_related_by(RT.VIEW_PROPS)
        return
    except KeyError:
        pass
    xml = (
        b'<p:viewPr xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
        b'<p:gridSpacing cx="76200" cy="76200"/></p:viewPr>'
    )
    part = Part(PackURI("/ppt/viewProps.xml"), CT.PML_VIEW_PROPS, prs.part.package, xml)
    prs.part.relate_to(part, RT.VIEW_PROPS)


# --------------------------------------------------------------------------- slides


def identify(prs: Any, manifest: Manifest) -> dict[int, str]:
    """Slide index -> the key of the generated slide it is: by its tag (PowerPoint keeps
    it), else by the names of its shapes and its title (Impress drops tags); slides the
    person added get none."""
    keys = {r.key: r for r in manifest.slides}
    found: dict[int, str] = {}
    for index, slide in enumerate(prs.slides):
        key = slide_tag(slide)
        if key in keys and key not in found.values():
            found[index] = key
    scores = []
    for index, slide in enumerate(prs.slides):
        if index in found:
            continue
        names = {ref.name for ref in walk_shapes(slide)}
        title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""
        for key, record in keys.items():
            if key in found.values():
                continue
            recorded = set(record.looks)
            shared = len(names & recorded) / len(names | recorded) if recorded else 0.0
            same_title = title == record.title
            if shared >= 0.5 or (not recorded and same_title):
                scores.append((shared + same_title, -index, index, key))
    for *_, index, key in sorted(scores, reverse=True):
        if index not in found and key not in found.values():
            found[index] = key
    count = len(prs.slides)
    for position, record in enumerate(manifest.slides):  # a retitled slide without shapes
        free = position < count and position not in found
        if free and not record.looks and record.key not in found.values():
            found[position] = record.key
    return found


def translate(name: str, back: dict[str, str]) -> str:
    """A new scene id in the old version's ids: node ids inside it mapped back."""
    if name in back:
        return back[name]
    if name.startswith("edge ") and " -> " in name:
        source, target = name[5:].split(" -> ", 1)
        return f"edge {back.get(source, source)} -> {back.get(target, target)}"
    for prefix in ("group with ", "from:"):
        rest = name[len(prefix) :]
        if name.startswith(prefix) and rest in back:
            return prefix + back[rest]
    head, sep, rest = name.partition(" ")
    if sep and rest in back:
        return f"{head} {back[rest]}"
    return name


class _Existing:
    """A generated slide as the person left it: its shapes by name, which are generated
    (in the record) and which the person added."""

    def __init__(self, slide: Any, record: SlideRecord, palette: Palette) -> None:
        self.slide = slide
        self.record = record
        self.palette = palette
        self.shapes: dict[str, ShapeRef] = {}
        for ref in walk_shapes(slide):
            self.shapes.setdefault(ref.name, ref)
        self.generated: list[Any] = []
        self.added: list[Any] = []
        self.below: set[int] = set()  # added shapes the person put under the diagram
        self.ungrouped: list[str] = []
        seen: set[str] = set()
        for element in list(slide.shapes._spTree.iterchildren()):
            name = _name(element)
            if name is None or element.find(f".//{qn('p:ph')}") is not None:
                continue
            if name in record.looks and name not in seen:  # a copy of a box is the person's
                seen.add(name)
                self.generated.append(element)
            elif element.tag == qn("p:grpSp") and any(
                _name(m) in record.looks for m in element.iter() if m is not element
            ):
                self.ungrouped.append(name)
                self._ungroup(element)
            else:
                self.added.append(element)
                if not self.generated:
                    self.below.add(id(element))
        self.old_ids = {
            int(e.find(f".//{qn('p:cNvPr')}").get("id")): _name(e)
            for top in self.generated
            for e in [top, *top.iter()]
            if _name(e) is not None
        }

    def _ungroup(self, group: Any) -> None:
        """Lift the members of a group the person made with generated shapes to the slide
        (in place), so the generated ones can be drawn again."""
        refs = {id(r.element): r for r in walk_shapes(self.slide)}
        for member in [m for m in group if _name(m) is not None]:
            ref = refs.get(id(member))
            if ref is not None:
                _set_rect(member, ref.rect)
            group.addprevious(member)
            if _name(member) in self.record.looks:
                self.generated.append(member)
            else:
                self.added.append(member)
        group.getparent().remove(group)

    def edits(self, old_name: str) -> tuple[ShapeRef, Look, list[str]] | None:
        ref = self.shapes.get(old_name)
        base = self.record.looks.get(old_name)
        if ref is None or base is None:
            return None
        return ref, base, look_of(ref, self.palette).edits_from(base)

    def clear(self) -> None:
        """Remove the generated shapes (a chart with its part)."""
        for element in self.generated:
            for chart in element.iter(qn("c:chart")):
                rid = chart.get(qn("r:id"))
                if rid:
                    self.slide.part.drop_rel(rid)
            if element.getparent() is not None:
                element.getparent().remove(element)

    def restore(self, new_ids: dict[str, int], back: dict[str, str]) -> list[str]:
        """The person's shapes back on top (those they put below stay below), their
        connectors glued to the new shapes; returns what lost its glue."""
        tree = self.slide.shapes._spTree
        for element in self.added:
            if id(element) not in self.below:
                tree.append(element)
        by_old = {translate(name, back): shape_id for name, shape_id in new_ids.items()}
        lost = []
        for element in self.added:
            for end in element.iter(qn("a:stCxn"), qn("a:endCxn")):
                old = self.old_ids.get(int(end.get("id", "0")))
                if old is None:
                    continue
                if old in by_old:
                    end.set("id", str(by_old[old]))
                else:
                    end.getparent().remove(end)
                    lost.append(f"{_name(element)} was glued to {old}, which is gone")
        return lost


def _shape_id(element: Any) -> str | None:
    c_nv_pr = element.find(f"./*/{qn('p:cNvPr')}")
    return c_nv_pr.get("id") if c_nv_pr is not None else None


def _animated(slide: Any) -> set[str]:
    """Ids of the shapes the slide's animations target."""
    timing = slide._element.find(qn("p:timing"))
    return set() if timing is None else {t.get("spid") for t in timing.iter(qn("p:spTgt"))}


def _prune_timing(slide: Any) -> int:
    """Drop the animation effects (and build entries) of shapes no longer on the slide, then
    what they leave empty; returns how many effects went."""
    timing = slide._element.find(qn("p:timing"))
    if timing is None:
        return 0
    ids = {c.get("id") for c in slide._element.iter(qn("p:cNvPr"))}
    dropped = 0
    for target in list(timing.iter(qn("p:spTgt"))):
        if target.get("spid") in ids:
            continue
        effect = target
        while effect is not None and not (
            effect.tag == qn("p:par") and effect.find(qn("p:cTn")).get("presetClass")
        ):
            effect = effect.getparent()
        if effect is not None and effect.getparent() is not None:
            effect.getparent().remove(effect)
            dropped += 1
    for build in list(timing.iter(qn("p:bldP"))):
        if build.get("spid") not in ids:
            build.getparent().remove(build)
    emptied = True
    while emptied:  # click groups left without effects
        emptied = False
        for children in list(timing.iter(qn("p:childTnLst"))):
            par = children.getparent().getparent()
            if len(children) == 0 and par.tag == qn("p:par") and par.getparent() is not None:
                if children.getparent().get("nodeType") in ("tmRoot", "mainSeq"):
                    continue
                par.getparent().remove(par)
                emptied = True
    if next(timing.iter(qn("p:spTgt")), None) is None:
        slide._element.remove(timing)
    return dropped


def _name(element: Any) -> str | None:
    c_nv_pr = element.find(f"./*/{qn('p:cNvPr')}")
    return c_nv_pr.get("name") if c_nv_pr is not None else None


def _set_rect(element: Any, rect: tuple[float, float, float, float]) -> None:
    from .render_pptx import emu

    kind = element.tag.split("}")[1]
    parent = element.find(qn("p:grpSpPr") if kind == "grpSp" else qn("p:spPr"))
    if kind == "graphicFrame":
        xfrm = element.find(qn("p:xfrm"))
    else:
        xfrm = parent.find(qn("a:xfrm")) if parent is not None else None
    if xfrm is None or xfrm.find(qn("a:off")) is None:
        return
    x, y, w, h = (emu(v) for v in rect)
    off, ext = xfrm.find(qn("a:off")), xfrm.find(qn("a:ext"))
    if kind == "grpSp" and xfrm.find(qn("a:chOff")) is not None:
        dx, dy = x - int(off.get("x")), y - int(off.get("y"))
        child = xfrm.find(qn("a:chOff"))
        child.set("x", str(int(child.get("x")) + dx))
        child.set("y", str(int(child.get("y")) + dy))
        w, h = int(ext.get("cx")), int(ext.get("cy"))
    off.set("x", str(x))
    off.set("y", str(y))
    ext.set("cx", str(w))
    ext.set("cy", str(h))


# --------------------------------------------------------------------------- edits


def apply_look(new: Any, user: Any, aspects: Sequence[str]) -> None:
    """Copy the person's fill, line, fonts or text from `user` onto the new shape."""
    new_pr, user_pr = new.find(qn("p:spPr")), user.find(qn("p:spPr"))
    if new_pr is not None and user_pr is not None:
        if "fill" in aspects:
            _replace_fill(new_pr, user_pr)
        if "line" in aspects:
            _replace_child(new_pr, user_pr, "a:ln")
    new_body, user_body = new.find(qn("p:txBody")), user.find(qn("p:txBody"))
    if new_body is None or user_body is None:
        return
    if "text" in aspects:
        new_body.getparent().replace(new_body, copy.deepcopy(user_body))
    elif "font" in aspects:
        _copy_fonts(new_body, user_body)


_FILLS = ("a:noFill", "a:solidFill", "a:gradFill", "a:blipFill", "a:pattFill", "a:grpFill")


def _replace_fill(new_pr: Any, user_pr: Any) -> None:
    fills = {qn(t) for t in _FILLS}
    theirs = next((c for c in user_pr if c.tag in fills), None)
    ours = next((c for c in new_pr if c.tag in fills), None)
    if theirs is None:
        return
    if ours is not None:
        new_pr.replace(ours, copy.deepcopy(theirs))
    else:
        geometry = new_pr.find(qn("a:prstGeom"))
        if geometry is None:
            geometry = new_pr.find(qn("a:custGeom"))
        geometry.addnext(copy.deepcopy(theirs))


def _replace_child(new_pr: Any, user_pr: Any, tag: str) -> None:
    theirs, ours = user_pr.find(qn(tag)), new_pr.find(qn(tag))
    if theirs is None:
        return
    if ours is not None:
        new_pr.replace(ours, copy.deepcopy(theirs))
    else:
        new_pr.append(copy.deepcopy(theirs))


def _copy_fonts(new_body: Any, user_body: Any) -> None:
    """The person's run properties onto the new runs: run by run where the runs line up,
    else each paragraph's first."""
    new_runs, user_runs = list(new_body.iter(qn("a:r"))), list(user_body.iter(qn("a:r")))
    if len(new_runs) == len(user_runs):
        pairs = list(zip(new_runs, user_runs))
    else:
        pairs = []
        user_paragraphs = list(user_body.iter(qn("a:p")))
        for k, paragraph in enumerate(new_body.iter(qn("a:p"))):
            source = user_paragraphs[min(k, len(user_paragraphs) - 1)].find(qn("a:r"))
            pairs += [(run, source) for run in paragraph.iter(qn("a:r")) if source is not None]
    for ours, theirs in pairs:
        rpr = theirs.find(qn("a:rPr"))
        if rpr is None:
            continue
        old = ours.find(qn("a:rPr"))
        if old is not None:
            ours.replace(old, copy.deepcopy(rpr))
        else:
            ours.insert(0, copy.deepcopy(rpr))


def _retext(frame: Any, text: str) -> None:
    """New text in a placeholder keeping the look of its first run (a deck saved by Impress
    sets the size on the runs, not in the layout)."""
    runs = frame._txBody.findall(f".//{qn('a:r')}")
    rpr = runs[0].find(qn("a:rPr")) if runs else None
    frame.text = text
    if rpr is not None:
        for run in frame._txBody.iter(qn("a:r")):
            old = run.find(qn("a:rPr"))
            if old is not None:
                run.remove(old)
            run.insert(0, copy.deepcopy(rpr))


def _move(element: Any, dx: float, dy: float) -> None:
    from .identity import _own_rect

    x, y, w, h = _own_rect(element)
    _set_rect(element, (x + dx, y + dy, w, h))


# --------------------------------------------------------------------------- merging


class _Merger:
    def __init__(
        self,
        prs: Any,
        manifest: Manifest,
        report: UpdateReport,
        theme: Any,
        frame: Frame,
        diff: GraphDiff,
    ) -> None:
        self.prs = prs
        self.manifest = manifest
        self.report = report
        self.theme = theme
        self.frame = frame
        self.diff = diff
        self.palette = Palette(prs)
        self.back = {new: old for old, new in diff.match.items()}

    def merge(
        self, scenes: list[SlideScene], old: dict[str, SlideScene]
    ) -> list[tuple[Any, SlideScene, SlideRecord]]:
        from .deck import add_slide, slide_record

        slides = list(self.prs.slides)
        known = identify(self.prs, self.manifest)
        by_key = {key: slides[index] for index, key in known.items()}
        drawn = []
        for scene in scenes:
            slide = by_key.get(scene.key)
            record = self.manifest.slide(scene.key)
            if slide is None and record is not None:  # the person deleted it
                self.report.kept.append(f"slide '{record.title}' stays deleted")
                continue
            if slide is None or record is None:
                slide = add_slide(self.prs, scene)
                drawn.append((slide, scene, slide_record(self.prs, slide, scene, self.palette)))
                self.report.slides_added.append(scene.title)
                continue
            previous = old.get(scene.key)
            if (
                scene.diagram is not None
                and scene.diagram.whole
                and previous is not None
                and previous.diagram is not None
                and previous.diagram.whole
            ):
                drawn.append(self.diagram(slide, record, previous, scene))
            else:
                drawn.append(self.generic(slide, record, scene, self.back))
        wanted = {scene.key for scene in scenes}
        for index, key in known.items():
            if key not in wanted:
                self._remove(slides[index], key)
        self._order(slides, known, [slide for slide, *_ in drawn])
        return drawn

    def _label(self, scene_or_record: Any) -> str:
        return f"slide '{scene_or_record.title}'"

    # ----------------------------------------------------------------- any slide

    def generic(
        self,
        slide: Any,
        record: SlideRecord,
        scene: SlideScene,
        back: dict[str, str],
        placed: set[str] = frozenset(),  # type: ignore[assignment]
        generated_rects: dict[str, Rect] | None = None,
        existing: _Existing | None = None,
    ) -> tuple[Any, SlideScene, SlideRecord]:
        """Draw `scene` on the person's slide in place of what was generated there, and put
        the person's edits on the shapes standing for the same things. `placed` names the
        shapes whose position and size the scene already took from the person."""
        from .deck import slide_record
        from .render_pptx import draw_scene

        existing = existing or _Existing(slide, record, self.palette)
        label = self._label(scene)
        for name in existing.ungrouped:
            self.report.lost.append(f"{label}: your group {name} was undone to draw its layers")
        own = {_shape_id(e) for top in existing.added for e in [top, *top.iter()]}
        animated = _animated(slide) & own
        if scene.steps and animated:
            self.report.lost.append(
                f"{label}: the animations of {len(animated)} shapes you added gave way to the "
                "build (add them again in the Animation pane)"
            )
        fresh_ids = max(int(i) for i in slide._element.xpath(".//p:cNvPr/@id")) + 1
        existing.clear()
        ids = draw_scene(slide, scene, fresh_ids)  # no old animation targets a new shape
        self._texts(slide, record, scene)
        generated = slide_record(self.prs, slide, scene, self.palette)
        ours = scene_names(scene)
        generated.looks = {n: look for n, look in generated.looks.items() if n in ours}
        for name, rect in (generated_rects or {}).items():
            if name in generated.looks:
                look = generated.looks[name]
                generated.looks[name] = replace(look, x=rect.x, y=rect.y, w=rect.w, h=rect.h)
        new_refs = {}
        for ref in walk_shapes(slide):
            new_refs.setdefault(ref.name, ref)
        for name, ref in new_refs.items():
            if name not in generated.looks:
                continue
            old_name = translate(name, back)
            found = existing.edits(old_name)
            if found is None:
                continue
            user, base, aspects = found
            styled = [a for a in aspects if a not in ("position", "size")]
            if styled and ref.element.tag == qn("p:graphicFrame"):
                self.report.lost.append(
                    f"{label}: your edits to {old_name} were replaced (tables and charts are "
                    "drawn anew from the model)"
                )
                styled = []
            apply_look(ref.element, user.element, styled)
            moved = [a for a in aspects if a in ("position", "size") and name not in placed]
            if moved:
                moved = self._place_edit(label, name, ref, user, base, generated.looks[name], moved)
            kept = styled + moved
            if kept:
                self.report.kept.append(f"{label}: {old_name}: {', '.join(kept)}")
                if "text" in aspects and self._changed(name):
                    self.report.lost.append(
                        f"{label}: {old_name}: your text was kept, but the layer changed "
                        f"({'; '.join(self._changed(name))}): update its label by hand"
                    )
        self.report.lost += [f"{label}: {line}" for line in existing.restore(ids, back)]
        if _prune_timing(slide):
            self.report.lost.append(f"{label}: animations of shapes drawn anew were dropped")
        return slide, scene, generated

    def _changed(self, name: str) -> tuple[str, ...]:
        change = self.diff.by_new_id.get(name)
        return change.details if change is not None and change.status == CHANGED else ()

    def _place_edit(
        self,
        label: str,
        name: str,
        new: ShapeRef,
        user: ShapeRef,
        base: Look,
        generated: Look,
        aspects: list[str],
    ) -> list[str]:
        """A moved or resized shape keeps the person's place where the new shape stands
        where the old one was generated; else the move is reported as not kept."""
        if max(abs(a - b) for a, b in zip(base.pack()[:4], generated.pack()[:4])) > 1.0:
            self.report.lost.append(
                f"{label}: {name}: your {' and '.join(aspects)} edit was not kept (the slide "
                "was drawn anew and the shape stands elsewhere now)"
            )
            return []
        if "size" in aspects:
            _set_rect(new.element, user.rect)
        else:
            _move(new.element, user.rect[0] - base.x, user.rect[1] - base.y)
        return aspects

    def _texts(self, slide: Any, record: SlideRecord, scene: SlideScene) -> None:
        """Title, subtitle and notes drawn anew unless the person edited them."""
        from .deck import _digest_text, _fit_title, sanitize_notes, slide_texts
        from .text import sanitize

        title, subtitle, notes = slide_texts(slide)
        label = self._label(scene)
        if slide.shapes.title is not None:
            if title == record.title:
                fitted = _fit_title(sanitize(scene.title), slide, self.prs)
                _retext(slide.shapes.title.text_frame, fitted)
            elif title != scene.title:
                self.report.kept.append(f"{label}: the title as you wrote it")
        for ph in slide.placeholders:
            if ph.placeholder_format.type == 4 and scene.subtitle:
                if _digest_text(subtitle) == record.subtitle:
                    _retext(ph.text_frame, sanitize_notes(scene.subtitle))
                else:
                    self.report.kept.append(f"{label}: the subtitle as you wrote it")
        if _digest_text(notes) == record.notes:
            if scene.notes:
                slide.notes_slide.notes_text_frame.text = sanitize_notes(scene.notes)
        elif notes.strip():
            self.report.kept.append(f"{label}: your speaker notes (not regenerated)")

    # ----------------------------------------------------------------- diagrams

    def diagram(
        self, slide: Any, record: SlideRecord, old: SlideScene, scene: SlideScene
    ) -> tuple[Any, SlideScene, SlideRecord]:
        """An architecture slide: kept layers where the person left them, new ones next to
        their neighbours, connectors routed again; falls back to a fresh drawing (and says
        so) when a new layer finds no room."""
        from .views.boxes import box_size, display_name, layer_box, node_shape
        from .views.edge_labels import LABEL_PREFIX, edge_labels, with_labels

        assert old.diagram is not None and scene.diagram is not None
        old_graph, graph = old.diagram.graph, scene.diagram.graph
        back = {n: o for o, n in match_layers(old_graph, graph).items()}
        style = Style(record.font or old.diagram.font, record.density or old.diagram.density)
        existing = _Existing(slide, record, self.palette)
        label = self._label(scene)
        fresh = {b.id: b for b in scene.boxes}
        others = [  # legend, caption, navigation (edge labels are placed again below)
            b
            for b in scene.boxes
            if b.id not in graph.by_id and not b.id.startswith((*_STAND_INS, LABEL_PREFIX))
        ]
        band = min((b.rect.y for b in others), default=self.frame.content.bottom)
        content = self.frame.content
        area = Rect(content.x, content.y, content.w, band - content.y - 4)
        gap = style.font
        user_rects = [
            Rect(*r.rect) for r in walk_shapes(slide) if r.top and r.element in existing.added
        ]
        placed: dict[str, Rect] = {}
        generated: dict[str, Rect] = {}
        moved: dict[str, list[str]] = {}
        sizes = {}
        for node in graph.nodes:
            name = display_name(node, scene.diagram.prefix)
            sizes[node.id] = box_size(node, style, name)
            found = existing.edits(back.get(node.id, "")) if node.id in back else None
            if found is None:
                continue
            user, base, aspects = found
            w, h = (user.rect[2], user.rect[3]) if "size" in aspects else sizes[node.id]
            ux, uy, uw, uh = user.rect
            placed[node.id] = Rect(ux + uw / 2 - w / 2, uy + uh / 2 - h / 2, w, h)
            gw, gh = sizes[node.id]
            generated[node.id] = Rect(
                base.x + base.w / 2 - gw / 2, base.y + base.h / 2 - gh / 2, gw, gh
            )
            if "position" in aspects or "size" in aspects:
                moved[node.id] = [a for a in aspects if a in ("position", "size")]
        down = flow_down(
            (placed[e.source], placed[e.target])
            for e in graph.edges
            if e.source in placed and e.target in placed
        )
        fixed = user_rects + [b.rect for b in others]
        for node in graph.nodes:
            if node.id in placed:
                continue
            w, h = sizes[node.id]
            before = next((placed[p] for p in graph.predecessors(node.id) if p in placed), None)
            after = next((placed[t] for t in graph.successors(node.id) if t in placed), None)
            spot = place_new(w, h, before, after, placed, fixed, area, gap, down)
            if spot is None:
                lost = f"; your moves of {', '.join(back[n] for n in moved)} were not kept"
                lost = lost if moved else ""
                self.report.lost.append(
                    f"{label}: no room for the new layer {node.name} next to its neighbours: "
                    f"the slide was laid out anew{lost}"
                )
                return self.generic(slide, record, scene, back, existing=existing)
            rect, shifted = spot
            for name, moved_rect in shifted.items():
                delta = (moved_rect.x - placed[name].x, moved_rect.y - placed[name].y)
                placed[name] = moved_rect
                generated[name] = generated.get(name, moved_rect).moved(*delta)
            if shifted:
                names = ", ".join(back.get(n, n) for n in shifted)
                self.report.lost.append(
                    f"{label}: {names} moved {'down' if down else 'right'} to make room for "
                    f"the new layer {node.name}"
                )
            placed[node.id] = generated[node.id] = rect
        boxes = []
        for node in graph.nodes:
            name = display_name(node, scene.diagram.prefix)
            box = layer_box(node, placed[node.id], style, self.theme, name)
            link = fresh[node.id].link if node.id in fresh else None
            boxes.append(replace(box, link=link))
        for node_id, aspects in moved.items():
            self.report.kept.append(f"{label}: {back[node_id]}: {', '.join(aspects)}")
        connectors = self._connectors(graph, old, back, placed, user_rects, node_shape, area)
        labels = edge_labels(graph, boxes + others, connectors, content, style.font)
        merged = replace(
            scene,
            boxes=tuple(boxes + others + labels),
            connectors=tuple(connectors),
            steps=with_labels(
                scene_steps(graph, boxes, connectors, self.manifest.options.get("build", "none")),
                labels,
            ),
            diagram=replace(scene.diagram, font=style.font, density=style.density),
        )
        overlapping = [
            n
            for n, r in placed.items()
            if overlaps_any(r, [p for m, p in placed.items() if m != n], 0)
        ]
        if overlapping:
            self.report.lost.append(
                f"{label}: {', '.join(sorted(overlapping))} now overlap (a box grew with its "
                "new text, or you moved boxes onto each other): move them apart by hand"
            )
        return self.generic(slide, record, merged, back, set(placed), generated, existing)

    def _connectors(
        self,
        graph: Graph,
        old: SlideScene,
        back: dict[str, str],
        placed: dict[str, Rect],
        user_rects: list[Rect],
        node_shape: Callable,
        area: Rect,
    ) -> list[Connector]:
        """Each edge glued again: the old route where neither end moved, else a new one
        (inside `area` where it has to go around boxes)."""
        old_rects = {b.id: b.rect for b in old.boxes}
        old_routes: dict[tuple[str, str], list[Connector]] = {}
        for c in old.connectors:
            old_routes.setdefault(c.edge, []).append(c)
        shapes = {n.id: node_shape(n) for n in graph.nodes}
        compass = {kind: {v: k for k, v in sites.items()} for kind, sites in SITE_INDEX.items()}
        taken: dict[str, set[str]] = {}
        routed: dict[tuple[str, str], tuple[tuple, tuple[int, int]]] = {}
        drawn: list = []
        for edge in graph.edges:  # first the old routes whose ends stand where they stood
            s, t = edge.source, edge.target
            before = old_routes.get((back.get(s, ""), back.get(t, "")), [])
            if not (
                len(before) == 1
                and before[0].source == back.get(s)
                and before[0].target == back.get(t)
                and _same(placed[s], old_rects.get(back[s]))
                and _same(placed[t], old_rects.get(back[t]))
            ):
                continue
            c = before[0]
            start = site_point(shapes[s], placed[s], _compass(compass, shapes[s], c.source_site))
            end_site = _compass(compass, shapes[t], c.target_site)
            points = snapped(c.points, start, site_point(shapes[t], placed[t], end_site))
            routed[(s, t)] = (points, (c.source_site, c.target_site))
            taken.setdefault(t, set()).add(end_site)
            drawn += list(zip(points, points[1:]))
        for edge in graph.edges:  # then new routes around the boxes
            s, t = edge.source, edge.target
            if (s, t) in routed:
                continue
            obstacles = [r for n, r in placed.items() if n not in (s, t)] + user_rects
            r = route(
                placed[s],
                shapes[s],
                placed[t],
                shapes[t],
                obstacles,
                taken.get(t, set()),
                drawn=drawn,
                bounds=area,
            )
            routed[(s, t)] = (r.points, (r.source_site, r.target_site))
            taken.setdefault(t, set()).add(r.target_compass)
            drawn += list(zip(r.points, r.points[1:]))
        return [
            Connector(
                id=f"edge {s} -> {t}",
                source=s,
                source_site=routed[(s, t)][1][0],
                target=t,
                target_site=routed[(s, t)][1][1],
                points=routed[(s, t)][0],
                edge=(s, t),
            )
            for s, t in ((e.source, e.target) for e in graph.edges)
        ]

    # ----------------------------------------------------------------- deck

    def _remove(self, slide: Any, key: str) -> None:
        record = self.manifest.slide(key)
        existing = _Existing(slide, record, self.palette) if record else None
        title = record.title if record else key
        self.report.slides_removed.append(title)
        if existing and existing.added:
            names = ", ".join(_name(e) or "?" for e in existing.added)
            self.report.lost.append(
                f"slide '{title}' is gone with its layers, and with it what you added: {names}"
            )
        id_list = self.prs.slides._sldIdLst
        for sld_id in list(id_list):
            if self.prs.part.related_part(sld_id.rId) is slide.part:
                self.prs.part.drop_rel(sld_id.rId)
                id_list.remove(sld_id)

    def _order(self, slides: list[Any], known: dict[int, str], generated: list[Any]) -> None:
        """Generated slides in the new order; each slide the person added right after the
        generated slide it followed (the last one still there)."""
        wanted = set(map(id, generated))
        follows: dict[int | None, list[Any]] = {}
        anchor = None
        for index, slide in enumerate(slides):
            if index in known:
                if id(slide) in wanted:
                    anchor = id(slide)
                continue
            follows.setdefault(anchor, []).append(slide)
        order = follows.get(None, [])
        for slide in generated:
            order.append(slide)
            order += follows.get(id(slide), [])
        id_list = self.prs.slides._sldIdLst
        by_part = {self.prs.part.related_part(s.rId): s for s in id_list}
        entries = [by_part[s.part] for s in order if s.part in by_part]
        for entry in list(id_list):
            id_list.remove(entry)
        for entry in entries:
            id_list.append(entry)

    def add_changes_slide(
        self, drawn: list[tuple[Any, SlideScene, SlideRecord]]
    ) -> list[tuple[Any, SlideScene, SlideRecord]]:
        """A "changes" slide after the title: the counts on the slide, the whole report in
        its notes."""
        from .deck import add_slide, slide_record

        scene = changes_scene(self.report, self.frame)
        slide = add_slide(self.prs, scene)
        entry = (slide, scene, slide_record(self.prs, slide, scene, self.palette))
        at = 1 if drawn and drawn[0][1].kind == "title" else 0
        drawn = drawn[:at] + [entry] + drawn[at:]
        id_list = self.prs.slides._sldIdLst
        entries = list(id_list)
        new = entries[-1]
        anchor = (
            next(
                (e for e in entries if self.prs.part.related_part(e.rId) is drawn[at - 1][0].part),
                None,
            )
            if at
            else None
        )
        id_list.remove(new)
        if anchor is not None:
            anchor.addnext(new)
        else:
            id_list.insert(0, new)
        return drawn


def _same(a: Rect, b: Rect | None) -> bool:
    return (
        b is not None
        and max(abs(a.x - b.x), abs(a.y - b.y), abs(a.w - b.w), abs(a.h - b.h)) <= SAME_RECT
    )


def _compass(compass: dict, shape: str, site: int) -> str:
    return compass["circle" if shape == "circle" else "box"][site]


def scene_names(scene: SlideScene) -> set[str]:
    """The names of the shapes a scene draws (boxes, connectors, tables, charts, groups)."""
    from .render_pptx import shape_name

    ids = [b.id for b in scene.boxes] + [c.id for c in scene.connectors]
    ids += [t.id for t in scene.tables] + [c.id for c in scene.charts]
    ids += [g.id for g in scene.groups] + [f"group {b.group}" for b in scene.boxes if b.group]
    return {shape_name(i) for i in ids}


def changes_scene(report: UpdateReport, frame: Frame) -> SlideScene:
    """The counts of what changed, as a slide; the whole report as its notes."""
    diff = report.diff
    lines = [f"{diff.old.name} → {diff.new.name}: {diff.counts()}"]
    for status in ("added", "removed", "changed"):
        names = [c.node.name for c in diff.of(status)]
        if names:
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            lines.append(f"{status.capitalize()}: {shown}")
    lines.append(f"Your edits kept: {len(report.kept)}; not kept: {len(report.lost)} (see notes)")
    size = 18.0
    width = max(text_width(line, size) for line in lines) + 16
    while width > frame.content.w and size > 10:
        size -= 1
        width = max(text_width(line, size) for line in lines) + 16
    from .text import line_height, shorten

    lines = [shorten(line, frame.content.w - 16, size) for line in lines]
    width = min(width, frame.content.w)
    box = Box(
        id="changes",
        rect=Rect(frame.content.x, frame.content.y, width, len(lines) * line_height(size) + 12),
        paragraphs=tuple(Paragraph((Run(line, size),), align="l") for line in lines),
        geometry="rect",
        alt_text="What changed in the model and in the deck.",
        anchor="t",
    )
    return SlideScene(
        title=f"Changes: {diff.old.name} → {diff.new.name}",
        boxes=(box,),
        notes=report.text(),
        kind="changes",
        key="changes",
    )
