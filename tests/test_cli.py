"""The command line, through click's CliRunner and as a real subprocess."""

from __future__ import annotations

import subprocess
import sys

import models
import pytest
from click.testing import CliRunner
from pptx import Presentation

from pptx_nnviz.cli import main

EXAMPLE = str(models.EXAMPLES / "mnist_convnet.py")


@pytest.fixture
def runner():
    return CliRunner()


def test_deck_from_example(runner, tmp_path):
    out = tmp_path / "mnist.pptx"
    result = runner.invoke(main, ["deck", EXAMPLE, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output and "10 layers" in result.output
    assert len(Presentation(str(out)).slides) == 7  # one slide per view


def test_deck_direction_and_theme(runner, tmp_path):
    out = tmp_path / "lr.pptx"
    result = runner.invoke(
        main,
        [
            "deck",
            EXAMPLE,
            "-o",
            str(out),
            "--direction",
            "LR",
            "--theme",
            "dark",
            "--views",
            "architecture",
        ],
    )
    assert result.exit_code == 0, result.output
    slide = Presentation(str(out)).slides[0]
    layers = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text.count("\n") >= 1]
    by_role = {s.text_frame.text.split()[0]: s for s in reversed(layers)}  # what the box is
    assert by_role["Conv"].left > by_role["Input"].left  # flows left to right


def test_missing_model_is_a_one_line_error(runner, tmp_path):
    out = tmp_path / "x.pptx"
    result = runner.invoke(main, ["deck", str(tmp_path / "nope.keras"), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert "Traceback" not in result.output
    assert not out.exists()


def test_unknown_theme(runner, tmp_path):
    result = runner.invoke(
        main, ["deck", EXAMPLE, "-o", str(tmp_path / "x.pptx"), "--theme", "neon"]
    )
    assert result.exit_code == 2 and "unknown theme 'neon'" in result.output


def test_output_in_missing_folder_leaves_nothing(runner, tmp_path):
    result = runner.invoke(main, ["deck", EXAMPLE, "-o", str(tmp_path / "no" / "x.pptx")])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not (tmp_path / "no").exists()


def test_existing_output_is_replaced_only_when_complete(runner, tmp_path):
    out = tmp_path / "keep.pptx"
    out.write_bytes(b"precious")
    result = runner.invoke(main, ["deck", str(tmp_path / "broken.h5"), "-o", str(out)])
    assert result.exit_code == 2
    assert out.read_bytes() == b"precious"
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left behind


def test_help_does_not_import_tensorflow():
    code = (
        "import sys; from click.testing import CliRunner; from pptx_nnviz.cli import main;"
        "r = CliRunner().invoke(main, ['deck', '--help']); assert r.exit_code == 0, r.output;"
        "import pptx_nnviz;"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules;"
        "assert 'pptx' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_console_script_runs(tmp_path):
    out = tmp_path / "cli.pptx"
    done = subprocess.run(
        [sys.executable, "-m", "pptx_nnviz", "deck", EXAMPLE, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # TensorFlow's start-up chatter is kept off the terminal
    assert out.exists()
