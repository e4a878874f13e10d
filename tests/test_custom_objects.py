"""--custom-objects (issue 11) applies to every kind of source: a saved model, a .py file and a
module reference that load a model with custom layers."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pptx_nnviz import load_graph
from pptx_nnviz.cli import main
from pptx_nnviz.keras_loader import _keras, load_custom_objects

LAYERS = """
import keras

class Twice(keras.layers.Layer):
    def call(self, x):
        return x * 2.0
"""


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Path]:
    """A .keras model with an unregistered custom layer, the file defining the layer, and a
    Python source and a module that load the saved model."""
    keras = _keras()
    layers_file = tmp_path / "defs.py"
    layers_file.write_text(LAYERS)
    namespace: dict = {}
    exec(compile(LAYERS, str(layers_file), "exec"), namespace)
    inp = keras.Input((3,), name="x")
    out = keras.layers.Dense(2, name="head")(namespace["Twice"](name="twice")(inp))
    model_path = tmp_path / "twice.keras"
    keras.Model(inp, out, name="with_twice").save(model_path)
    loader = textwrap.dedent(
        f"""
        import keras

        def build_model():
            return keras.saving.load_model({str(model_path)!r}, compile=False)
        """
    )
    (tmp_path / "load_twice.py").write_text(loader)
    (tmp_path / "twice_module.py").write_text(loader)
    return tmp_path, layers_file


@pytest.mark.parametrize("source", ["twice.keras", "load_twice.py", "twice_module:build_model"])
def test_custom_objects_reach_every_source(saved, source, monkeypatch, tmp_path):
    folder, layers_file = saved
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.chdir(folder)
    runner = CliRunner()
    refused = runner.invoke(main, ["summary", source])
    assert refused.exit_code != 0 and "Twice" in refused.stderr
    assert "Traceback" not in refused.output
    loaded = runner.invoke(main, ["summary", source, "--custom-objects", str(layers_file)])
    assert loaded.exit_code == 0, loaded.output
    assert "twice (Twice)" in loaded.stdout
    graph = load_graph(source, custom_objects=load_custom_objects(layers_file))  # the API
    assert [n.name for n in graph.nodes] == ["x", "twice", "head"]
