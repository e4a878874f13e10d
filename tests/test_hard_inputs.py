"""Hard inputs (issue 6): every failure is one `Error:` line with the right exit code (2 bad
usage or input, 1 otherwise), no traceback unless --debug, and no output file written, changed
or left half-written; nothing from a model file is executed unless the user asks for it."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import textwrap
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import models
import pytest
from click.testing import CliRunner, Result
from deck_checks import all_shapes, check_deck
from openxml_audit import validate_pptx
from pptx import Presentation
from pptx.oxml.ns import qn

from pptx_nnviz import load_graph
from pptx_nnviz.cli import main
from pptx_nnviz.deck import build_deck, template_path
from pptx_nnviz.ir import Edge, Graph, Node
from pptx_nnviz.keras_loader import _keras, load_custom_objects
from pptx_nnviz.layout import Style, layout_graph
from pptx_nnviz.views import ViewOptions

EXAMPLE = str(models.EXAMPLES / "mnist_convnet.py")
ROOT = os.geteuid() == 0  # permissions do not stop root from writing


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def small_keras(tmp_path_factory) -> Path:
    """A real small model saved as .keras and .h5 (the tests cut and corrupt copies)."""
    keras = _keras()
    folder = tmp_path_factory.mktemp("saved")
    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(4, name="hidden"), keras.layers.Dense(2)],
        name="small",
    )
    model.save(folder / "small.keras")
    model.save(folder / "small.h5")
    return folder / "small.keras"


def write(path: Path, source: str) -> Path:
    path.write_text(textwrap.dedent(source))
    return path


def deck(runner: CliRunner, *args: str | Path) -> Result:
    return runner.invoke(main, ["deck", *map(str, args)])


def assert_error(
    result: Result, code: int, *phrases: str, out: Path | None = None, before: bytes | None = None
) -> str:
    """One `Error:` line on stderr, nothing on stdout, the exit code, the output untouched."""
    assert result.exit_code == code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    assert result.stdout == ""
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    if out is not None:
        if before is None:
            assert not out.exists()
        else:
            assert out.read_bytes() == before
        if out.parent.is_dir():
            assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    return lines[0]


def assert_deck_ok(path: Path, skip: tuple[str, ...] = ()) -> Presentation:
    """The deck opens, openxml-audit finds no error and the design invariants hold (on every
    slide but those whose title contains one of `skip`)."""
    result = validate_pptx(path)
    assert result.is_valid, [str(e) for e in result.errors[:5]]
    for report in check_deck(path):
        if not any(s in report.title for s in skip):
            assert report.problems == {}, f"slide {report.number}: {report.problems}"
    return Presentation(str(path))


# --------------------------------------------------------------------------- model sources


def test_missing_path(runner, out_dir):
    out = out_dir / "x.pptx"
    assert_error(deck(runner, out_dir / "nope.keras", "-o", out), 2, "does not exist", out=out)
    assert_error(deck(runner, out_dir / "nope.py", "-o", out), 2, "does not exist", out=out)
    assert_error(deck(runner, out_dir / "nope", "-o", out), 2, "does not exist", out=out)


@pytest.mark.parametrize("name", ["models", "models.keras", "models.py"])
def test_directory(runner, tmp_path, out_dir, name):
    (tmp_path / name).mkdir()
    out = out_dir / "x.pptx"
    assert_error(deck(runner, tmp_path / name, "-o", out), 2, "is a directory", out=out)


@pytest.mark.parametrize(
    "name, phrase",
    [
        ("empty.keras", "is empty"),
        ("empty.h5", "is empty"),
        ("empty.py", "expected exactly one model"),
    ],
)
def test_empty_file(runner, tmp_path, out_dir, name, phrase):
    (tmp_path / name).write_bytes(b"")
    out = out_dir / "x.pptx"
    assert_error(deck(runner, tmp_path / name, "-o", out), 2, phrase, out=out)


def test_unknown_extension(runner, tmp_path, out_dir):
    (tmp_path / "model.onnx").write_bytes(b"\x08\x07onnx")
    out = out_dir / "x.pptx"
    message = assert_error(deck(runner, tmp_path / "model.onnx", "-o", out), 2, out=out)
    assert "unknown file type '.onnx'" in message and ".keras, .h5 or .py" in message


def test_corrupt_keras_zip(runner, tmp_path, out_dir):
    (tmp_path / "bad.keras").write_bytes(b"PK\x03\x04" + b"garbage" * 50)
    out = out_dir / "x.pptx"
    assert_error(
        deck(runner, tmp_path / "bad.keras", "-o", out), 2, "not a .keras archive", "save", out=out
    )


def test_truncated_keras(runner, tmp_path, out_dir, small_keras):
    data = small_keras.read_bytes()
    for cut in (len(data) // 2, len(data) - 10):
        (tmp_path / "cut.keras").write_bytes(data[:cut])
        out = out_dir / "x.pptx"
        assert_error(deck(runner, tmp_path / "cut.keras", "-o", out), 2, "not a .keras", out=out)


def test_zip_that_is_not_a_keras_model(runner, tmp_path, out_dir):
    with zipfile.ZipFile(tmp_path / "other.keras", "w") as archive:
        archive.writestr("readme.txt", "not a model")
    out = out_dir / "x.pptx"
    assert_error(deck(runner, tmp_path / "other.keras", "-o", out), 2, "no config.json", out=out)


def test_corrupt_and_truncated_h5(runner, tmp_path, out_dir, small_keras):
    data = small_keras.with_suffix(".h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    (tmp_path / "bad.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"garbage" * 50)
    (tmp_path / "text.h5").write_text("just text")
    for name in ("cut.h5", "bad.h5", "text.h5"):
        out = out_dir / "x.pptx"
        message = assert_error(
            deck(runner, tmp_path / name, "-o", out), 2, "could not be loaded", out=out
        )
        assert "save the model again" in message


def test_saved_files_still_load(runner, out_dir, small_keras):
    for path in (small_keras, small_keras.with_suffix(".h5")):
        out = out_dir / f"{path.suffix[1:]}.pptx"
        result = deck(runner, path, "-o", out)
        assert result.exit_code == 0, result.output
        assert out.exists()


def test_python_file_with_syntax_error(runner, tmp_path, out_dir):
    path = write(tmp_path / "broken.py", "import keras\ndef build_model(:\n    pass\n")
    out = out_dir / "x.pptx"
    assert_error(deck(runner, path, "-o", out), 2, "broken.py:2: syntax error", out=out)


def test_python_file_that_raises(runner, tmp_path, out_dir):
    path = write(tmp_path / "raises.py", "raise ValueError('no data\\nsecond line')\n")
    out = out_dir / "x.pptx"
    message = assert_error(deck(runner, path, "-o", out), 2, "raised ValueError", out=out)
    assert "no data" in message and "second line" not in message


def test_python_file_that_exits(runner, tmp_path, out_dir):
    path = write(tmp_path / "script.py", "import sys\nsys.exit(3)\n")
    out = out_dir / "x.pptx"
    assert_error(deck(runner, path, "-o", out), 2, "exited", "__main__", out=out)


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    return write(
        tmp_path / "several.py",
        """
        import keras
        not_a_model = 42

        def build_model():
            return keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)], name="ok")

        def make_numbers():
            return [1, 2]

        def get_broken():
            raise RuntimeError("cannot build\\nmore")

        def build_with(units):
            return keras.Sequential([keras.Input((3,)), keras.layers.Dense(units)])
        """,
    )


@pytest.mark.parametrize(
    "name, phrases",
    [
        ("missing", ["has no name 'missing'", "build_model"]),
        ("not_a_model", ["is a int, not a Keras model", "keras.Model"]),
        ("make_numbers", ["returned a list, not a Keras model"]),
        ("get_broken", ["raised RuntimeError: cannot build", "--debug"]),
        ("build_with", ["needs arguments"]),
    ],
)
def test_python_file_name_that_is_not_a_model(runner, out_dir, model_file, name, phrases):
    out = out_dir / "x.pptx"
    assert_error(deck(runner, f"{model_file}:{name}", "-o", out), 2, *phrases, out=out)


def test_module_that_cannot_be_imported(runner, out_dir):
    out = out_dir / "x.pptx"
    assert_error(
        deck(runner, "no_such_package_xyz.models:build", "-o", out),
        2,
        "cannot import no_such_package_xyz.models",
        "ModuleNotFoundError",
        out=out,
    )
    assert_error(deck(runner, "keras.applications.NoSuchNet", "-o", out), 2, "no model", out=out)


# --------------------------------------------------------------------------- code in model files


def _lambda_model(path: Path, marker: Path) -> None:
    """Save a model whose Lambda layer touches `marker` whenever Keras runs its code."""
    keras = _keras()
    touch = eval(f"lambda t: (__import__('pathlib').Path({str(marker)!r}).touch(), t)[1]")
    inp = keras.Input((4,), name="x")
    out = keras.layers.Dense(2, name="head")(keras.layers.Lambda(touch, name="touch")(inp))
    keras.Model(inp, out, name="with_lambda").save(path)
    marker.unlink(missing_ok=True)  # building the model ran it once


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_lambda_is_refused_in_safe_mode_and_never_run(runner, tmp_path, out_dir, suffix):
    marker = tmp_path / "lambda_ran"
    path = tmp_path / f"lambda{suffix}"
    _lambda_model(path, marker)
    out = out_dir / "x.pptx"
    assert_error(
        deck(runner, path, "-o", out), 2, "Lambda", "--unsafe", "--custom-objects", out=out
    )
    assert not marker.exists(), "safe mode must not run the stored code"
    result = deck(runner, path, "-o", out, "--unsafe")
    assert result.exit_code == 0, result.output
    assert marker.exists(), "--unsafe runs it (the user asked for it)"
    assert out.exists()


CUSTOM_LAYERS = """
import keras

class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, x):
        return x * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@keras.saving.register_keras_serializable(package="hard_inputs")
def double_relu(x):
    return keras.ops.relu(x) * 2
"""


@pytest.fixture
def custom_model(tmp_path: Path) -> tuple[Path, Path]:
    """A .keras model with an unregistered custom layer class and a registered activation,
    and the .py file defining them."""
    keras = _keras()
    layers_file = write(tmp_path / "my_layers.py", CUSTOM_LAYERS)
    namespace: dict = {}
    exec(compile(layers_file.read_text(), str(layers_file), "exec"), namespace)
    inp = keras.Input((4,), name="x")
    x = namespace["Scale"](3.0, name="scale")(inp)
    x = keras.layers.Dense(2, activation=namespace["double_relu"], name="head")(x)
    path = tmp_path / "custom.keras"
    keras.Model(inp, x, name="custom").save(path)
    yield path, layers_file
    keras.saving.get_custom_objects().pop("hard_inputs>double_relu", None)


def test_custom_layer_needs_custom_objects(runner, out_dir, custom_model):
    path, layers_file = custom_model
    _keras().saving.get_custom_objects().pop("hard_inputs>double_relu", None)
    out = out_dir / "x.pptx"
    assert_error(deck(runner, path, "-o", out), 2, "'Scale'", "--custom-objects", out=out)
    result = deck(runner, path, "-o", out, "--custom-objects", layers_file)
    assert result.exit_code == 0, result.output
    prs = Presentation(str(out))
    alts = [
        s._element.find(".//" + qn("p:cNvPr")).get("descr") or ""
        for slide in prs.slides
        for s in slide.shapes
        if s.name == "scale"
    ]
    assert any("Scale (other)" in a for a in alts)  # drawn in the "other" category
    graph = load_graph(str(path), custom_objects=load_custom_objects(layers_file))  # the API
    assert graph.node("scale").category == "other"
    assert graph.node("head").hyperparam("activation") == "hard_inputs>double_relu"


def test_custom_objects_dict_and_bad_files(runner, tmp_path, out_dir, custom_model):
    path, _ = custom_model
    out = out_dir / "x.pptx"
    dict_file = write(
        tmp_path / "objects.py",
        CUSTOM_LAYERS.replace("class Scale", "class _Hidden")
        + "\nCUSTOM_OBJECTS = {'Scale': _Hidden}\n",
    )
    result = deck(runner, path, "-o", out, "--custom-objects", dict_file)
    assert result.exit_code == 0, result.output
    out.unlink()
    empty = write(tmp_path / "nothing.py", "X = 1\n")
    assert_error(deck(runner, path, "-o", out, "--custom-objects", empty), 2, "defines no", out=out)
    assert_error(
        deck(runner, path, "-o", out, "--custom-objects", tmp_path / "nope.py"),
        2,
        "does not exist",
        out=out,
    )
    assert_error(
        deck(runner, path, "-o", out, "--custom-objects", tmp_path / "layers.txt"),
        2,
        "expected a .py file",
        out=out,
    )


# --------------------------------------------------------------------------- model kinds


def test_unbuilt_model_says_how_to_build_it(runner, tmp_path, out_dir):
    path = write(
        tmp_path / "unbuilt.py",
        """
        import keras
        model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(2)], name="lazy")
        """,
    )
    out = out_dir / "x.pptx"
    assert_error(deck(runner, path, "-o", out), 2, "not built", "--input-shape", out=out)
    assert_error(deck(runner, path, "-o", out, "--input-shape", "4,x"), 2, "--input-shape", out=out)
    result = deck(runner, path, "-o", out, "--input-shape", "5")
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.stdout and out.exists()


def test_built_subclassed_model_is_one_box_with_a_warning(runner, tmp_path, out_dir):
    path = write(
        tmp_path / "subclassed.py",
        """
        import keras
        import numpy as np

        class TinyNet(keras.Model):
            def __init__(self):
                super().__init__(name="tiny_net")
                self.hidden = keras.layers.Dense(5)
                self.out = keras.layers.Dense(2)

            def call(self, x):
                if float(keras.ops.sum(x)) > 1e9:  # decides on values: cannot be traced
                    x = -x
                return self.out(self.hidden(x))

        def build_model():
            model = TinyNet()
            model(np.zeros((1, 3), dtype="float32"))
            return model
        """,
    )
    out = out_dir / "x.pptx"
    result = deck(runner, path, "-o", out)
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Warning: ") and "drawn as one box" in result.stderr
    assert "(1 layers)" in result.stdout
    assert_deck_ok(out)


def test_unknown_layer_classes_are_drawn_as_other(tmp_path):
    path = write(
        tmp_path / "custom_layers.py",
        """
        import keras

        class Mystery(keras.layers.Layer):
            def call(self, x):
                return x * 2

        class MyDense(keras.layers.Dense):
            pass

        def build_model():
            inp = keras.Input((4,), name="x")
            a = Mystery(name="mystery")(inp)
            b = MyDense(3, name="my_dense")(a)
            return keras.Model(inp, keras.layers.Dense(1, name="out")(b), name="customs")
        """,
    )
    graph = load_graph(str(path))
    categories = {n.id: (n.class_name, n.category) for n in graph.nodes}
    assert categories["mystery"] == ("Mystery", "other")
    assert categories["my_dense"] == ("MyDense", "dense")  # known base class


# --------------------------------------------------------------------------- names

HARD_NAMES = {
    "control": "ctrl\x07bell\x00nul\x1besc",
    "carriage": "line\rbreak\r\nhere",
    "nonchar": "non\ufffechar\uffff",
    "emoji": "🧠 brain 😀",
    "arabic": "طبقة_كثيفة",
    "hebrew": "שכבה_צפופה",
    "markup": 'a&b<c>"d"',
    "long": "very_long_layer_name_" + "x" * 279,
}


def _check_names_deck(path: Path, full_names: list[str]) -> None:
    # The summary table with a 300-character name: see test_summary_totals_fit_beside_long_names
    prs = assert_deck_ok(path, skip=(": summary",))
    texts, alts, notes = [], [], []
    for slide in prs.slides:
        notes.append(slide.notes_slide.notes_text_frame.text if slide.has_notes_slide else "")
        for shape in slide.shapes:
            alts.append(shape._element.find(".//" + qn("p:cNvPr")).get("descr") or "")
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
    everything = "\n".join(texts + alts + notes + [prs.core_properties.title])
    for bad in ("\x07", "\x00", "\x1b", "\r", "\ufffe", "\uffff", "_x000D_", "_x0007_"):
        assert bad not in everything
    long_name = next(n for n in full_names if len(n) >= 300)
    assert not any(long_name in t for t in texts), "the slide shows a shortened name"
    assert any(t.startswith(long_name[:20]) and "…" in t for t in texts)
    for name in full_names:
        assert any(name in a for a in alts), f"{name!r} missing from the alt text"
        assert any(name in n for n in notes), f"{name!r} missing from the notes"
    for slide in prs.slides:
        title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""
        assert len(title) < 120, "a long model name is shortened in titles"


def test_hard_names_through_keras_and_the_cli(runner, tmp_path, out_dir):
    path = write(
        tmp_path / "names.py",
        f"""
        import keras
        NAMES = {list(HARD_NAMES.values())!r}

        def build_model():
            x = inp = keras.Input((4,), name="input")
            for name in NAMES:
                x = keras.layers.Dense(4, name=name)(x)
            return keras.Model(inp, x, name="model\\r\\x07" + "m" * 300)
        """,
    )
    out = out_dir / "names.pptx"
    result = deck(runner, path, "-o", out)
    assert result.exit_code == 0, result.output
    expected = [
        "ctrlbellnulesc",
        "line break here",
        "nonchar",
        *list(HARD_NAMES.values())[3:],
    ]
    _check_names_deck(out, expected)
    assert Presentation(str(out)).core_properties.title.startswith("model mmm")


def test_summary_totals_fit_beside_long_names(tmp_path):
    graph = _chain_graph(3)
    long_name = replace(graph.nodes[1], name="n" * 300)
    graph = replace(graph, nodes=(graph.nodes[0], long_name, graph.nodes[2]))
    path = build_deck(graph, tmp_path / "summary.pptx", views=["summary"])
    for report in check_deck(path):
        assert report.problems == {}, f"slide {report.number}: {report.problems}"


def test_hard_names_in_a_graph_built_by_hand(tmp_path):
    """Keras refuses lone surrogates; a graph made directly may hold anything, and names that
    clash once sanitised still give distinct boxes."""
    names = ["in", *HARD_NAMES.values(), "lone\ud800surrogate\udfff", "ab", "a\x00b"]
    nodes = tuple(
        Node(
            id=name,
            name=name,
            class_name="Dense\x01" if i else "InputLayer",
            category="dense" if i else "input",
            output_shapes=((None, 4),),
            trainable_params=20,
            hyperparams=(("units", f"{i}\x02"),),  # settings apart: no run folds into × N
        )
        for i, name in enumerate(names)
    )
    edges = tuple(Edge(a.id, b.id, (None, 4)) for a, b in zip(nodes, nodes[1:]))
    graph = Graph("hand\ud83d" + "g" * 300, nodes, edges, (nodes[0].id,), (nodes[-1].id,))
    path = build_deck(graph, tmp_path / "hand.pptx")
    _check_names_deck(path, ["lone\ufffdsurrogate\ufffd", HARD_NAMES["long"], "طبقة_كثيفة"])
    shape_names = [s.name for slide in Presentation(str(path)).slides for s in slide.shapes]
    assert "ab" in shape_names and "ab~2" in shape_names


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    "body, layers",
    [
        ("inp = keras.Input((3,), name='only')\n    return keras.Model(inp, inp, name='one')", 1),
        (
            "inp = keras.Input((3,), name='x')\n"
            "    return keras.Model(inp, keras.layers.Dense(2, name='d')(inp), name='two')",
            2,
        ),
    ],
)
def test_tiny_models(runner, tmp_path, out_dir, body, layers):
    path = write(tmp_path / "tiny.py", f"import keras\ndef build_model():\n    {body}\n")
    out = out_dir / "tiny.pptx"
    result = deck(runner, path, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"({layers} layers)" in result.stdout
    assert_deck_ok(out)


def test_layer_shared_fifty_times(runner, tmp_path, out_dir):
    path = write(
        tmp_path / "shared.py",
        """
        import keras

        def build_model():
            inp = keras.Input((8,), name="x")
            shared = keras.layers.Dense(8, name="shared")
            y = inp
            for _ in range(50):
                y = shared(y)
            return keras.Model(inp, y, name="shared_50")
        """,
    )
    graph = load_graph(str(path))
    assert len(graph.nodes) == 51
    assert sum(1 for n in graph.nodes if n.shared_with == "shared") == 49
    assert graph.total_params == 8 * 8 + 8  # counted once
    out = out_dir / "shared.pptx"
    result = deck(runner, path, "-o", out)
    assert result.exit_code == 0, result.output
    prs = assert_deck_ok(out)
    boxes = [
        s.text_frame.text
        for slide in prs.slides
        if ": architecture" in slide.shapes.title.text_frame.text
        for s in slide.shapes
        if s.name == "shared"
    ]
    assert boxes == ["shared\nDense 8 × 50\n8 · 72 params"]  # one box: the layer, 50 calls


def _chain_graph(n: int) -> Graph:
    nodes = [Node("input", "input", "InputLayer", "input", output_shapes=((None, 32),))]
    nodes += [
        Node(
            f"dense_{i}",
            f"dense_{i}",
            "Dense",
            "dense",
            output_shapes=((None, 32),),
            trainable_params=1056,
            hyperparams=(("units", "32"),),
        )
        for i in range(n - 1)
    ]
    edges = tuple(Edge(a.id, b.id, (None, 32)) for a, b in zip(nodes, nodes[1:]))
    return Graph(f"chain_{n}", tuple(nodes), edges, ("input",), (nodes[-1].id,))


@pytest.mark.slow
def test_ten_thousand_layers_paginate(tmp_path):
    """10,000 layers drawn one box each (no folding into blocks): the architecture view
    paginates every layer exactly once (`python benchmarks/bench.py` prints how long it
    takes)."""
    graph = _chain_graph(10_000)
    path = build_deck(
        graph,
        tmp_path / "big.pptx",
        views=["architecture"],
        options=ViewOptions(collapse="none"),
    )
    prs = Presentation(str(path))
    assert len(prs.slides) > 50
    boxes = Counter(
        s.name for slide in prs.slides for s in all_shapes(slide.shapes) if s.name in graph.by_id
    )
    assert len(boxes) == 10_000 and set(boxes.values()) == {1}, "every layer drawn once"


@pytest.mark.slow
def test_ten_thousand_layers_whole_deck(tmp_path):
    """The default deck of a 10,000-layer model folds the repeats into blocks: a handful of
    slides, not one per 150 layers (`python benchmarks/bench.py` prints how long it takes)."""
    path = build_deck(_chain_graph(10_000), tmp_path / "big.pptx")
    assert 5 <= len(Presentation(str(path)).slides) < 60


def layout_calls(n: int) -> int:
    """The work of laying out an n-layer chain: the Python and builtin function calls it
    makes (the same on every machine, however loaded)."""
    ids = [f"n{i}" for i in range(n)]
    count = 0

    def size(node_id: str, style: Style) -> tuple[float, float]:
        return (8 * style.font, 3 * 1.22 * style.font + 8)

    def profile(frame, event: str, arg) -> None:
        nonlocal count
        count += event in ("call", "c_call")

    sys.setprofile(profile)
    try:
        layout_graph(ids, list(zip(ids, ids[1:])), size, (900.0, 420.0), direction="TB")
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.slow
def test_layout_work_grows_about_linearly():
    """No quadratic blow-up: 4x the layers makes about 4x the calls (16x if quadratic)."""
    small, large = layout_calls(1000), layout_calls(4000)
    assert large < 6 * small, f"1000 layers {small} calls, 4000 layers {large} calls"


# --------------------------------------------------------------------------- output


def test_output_in_missing_folder(runner, out_dir):
    out = out_dir / "missing" / "x.pptx"
    assert_error(deck(runner, EXAMPLE, "-o", out), 1, "does not exist", "create it", out=out)
    assert not out.parent.exists()


def test_output_under_a_regular_file(runner, out_dir):
    (out_dir / "file").write_text("x")
    out = out_dir / "file" / "x.pptx"
    assert_error(deck(runner, EXAMPLE, "-o", out), 1, "is a file, not a folder")
    assert (out_dir / "file").read_text() == "x"


@pytest.mark.skipif(ROOT, reason="root writes into read-only folders")
def test_output_in_read_only_folder(runner, out_dir):
    out_dir.chmod(0o555)
    try:
        out = out_dir / "x.pptx"
        assert_error(deck(runner, EXAMPLE, "-o", out), 1, "cannot write in", out=out)
    finally:
        out_dir.chmod(0o755)


@pytest.mark.skipif(ROOT, reason="root may replace read-only files")
def test_read_only_output_file_is_not_replaced(runner, out_dir):
    out = out_dir / "old.pptx"
    out.write_bytes(b"old deck")
    out.chmod(0o444)
    assert_error(deck(runner, EXAMPLE, "-o", out), 1, "read-only", out=out, before=b"old deck")


def test_output_is_a_directory(runner, out_dir):
    (out_dir / "deck.pptx").mkdir()
    result = deck(runner, EXAMPLE, "-o", out_dir / "deck.pptx")
    assert_error(result, 2, "is a directory", "--help")
    assert (out_dir / "deck.pptx").is_dir()


def test_output_must_be_pptx(runner, out_dir):
    out = out_dir / "deck.ppt"
    assert_error(deck(runner, EXAMPLE, "-o", out), 2, "must end in .pptx", out=out)


def test_existing_output_survives_a_failed_load(runner, tmp_path, out_dir):
    out = out_dir / "keep.pptx"
    out.write_bytes(b"precious")
    (tmp_path / "bad.keras").write_bytes(b"garbage")
    assert_error(deck(runner, tmp_path / "bad.keras", "-o", out), 2, out=out, before=b"precious")


def test_existing_output_survives_a_failed_save(runner, out_dir, monkeypatch):
    """A save that dies half-way (disk full) leaves the old file and no temporary file."""
    from pptx.presentation import Presentation as PresentationClass

    def broken_save(self, stream):
        stream.write(b"PK\x03\x04 half a deck")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PresentationClass, "save", broken_save)
    out = out_dir / "keep.pptx"
    out.write_bytes(b"precious")
    assert_error(deck(runner, EXAMPLE, "-o", out), 1, "No space left", out=out, before=b"precious")
    assert [p.name for p in out_dir.iterdir()] == ["keep.pptx"]


def test_locked_output(runner, out_dir, monkeypatch):
    """Linux has no mandatory locks; on Windows a deck open in PowerPoint refuses to be
    replaced (PermissionError from the rename), which is what we simulate: the message says
    so, the old file is untouched and the temporary file is removed."""

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr("pptx_nnviz.deck.os.replace", refuse)
    out = out_dir / "open.pptx"
    out.write_bytes(b"open in PowerPoint")
    assert_error(
        deck(runner, EXAMPLE, "-o", out),
        1,
        "open in PowerPoint",
        out=out,
        before=b"open in PowerPoint",
    )
    assert [p.name for p in out_dir.iterdir()] == ["open.pptx"]


def test_existing_output_is_replaced_when_complete(runner, out_dir):
    out = out_dir / "deck.pptx"
    out.write_bytes(b"old")
    out.chmod(0o640)
    result = deck(runner, EXAMPLE, "-o", out)
    assert result.exit_code == 0, result.output
    assert out.read_bytes() != b"old" and len(Presentation(str(out)).slides) >= 1
    assert stat.S_IMODE(out.stat().st_mode) == 0o640  # the old file's permissions are kept
    assert [p.name for p in out_dir.iterdir()] == ["deck.pptx"]


def test_new_output_gets_normal_permissions(runner, out_dir):
    old = os.umask(0o022)
    try:
        result = deck(runner, EXAMPLE, "-o", out_dir / "new.pptx")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((out_dir / "new.pptx").stat().st_mode) == 0o644  # not mkstemp's 0600


# --------------------------------------------------------------------------- templates


def _office_zip(path: Path, kind: str) -> Path:
    """A minimal Word or Excel package (python-docx/openpyxl are not needed to make one)."""
    part, content_type = {
        "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
        "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    }[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-'
        f'officedocument.{content_type}"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        f'Target="{part}"/></Relationships>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr(part, "<root/>")
    return path


def _without_title_layouts(path: Path) -> Path:
    """Our template with every title placeholder removed from its layouts."""
    prs = Presentation(str(template_path("light")))
    for layout in prs.slide_layouts:
        for placeholder in list(layout.placeholders):
            if placeholder.placeholder_format.type in (1, 3):  # TITLE, CENTER_TITLE
                placeholder._element.getparent().remove(placeholder._element)
    prs.save(str(path))
    return path


def _template_cases(folder: Path) -> dict[str, tuple[Path, str]]:
    good = template_path("light").read_bytes()
    (folder / "garbage.pptx").write_bytes(b"not a zip at all")
    (folder / "cut.pptx").write_bytes(good[: len(good) // 2])
    (folder / "notes.txt").write_text("a text file")
    shutil.copy(_office_zip(folder / "real.docx", "docx"), folder / "word.pptx")
    _office_zip(folder / "sheet.pptx", "xlsx")
    return {
        "missing": (folder / "missing.pptx", "does not exist"),
        "corrupt": (folder / "garbage.pptx", "not a PowerPoint file"),
        "truncated": (folder / "cut.pptx", "not a PowerPoint file"),
        "text": (folder / "notes.txt", "not a .pptx or .potx file"),
        "docx": (folder / "real.docx", "not a .pptx or .potx file"),
        "word": (folder / "word.pptx", "is a Word document"),
        "excel": (folder / "sheet.pptx", "is an Excel workbook"),
        "folder": (folder, "is a directory"),
        "no title": (_without_title_layouts(folder / "plain.pptx"), "no slide layout with a title"),
    }


@pytest.mark.parametrize(
    "case",
    ["missing", "corrupt", "truncated", "text", "docx", "word", "excel", "folder", "no title"],
)
def test_bad_template(runner, tmp_path, out_dir, case):
    folder = tmp_path / "templates"
    folder.mkdir()
    template, phrase = _template_cases(folder)[case]
    out = out_dir / "x.pptx"
    message = assert_error(
        deck(runner, EXAMPLE, "-o", out, "--template", template), 2, phrase, out=out
    )
    assert "--template" in message or "Slide Master" in message


def test_potx_template_is_accepted(runner, tmp_path, out_dir):
    potx = tmp_path / "mine.potx"
    with (
        zipfile.ZipFile(template_path("light")) as source,
        zipfile.ZipFile(potx, "w") as target,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"presentationml.presentation.main+xml", b"presentationml.template.main+xml"
                )
            target.writestr(item, data)
    out = out_dir / "x.pptx"
    result = deck(runner, EXAMPLE, "-o", out, "--template", potx)
    assert result.exit_code == 0, result.output
    assert_deck_ok(out)


# --------------------------------------------------------------------------- errors in general


def test_debug_shows_the_traceback(runner, tmp_path, out_dir):
    path = write(tmp_path / "raises.py", "raise ValueError('boom')\n")
    result = deck(runner, path, "-o", out_dir / "x.pptx", "--debug")
    assert result.exit_code == 2
    assert "Traceback (most recent call last)" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("Error: ")


@pytest.mark.parametrize(
    "args, phrase",
    [
        (["deck"], "Missing argument 'MODEL'"),
        (["deck", EXAMPLE, "--direction", "up"], "'up' is not one of"),
        (["deck", EXAMPLE, "--no-such-option"], "No such option"),
        (["draw", EXAMPLE], "No such command 'draw'"),
    ],
)
def test_usage_errors_are_one_line(runner, args, phrase):
    assert_error(runner.invoke(main, args), 2, phrase, "--help")


def test_unexpected_failure_is_one_line(runner, out_dir, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("something odd\nwith details")

    monkeypatch.setattr("pptx_nnviz.deck.save_atomically", explode)
    out = out_dir / "x.pptx"
    assert_error(
        deck(runner, EXAMPLE, "-o", out), 1, "unexpected RuntimeError: something odd", "--debug"
    )
    assert not out.exists()


def test_colon_in_a_model_file_name(runner, tmp_path, small_keras):
    """A file whose name holds a colon is a file, not `file:NAME`."""
    model_path = tmp_path / "run:3.keras"
    model_path.write_bytes(Path(small_keras).read_bytes())
    out = tmp_path / "colon.pptx"
    result = runner.invoke(main, ["deck", str(model_path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists()


def test_symlinked_output_stays_a_link(runner, tmp_path):
    target = tmp_path / "real.pptx"
    target.write_bytes(b"old")
    link = tmp_path / "link.pptx"
    link.symlink_to(target)
    result = runner.invoke(main, ["deck", EXAMPLE, "-o", str(link), "--views", "architecture"])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and Presentation(str(target)).slides
