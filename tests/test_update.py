"""`update` as a person uses it: a deck is generated, edited with python-pptx (three boxes
moved, one recoloured, a label retyped, a text box and a slide added), the model changes (a
layer inserted, one removed, a Dense's units or a block's filters changed), and the deck is
updated. Every kept edit and every change is asserted, on the deck as python-pptx saved it
and after a round trip through LibreOffice Impress (which drops slide tags and rewrites
colours)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass

import models
import pytest
from click.testing import CliRunner
from deck_checks import all_shapes, check_deck
from impress import round_trip
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.oxml.ns import qn
from pptx.util import Pt

import pptx_nnviz
from pptx_nnviz import InputError
from pptx_nnviz.cli import main
from pptx_nnviz.deck import build_deck, deck_frame, deck_scenes
from pptx_nnviz.diff import diff_graphs
from pptx_nnviz.identity import walk_shapes
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.theme import get_theme
from pptx_nnviz.update import update_deck
from pptx_nnviz.views import ViewOptions

VIEWS = ["title", "architecture", "summary"]
RED = RGBColor(0xFF, 0x40, 0x40)
NOTE = "Look here!"


@dataclass
class Case:
    old: object
    new: object
    moves: list  # ids of the boxes the person moves (on the first architecture slide)
    recolour: str
    retype: str
    changed_text: str  # what the changed layer's box says afterwards
    changed_slide: int = 1  # the slide showing it in the updated deck (0-based)


def _mnist_case():
    old, new = to_graph(models.mnist_convnet()), to_graph(models.mnist_variant(True, False, 16))
    ids = [n.id for n in old.nodes]  # automatic names: they depend on what ran before
    return Case(old, new, [ids[1], ids[5], ids[9]], ids[3], ids[7], "Dense 16 softmax")


def _small_resnet_case():
    old = to_graph(models.example("small_resnet"))
    new = to_graph(models.small_resnet_variant())
    return Case(old, new, ["stem", "block1_conv2", "classes"], "pool1", "gap", "Dense 12 softmax")


def _resnet50_case():
    old = models.application_graph("ResNet50")
    new = to_graph(models.resnet50_variant())
    moves = ["block:conv3_block1", "block:conv4_block1", "avg_pool"]
    return Case(old, new, moves, "block:conv5_block1", "block:conv2_block1", "3×3×96", 7)


CASES = {"mnist": _mnist_case, "small_resnet": _small_resnet_case, "ResNet50": _resnet50_case}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    return request.param, CASES[request.param]()


def _shapes(slide):
    return {s.name: s for s in reversed(list(all_shapes(slide.shapes)))}  # first one wins


def _centre(shape):
    return (shape.left + shape.width / 2) / 12700, (shape.top + shape.height / 2) / 12700


def _free_spot(slide, width, height):
    """A place on the slide's drawing area where no shape stands (the person's text box)."""
    taken = [r.rect for r in walk_shapes(slide) if r.top]
    for y in range(400, 80, -10):
        for x in range(820, 20, -10):
            if all(
                x + width + 6 < a or a + w + 6 < x or y + height + 6 < b or b + h + 6 < y
                for a, b, w, h in taken
            ):
                return x, y
    raise AssertionError("no free spot for the note")


def edit_like_a_person(path, out, case):
    """Move three boxes, recolour one, retype a label, add a text box, add a slide after
    the architecture slide; return where things were put."""
    prs = Presentation(str(path))
    slide = prs.slides[1]
    shapes = _shapes(slide)
    done = {}
    for k, name in enumerate(case.moves):
        shape = shapes[name]
        shape.left, shape.top = shape.left + Pt(6 + 3 * k), shape.top + Pt(4)
        done[name] = _centre(shape)
    shapes[case.recolour].fill.solid()
    shapes[case.recolour].fill.fore_color.rgb = RED
    shapes[case.retype].text_frame.paragraphs[0].runs[0].text = "My label"
    x, y = _free_spot(slide, 110, 30)
    note = slide.shapes.add_textbox(Pt(x), Pt(y), Pt(110), Pt(30))
    note.name = "my note"
    note.text_frame.text = NOTE
    note.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    done["my note"] = (x, y)
    extra = prs.slides.add_slide(prs.slide_layouts[5])
    extra.shapes.title.text_frame.text = "My own slide"
    id_list = prs.slides._sldIdLst
    entry = list(id_list)[-1]
    id_list.remove(entry)
    list(id_list)[1].addnext(entry)
    prs.save(str(out))
    return done


@pytest.fixture(scope="module")
def edited(case, tmp_path_factory):
    """The deck generated, edited by the person, and that deck after an Impress round trip."""
    name, c = case
    folder = tmp_path_factory.mktemp(f"update_{name}")
    deck = build_deck(c.old, folder / "deck.pptx", views=VIEWS, options=ViewOptions(build="layers"))
    done = edit_like_a_person(deck, folder / "edited.pptx", c)
    return folder, done


def _update(folder, source, c):
    out = folder / f"updated_{source}"
    return update_deck(folder / source, c.new, out), out


@pytest.mark.parametrize("source", ["edited.pptx", "impress.pptx"])
def test_update_keeps_every_edit_and_every_change(case, edited, source):
    name, c = case
    folder, done = edited
    if source == "impress.pptx":
        if not (folder / source).exists():
            round_trip((folder / "edited.pptx", folder / source))
        slides = Presentation(str(folder / source)).slides
        tags = [s._element.find(f".//{qn('p:custDataLst')}") for s in slides]
        assert all(t is None for t in tags)  # Impress drops slide tags: shape names remain
    report, out = _update(folder, source, c)
    where = f"{name} from {source}"
    diff = diff_graphs(c.old, c.new)
    assert report.diff.counts() == diff.counts()
    assert validate_pptx(out).error_count == 0, where
    reports = check_deck(out)
    assert all(r.problems == {} for r in reports), [(r.number, r.problems) for r in reports]

    prs = Presentation(str(out))
    titles = [s.shapes.title.text_frame.text if s.shapes.title else "" for s in prs.slides]
    assert titles[2] == "My own slide", titles  # still right after the architecture slide
    slide = prs.slides[1]
    shapes = _shapes(slide)
    made_room = " ".join(line for line in report.lost if "make room" in line)
    rename = diff.match
    for old_id in c.moves:  # moved boxes stay where the person put them
        centre = _centre(shapes[rename.get(old_id, old_id)])
        expected = done[old_id]
        assert abs(centre[0] - expected[0]) < 0.6, (where, old_id)
        assert abs(centre[1] - expected[1]) < 0.6 or old_id in made_room, (where, old_id)
        assert any(old_id in line and "position" in line for line in report.kept), report.text()
    recoloured = shapes[rename.get(c.recolour, c.recolour)]
    assert recoloured.fill.fore_color.rgb == RED, where
    retyped = shapes[rename.get(c.retype, c.retype)]
    assert retyped.text_frame.paragraphs[0].runs[0].text == "My label", where
    note = shapes["my note"]
    assert note.text_frame.text == NOTE
    assert abs(note.left / 12700 - done["my note"][0]) < 0.6
    assert abs(note.top / 12700 - done["my note"][1]) < 0.6

    # every layer of the new version, and only those, on each architecture slide
    frame = deck_frame(prs)
    fresh = {
        s.key: s
        for s in deck_scenes(c.new, frame, get_theme("light"), ["architecture"], ViewOptions())
    }
    by_title = {s.shapes.title.text_frame.text: s for s in prs.slides if s.shapes.title is not None}
    for scene in fresh.values():
        drawn = by_title[scene.title]
        names = {s.name for s in all_shapes(drawn.shapes)}
        nodes = {n.id for n in scene.diagram.graph.nodes}
        assert nodes <= names, (where, scene.title, nodes - names)
        edges = {f"edge {e.source} -> {e.target}" for e in scene.diagram.graph.edges}
        assert {n for n in names if n.startswith("edge ")} == edges, (where, scene.title)
        assert drawn._element.find(qn("p:timing")) is not None  # the build is redrawn
    for change in diff.of("removed"):
        assert change.old.id not in {s.name for s in all_shapes(slide.shapes)} - set(
            n.id for n in c.new.nodes
        )
    changed = prs.slides[c.changed_slide]
    texts = [s.text_frame.text for s in all_shapes(changed.shapes) if s.has_text_frame]
    assert any(c.changed_text in text for text in texts), where
    assert not any("My own slide" in line for line in report.lost)


def test_update_again_changes_nothing(case, edited):
    """Updating the updated deck with the same model keeps every edit where it is."""
    name, c = case
    folder, _ = edited
    first, out = _update(folder, "edited.pptx", c)
    again = update_deck(out, c.new, folder / "again.pptx")
    assert again.diff.counts() == "no change"
    assert len(again.kept) == len(first.kept) - sum("title" in k for k in first.kept)
    before = {r.name: r.rect for r in walk_shapes(Presentation(str(out)).slides[1])}
    after = {
        r.name: r.rect for r in walk_shapes(Presentation(str(folder / "again.pptx")).slides[1])
    }
    for shape, rect in before.items():
        if not shape.startswith("edge "):
            assert after[shape] == pytest.approx(rect, abs=0.05), (name, shape)


def test_cli_update_replaces_with_a_backup(tmp_path):
    graph = to_graph(models.mnist_convnet())
    deck = build_deck(graph, tmp_path / "deck.pptx", views=["architecture"])
    original = deck.read_bytes()
    variant = tmp_path / "v2.py"
    tests = str(models.EXAMPLES.parent / "tests")
    variant.write_text(
        f"import sys\nsys.path.insert(0, {tests!r})\nimport models\n\n"
        "def build_model():\n    return models.mnist_variant(True, False, 16)\n"
    )
    runner = CliRunner()
    result = runner.invoke(main, ["update", str(deck), str(variant), "--changes-slide", "-q"])
    assert result.exit_code == 0, result.output
    assert "1 added, 1 removed, 1 changed" in result.output
    assert (tmp_path / "deck.backup.pptx").read_bytes() == original
    prs = Presentation(str(deck))
    changes = prs.slides[0]
    assert changes.shapes.title.text_frame.text.startswith("Changes: ")
    assert "Added: " in changes.notes_slide.notes_text_frame.text
    not_ours = tmp_path / "plain.pptx"
    shutil.copy(models.EXAMPLES.parent / "templates" / "light.pptx", not_ours)
    result = runner.invoke(main, ["update", str(not_ours), str(variant), "-q"])
    assert result.exit_code == 2 and "was not made by pptx-nnviz" in result.output
    with pytest.raises(InputError, match="does not exist"):
        update_deck(tmp_path / "missing.pptx", graph)
    report = pptx_nnviz.update_pptx(deck, graph, tmp_path / "back.pptx")  # the first version
    assert "1 added, 1 removed, 1 changed" in report.text()  # (from the updated deck)
    assert len(Presentation(str(tmp_path / "back.pptx")).slides) == 1  # a stale changes slide
    assert report.slides_removed == [changes.shapes.title.text_frame.text]  # goes
    prs = Presentation(str(tmp_path / "back.pptx"))  # a slide the person deleted
    id_list = prs.slides._sldIdLst
    prs.part.drop_rel(id_list[0].rId)
    id_list.remove(id_list[0])
    prs.save(str(tmp_path / "deleted.pptx"))
    report = pptx_nnviz.update_pptx(tmp_path / "deleted.pptx", graph)
    assert "stays deleted" in report.text()
    assert len(Presentation(str(tmp_path / "deleted.pptx")).slides) == 0


def test_animations_of_redrawn_shapes_are_dropped(tmp_path):
    """A person animated the summary table: the table is drawn anew, its animation cannot
    follow it, and the update says so instead of leaving an animation of a missing shape."""
    from pptx.oxml import parse_xml

    from pptx_nnviz.builds import Target, timing_xml

    graph = to_graph(models.mnist_convnet())
    deck = build_deck(graph, tmp_path / "deck.pptx", views=["summary"])
    prs = Presentation(str(deck))
    slide = prs.slides[0]
    table = next(s for s in slide.shapes if s.has_table)
    slide._element.append(parse_xml(timing_xml([[Target(table.shape_id, False)]])))
    prs.save(str(tmp_path / "animated.pptx"))
    report = update_deck(tmp_path / "animated.pptx", graph, tmp_path / "out.pptx")
    assert any("animations of shapes drawn anew were dropped" in line for line in report.lost)
    assert Presentation(str(tmp_path / "out.pptx")).slides[0]._element.find(qn("p:timing")) is None
    assert validate_pptx(tmp_path / "out.pptx").error_count == 0
