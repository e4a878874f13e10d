"""Command line: `pptx-nnviz deck MODEL -o deck.pptx`.

Heavy imports (TensorFlow, python-pptx) happen inside commands, so `--help` stays fast.
Errors the user can fix print one `Error:` line and exit 2 (bad input) or 1 (other);
`--debug` shows the traceback instead.
"""

from __future__ import annotations

import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .errors import InputError, NnvizError

MODEL_HELP = (
    "MODEL is a .keras or .h5 file, a Python file (file.py or file.py:NAME, NAME a model or a "
    "function returning one), a module reference package.module:NAME, or "
    "keras.applications.NAME (built with weights=None, offline)."
)


def _parse_shape(text: str | None) -> tuple[int | None, ...] | None:
    if text is None:
        return None
    try:
        return tuple(None if p.strip() in ("", "None", "?") else int(p) for p in text.split(","))
    except ValueError:
        raise InputError(f"--input-shape {text!r}: expected numbers like 28,28,1") from None


def _friendly_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Turn failures into one `Error:` line and an exit code, unless --debug is given."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except NnvizError as exc:
            if debug:
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Error: interrupted; no file was written", err=True)
            sys.exit(130)
        except Exception as exc:
            if debug:
                traceback.print_exc()
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {message} "
                "(run again with --debug for the traceback)",
                err=True,
            )
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pptx_nnviz")
def main() -> None:
    """Turn a Keras model into an editable PowerPoint deck of native shapes."""


@main.command(epilog=MODEL_HELP)
@click.argument("model")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The .pptx file to write (default: MODEL's name + .pptx in this folder).",
)
@click.option(
    "--direction",
    type=click.Choice(["TB", "LR", "auto"], case_sensitive=False),
    default="auto",
    show_default=True,
    help="Flow top-to-bottom or left-to-right; auto picks what fits best.",
)
@click.option("--theme", default="light", show_default=True, help="light, dark or print.")
@click.option(
    "--template",
    type=click.Path(path_type=Path),
    default=None,
    help="Your own .pptx template: its slide size, layouts, theme colours and fonts.",
)
@click.option("--expand-nested", is_flag=True, help="Draw nested models' layers in place.")
@click.option("--input-shape", default=None, help="Build an unbuilt model, e.g. 28,28,1.")
@click.option("--unsafe", is_flag=True, help="Let Keras run code stored in the model file.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_friendly_errors
def deck(
    model: str,
    output: Path | None,
    direction: str,
    theme: str,
    template: Path | None,
    expand_nested: bool,
    input_shape: str | None,
    unsafe: bool,
) -> None:
    """Write an editable PowerPoint deck of MODEL."""
    from .deck import build_deck
    from .keras_loader import load_model, to_graph
    from .theme import get_theme

    get_theme(theme)  # fail fast, before loading a model
    if output is None:
        output = Path(_default_name(model) + ".pptx")
    if output.suffix.lower() != ".pptx":
        raise InputError(f"{output}: the output must end in .pptx")
    keras_model = load_model(model, unsafe=unsafe, input_shape=_parse_shape(input_shape))
    graph = to_graph(keras_model, expand_nested=expand_nested)
    for warning in graph.warnings:
        click.echo(f"Warning: {warning}", err=True)
    path = build_deck(
        graph,
        output,
        theme=theme,
        template=template,
        direction=None if direction.lower() == "auto" else direction.upper(),
    )
    click.echo(f"Wrote {path} ({len(graph.nodes)} layers)")


def _default_name(model: str) -> str:
    base = model.split(":")[-1] if ":" in model and not model.endswith(".py") else model
    return Path(base.removeprefix("keras.applications.")).stem or "model"
