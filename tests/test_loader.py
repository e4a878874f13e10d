"""Loading every kind of model source the CLI and the API accept."""

from __future__ import annotations

import textwrap

import models
import pytest

from pptx_nnviz import load_graph
from pptx_nnviz.errors import InputError
from pptx_nnviz.keras_loader import load_model

EXAMPLE = str(models.EXAMPLES / "mnist_convnet.py")


def test_live_model(mnist_model):
    assert load_model(mnist_model) is mnist_model


def test_keras_file(mnist_model, tmp_path):
    path = tmp_path / "mnist.keras"
    mnist_model.save(path)
    graph = load_graph(str(path))
    assert len(graph.nodes) == 10
    assert graph.total_params == mnist_model.count_params()


def test_legacy_h5_file(mnist_model, tmp_path):
    path = tmp_path / "mnist.h5"
    mnist_model.save(path)
    graph = load_graph(path)
    assert [n.class_name for n in graph.nodes][1:3] == ["Conv2D", "LeakyReLU"]
    assert graph.total_params == mnist_model.count_params()


def test_python_file_with_one_builder():
    graph = load_graph(EXAMPLE)
    assert graph.name == "mnist_convnet"
    assert len(graph.nodes) == 10


def test_python_file_with_name():
    assert load_graph(f"{EXAMPLE}:build_model").name == "mnist_convnet"


def test_python_file_with_several_candidates_names_them(tmp_path):
    path = tmp_path / "two.py"
    path.write_text(
        textwrap.dedent("""
        import keras
        def build_a():
            return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="a")
        def build_b():
            return keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)], name="b")
        if __name__ == "__main__":
            raise SystemExit("must not run")
    """)
    )
    with pytest.raises(InputError, match="build_a, build_b"):
        load_model(str(path))
    assert load_graph(f"{path}:build_b").name == "b"


def test_python_file_with_a_model_object(tmp_path):
    path = tmp_path / "obj.py"
    path.write_text(
        "import keras\n"
        "net = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name='obj')\n"
    )
    assert load_graph(str(path)).name == "obj"


def test_module_reference(tmp_path, monkeypatch):
    package = tmp_path / "zoo_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "nets.py").write_text(
        "import keras\n"
        "def tiny():\n"
        "    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)], name='tiny')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert load_graph("zoo_pkg.nets:tiny").name == "tiny"


def test_keras_applications_offline():
    graph = load_graph("keras.applications.MobileNetV3Small")
    assert graph.total_params > 1_000_000
    assert graph.node(graph.inputs[0]).category == "input"


def test_unknown_application():
    with pytest.raises(InputError, match="no model 'NotANet'"):
        load_model("keras.applications.NotANet")


def test_unbuilt_model_needs_an_input_shape():
    keras = models._keras()
    unbuilt = keras.Sequential([keras.layers.Dense(3), keras.layers.Dense(1)], name="unbuilt")
    with pytest.raises(InputError, match="--input-shape"):
        load_model(unbuilt)
    built = load_model(unbuilt, input_shape=(7,))
    assert built.count_params() == 7 * 3 + 3 + 3 + 1


def test_bundled_residual_example(tmp_path):
    graph = load_graph(str(models.EXAMPLES / "small_resnet.py"))
    assert graph.name == "small_resnet"
    assert sum(n.class_name == "Add" for n in graph.nodes) == 2
    assert set(graph.predecessors("block1_add")) == {"stem", "block1_bn2"}
