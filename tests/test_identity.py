"""Stable identity: every generated slide has a key (a p:custDataLst tag and the manifest) and
every shape a name; what survives LibreOffice Impress opening and saving the deck: shape
names, the custom properties holding the manifest, and the looks of every shape (read as no
edit); not the slide tags."""

from __future__ import annotations

import models
import pytest
from impress import round_trip
from pptx import Presentation

from pptx_nnviz.deck import build_deck
from pptx_nnviz.identity import Palette, look_of, slide_tag, walk_shapes
from pptx_nnviz.keras_loader import to_graph
from pptx_nnviz.manifest import graph_data, graph_from_data, read_manifest
from pptx_nnviz.update import identify


@pytest.fixture(scope="module")
def decks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("identity")
    graph = to_graph(models.example("small_resnet"))
    deck = build_deck(graph, folder / "deck.pptx")  # every view
    round_trip((deck, folder / "impress.pptx"))
    return graph, deck, folder / "impress.pptx"


def test_every_slide_has_a_unique_key(decks):
    graph, deck, _ = decks
    prs = Presentation(str(deck))
    keys = [slide_tag(s) for s in prs.slides]
    assert all(keys) and len(set(keys)) == len(keys)
    manifest = read_manifest(prs)
    assert [r.key for r in manifest.slides] == keys
    assert keys[:2] == ["title", "architecture"]
    assert graph_from_data(graph_data(graph)) == graph
    assert manifest.graph == graph


def test_what_survives_impress(decks):
    _, deck, impress = decks
    before, after = Presentation(str(deck)), Presentation(str(impress))
    manifest = read_manifest(after)  # custom properties survive
    assert [slide_tag(s) for s in after.slides] == [None] * len(after.slides)  # tags do not
    assert identify(after, manifest) == {k: r.key for k, r in enumerate(manifest.slides)}
    palette = Palette(after)
    for slide, old, record in zip(after.slides, before.slides, manifest.slides):
        names = {r.name for r in walk_shapes(old) if r.name in record.looks}
        shapes = {}
        for ref in walk_shapes(slide):
            shapes.setdefault(ref.name, ref)
        assert names <= set(shapes), (record.key, names - set(shapes))  # names survive
        for name in names:
            assert look_of(shapes[name], palette).edits_from(record.looks[name]) == [], name
