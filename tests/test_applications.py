"""Every model in keras.applications (issue 11): built once (weights=None, offline), its graph
folded into blocks without a cycle, and its architecture deck, every slide, holding the
invariants of deck_checks and openxml-audit.

About two minutes on one free core, most of it building the models (the graphs stay cached
for the other tests; the Keras models are dropped). The full deck of every model, all views,
is checked by `python benchmarks/applications.py --check`.
"""

from __future__ import annotations

import models
import pytest
from deck_checks import check_deck
from openxml_audit import validate_pptx

from pptx_nnviz.deck import build_deck
from pptx_nnviz.keras_loader import _keras
from pptx_nnviz.passes import collapse


def _applications() -> list[str]:
    keras = _keras()
    return sorted(
        name
        for name in dir(keras.applications)
        if name[:1].isupper() and callable(getattr(keras.applications, name))
    )


APPLICATIONS = _applications()


def test_every_application_is_listed():
    assert len(APPLICATIONS) >= 40
    assert {"MobileNetV3Small", "InceptionResNetV2", "NASNetLarge", "ConvNeXtXLarge"} <= set(
        APPLICATIONS
    )


@pytest.mark.slow
@pytest.mark.parametrize("name", APPLICATIONS)
def test_application_deck_holds_the_invariants(name, deck_dir):
    graph = models.application_graph(name)
    overview = collapse(graph)  # raised "the graph has a cycle" on three of them
    members = [m for node in overview.nodes for m in (node.members or (node.name,))]
    assert sorted(members) == sorted(n.name for n in graph.nodes)
    assert overview.total_params == graph.total_params
    path = build_deck(graph, deck_dir / f"application_{name}.pptx", views=["architecture"])
    for report in check_deck(path):
        assert report.problems == {}, f"{name} slide {report.number}: {report.problems}"
    assert validate_pptx(path).is_valid
