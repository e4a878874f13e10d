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

from . import progress
from .errors import InputError, NnvizError

# The view names, spelled out here so `--help` does not import the views' code.
VIEW_NAMES = ("title", "architecture", "summary", "params", "graph", "layered", "neurons")

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
    def wrapper(*args: Any, debug: bool = False, quiet: bool = False, **kwargs: Any) -> None:
        status = progress.Status.for_terminal(quiet)
        progress.use(status)
        try:
            command(*args, **kwargs)
        except NnvizError as exc:
            status.close()
            if debug:
                traceback.print_exc()
            click.echo(f"Error: {_one_line(str(exc))}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            status.close()
            click.echo("Error: interrupted; no file was written", err=True)
            sys.exit(130)
        except Exception as exc:
            status.close()
            if debug:
                traceback.print_exc()
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            click.echo(
                f"Error: unexpected {type(exc).__name__}: {_one_line(message)} "
                "(run again with --debug for the traceback)",
                err=True,
            )
            sys.exit(1)
        finally:
            status.close()

    return wrapper


def _one_line(text: str, limit: int = 600) -> str:
    """`text` on one line (a terminal shows one `Error:` line), cut to `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _OneLineErrors(click.Group):
    """A group whose usage errors (bad option, missing argument) print one `Error:` line too,
    with where to find help, instead of click's usage block."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            result = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as exc:  # no command given: show the help
            exc.show()
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            where = exc.ctx.command_path if exc.ctx is not None else "pptx-nnviz"
            click.echo(f"Error: {_one_line(exc.format_message())} (see {where} --help)", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"Error: {_one_line(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Error: aborted; no file was written", err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)


def _model_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every command that loads a model takes."""
    for option in reversed(
        [
            click.option("--expand-nested", is_flag=True, help="Draw nested models in place."),
            click.option(
                "--show-ops",
                is_flag=True,
                help="Draw every recorded operation: the mask ops Keras adds (NotEqual, Any...) "
                "and the plumbing the architecture folds (padding, casts, reshapes, dropout 0).",
            ),
            click.option("--input-shape", default=None, help="Build an unbuilt model: 28,28,1."),
            click.option("--unsafe", is_flag=True, help="Let Keras run code stored in the file."),
            click.option(
                "--custom-objects",
                type=click.Path(path_type=Path),
                default=None,
                metavar="FILE.py",
                help=(
                    "A Python file defining the custom layers the model uses (imported): for a "
                    "saved model, and for what a .py source or module loads."
                ),
            ),
        ]
    ):
        command = option(command)
    return command


def _look_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options of every drawing command: direction and theme."""
    command = click.option(
        "--theme", default="light", show_default=True, help="light, dark or print."
    )(command)
    return click.option(
        "--direction",
        type=click.Choice(["TB", "LR", "auto"], case_sensitive=False),
        default="auto",
        show_default=True,
        help="Flow top-to-bottom or left-to-right; auto picks what fits best.",
    )(command)


def _output_option(text: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """-o/--output FILE, with what it writes and its default."""
    return click.option(
        "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help=text
    )


def _template_option(command: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--template",
        type=click.Path(path_type=Path),
        default=None,
        help="Your own .pptx template: its slide size, layouts, theme colours and fonts.",
    )(command)


def _fold_options(command: Callable[..., None]) -> Callable[..., None]:
    """--collapse and --depth: blocks and drill-down levels of big models."""
    command = click.option(
        "--depth",
        type=click.IntRange(1, 9),
        default=2,
        show_default=True,
        help="Architecture levels: 1 the overview only, 2 with a slide per block, 3 deeper.",
    )(command)
    return click.option(
        "--collapse",
        type=click.Choice(["auto", "none", "all"]),
        default="auto",
        show_default=True,
        help="Fold the model into blocks with drill-down slides (auto: above 80 layers).",
    )(command)


def _load_graph(
    model: str,
    *,
    expand_nested: bool,
    show_ops: bool,
    input_shape: str | None,
    unsafe: bool,
    custom_objects: Path | None,
) -> Any:
    """Load MODEL as the command line asks and walk it into a graph; print its warnings."""
    from .keras_loader import load_custom_objects, load_model, to_graph

    status = progress.current()
    status.say(f"loading {model} (TensorFlow and Keras first)")
    objects = load_custom_objects(custom_objects) if custom_objects is not None else None
    keras_model = load_model(
        model, unsafe=unsafe, custom_objects=objects, input_shape=_parse_shape(input_shape)
    )
    status.say(f"reading the {len(keras_model.layers):,} layers of {keras_model.name}")
    graph = to_graph(keras_model, expand_nested=expand_nested, show_ops=show_ops)
    status.say(f"read {len(graph.nodes):,} layers")
    for warning in graph.warnings:
        click.echo(f"Warning: {warning}", err=True)
    return graph


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pptx_nnviz")
def main() -> None:
    """Turn a Keras model into an editable PowerPoint deck of native shapes."""


@main.command(epilog=MODEL_HELP)
@click.argument("model")
@_output_option("The .pptx file to write (default: MODEL's name + .pptx in this folder).")
@_look_options
@_template_option
@click.option(
    "--views",
    default=None,
    help="Comma-separated views, in order (default: all): " + ", ".join(VIEW_NAMES) + ".",
)
@click.option(
    "--hide",
    default="",
    help="Layer categories the layered view leaves out, e.g. dropout,activation.",
)
@click.option(
    "--scale",
    type=click.Choice(["log", "linear"]),
    default="log",
    show_default=True,
    help="How the layered view sizes blocks from tensor shapes.",
)
@click.option("--funnels", is_flag=True, help="Join the layered view's blocks with funnels.")
@_fold_options
@click.option(
    "--summary",
    "summary_mode",
    type=click.Choice(["blocks", "full"]),
    default="blocks",
    show_default=True,
    help="The summary of a folded model: a table of blocks (their layers in an appendix at "
    "the end), or every layer.",
)
@click.option(
    "--build",
    type=click.Choice(["none", "layers", "blocks"]),
    default="none",
    show_default=True,
    help="Reveal the architecture slides click by click in a slide show: one click per rank "
    "of layers, or per block.",
)
@_model_options
@click.option("--pdf", is_flag=True, help="Also write the deck as PDF (needs LibreOffice).")
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_friendly_errors
def deck(
    model: str,
    output: Path | None,
    direction: str,
    theme: str,
    template: Path | None,
    views: str | None,
    hide: str,
    scale: str,
    funnels: bool,
    collapse: str,
    depth: int,
    summary_mode: str,
    build: str,
    expand_nested: bool,
    show_ops: bool,
    input_shape: str | None,
    unsafe: bool,
    custom_objects: Path | None,
    pdf: bool = False,
) -> None:
    """Write an editable PowerPoint deck of MODEL."""
    from .deck import build_deck, check_template
    from .theme import get_theme
    from .views import ViewOptions, parse_categories, parse_views

    get_theme(theme)  # fail fast, before loading a model
    if template is not None:
        check_template(template, get_theme(theme))
    chosen_views = parse_views(views)
    options = ViewOptions(
        direction=None if direction.lower() == "auto" else direction.upper(),
        hide=parse_categories(hide),
        scale=scale,
        funnels=funnels,
        collapse=collapse,
        depth=depth,
        summary=summary_mode,
        build=build,
        show_ops=show_ops,
    )
    if output is None:
        output = Path(_default_name(model) + ".pptx")
    if output.suffix.lower() != ".pptx":
        raise InputError(f"{output}: the output must end in .pptx")
    graph = _load_graph(
        model,
        expand_nested=expand_nested,
        show_ops=show_ops,
        input_shape=input_shape,
        unsafe=unsafe,
        custom_objects=custom_objects,
    )
    path = build_deck(
        graph,
        output,
        theme=theme,
        template=template,
        views=chosen_views,
        options=options,
        progress=progress.current().say,
    )
    progress.current().close()
    click.echo(f"Wrote {path} ({len(graph.nodes)} layers)")
    if pdf:
        from .pdf_export import convert_to_pdf

        click.echo(f"Wrote {convert_to_pdf(path)}")


def _default_name(model: str) -> str:
    base = model.split(":")[-1] if ":" in model and not model.endswith(".py") else model
    return Path(base.removeprefix("keras.applications.")).stem or "model"


@main.command(epilog=MODEL_HELP)
@click.argument("model")
@_output_option("The .svg, .pdf or .png file to write (default: MODEL's name + _VIEW.pdf).")
@click.option(
    "--view",
    default="architecture",
    show_default=True,
    help="Which view to draw, named as in the deck (architecture, summary, params...).",
)
@_look_options
@click.option(
    "--width",
    default=None,
    help="The printed width, e.g. 8.5cm or 3.3in: the architecture is laid out again for it "
    "with text of 8 to 6 pt (other views are scaled); too narrow a width fails, naming the "
    "smallest that works.",
)
@click.option(
    "--font-size",
    type=float,
    default=None,
    help="The architecture's text size in points at the printed size (4 to 36).",
)
@click.option(
    "--dpi",
    type=click.FloatRange(min=1, max=2400),
    default=200,
    show_default=True,
    help="Pixels per inch of a .png.",
)
@click.option(
    "--page",
    type=click.IntRange(min=1),
    default=None,
    help="Only this page of a view that spans several slides (default: all, stacked).",
)
@_model_options
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_friendly_errors
def figure(
    model: str,
    output: Path | None,
    view: str,
    direction: str,
    theme: str,
    width: str | None,
    font_size: float | None,
    dpi: float,
    page: int | None,
    expand_nested: bool,
    show_ops: bool,
    input_shape: str | None,
    unsafe: bool,
    custom_objects: Path | None,
) -> None:
    """Write a view of MODEL as a figure for a paper (.svg, .pdf) or a page (.png)."""
    from .figures import figure as write_figure
    from .figures import figure_format, parse_font_size, parse_width
    from .theme import get_theme

    view = view.strip().lower()
    if output is None:
        output = Path(f"{_default_name(model)}_{view}.pdf")
    figure_format(output)  # fail fast, before loading a model
    get_theme(theme)
    parse_width(width)
    parse_font_size(font_size)
    graph = _load_graph(
        model,
        expand_nested=expand_nested,
        show_ops=show_ops,
        input_shape=input_shape,
        unsafe=unsafe,
        custom_objects=custom_objects,
    )
    progress.current().say(f"drawing the {view} view of {len(graph.nodes):,} layers")
    path = write_figure(
        graph,
        output,
        view,
        theme=theme,
        direction=None if direction.lower() == "auto" else direction.upper(),
        width=width,
        dpi=dpi,
        page=page,
        font_size=font_size,
        show_ops=show_ops,
    )
    progress.current().close()
    click.echo(f"Wrote {path} ({view} view of {len(graph.nodes)} layers)")


@main.command(epilog=MODEL_HELP)
@click.argument("model")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "csv", "json"]),
    default="text",
    show_default=True,
    help="How to print the table.",
)
@click.option(
    "--diff",
    "old",
    default=None,
    metavar="OLD",
    help="Print what changed from OLD (an earlier version, any MODEL form) to MODEL instead: "
    "layers added, removed and changed, with their parameters.",
)
@_model_options
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_friendly_errors
def summary(model: str, fmt: str, old: str | None, **loading: Any) -> None:
    """Print MODEL's summary table: layer (type), output shape, params, connected to.

    `summary --diff OLD NEW` prints the changes from OLD to NEW."""
    from .views.summary import summary_text

    if old is None:
        click.echo(summary_text(_load_graph(model, **loading), fmt))
        return
    from .diff import diff_graphs, diff_text

    before = _load_graph(old, **loading)
    click.echo(diff_text(diff_graphs(before, _load_graph(model, **loading)), fmt))


@main.command(epilog=MODEL_HELP)
@click.argument("old")
@click.argument("new")
@_output_option("The .pptx file to write (default: NEW's name + _diff.pptx in this folder).")
@_look_options
@_template_option
@_fold_options
@_model_options
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_friendly_errors
def diff(
    old: str,
    new: str,
    output: Path | None,
    direction: str,
    theme: str,
    template: Path | None,
    collapse: str,
    depth: int,
    **loading: Any,
) -> None:
    """Write a deck of what changed from OLD to NEW: NEW's architecture with the added,
    changed and removed layers marked, and a table of the parameter changes."""
    from .deck import build_diff_deck, check_template
    from .theme import get_theme
    from .views import ViewOptions

    get_theme(theme)
    if template is not None:
        check_template(template, get_theme(theme))
    output = output or Path(_default_name(new) + "_diff.pptx")
    if output.suffix.lower() != ".pptx":
        raise InputError(f"{output}: the output must end in .pptx")
    before = _load_graph(old, **loading)
    after = _load_graph(new, **loading)
    options = ViewOptions(
        direction=None if direction.lower() == "auto" else direction.upper(),
        collapse=collapse,
        depth=depth,
        show_ops=loading.get("show_ops", False),
    )
    path = build_diff_deck(
        before,
        after,
        output,
        theme=theme,
        template=template,
        options=options,
        progress=progress.current().say,
    )
    progress.current().close()
    from .diff import diff_graphs

    click.echo(f"Wrote {path} ({diff_graphs(before, after).counts()})")


@main.command(epilog=MODEL_HELP)
@click.argument("deck_path", metavar="DECK", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("model")
@_output_option("Write the updated deck here (default: replace DECK, keeping DECK.backup.pptx).")
@click.option(
    "--changes-slide",
    is_flag=True,
    help="Add a slide after the title saying what changed (the whole report in its notes).",
)
@_model_options
@click.option("-q", "--quiet", is_flag=True, help="No progress line on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@_friendly_errors
def update(
    deck_path: Path, model: str, output: Path | None, changes_slide: bool, **loading: Any
) -> None:
    """Regenerate DECK (made by pptx-nnviz deck) for MODEL, a new version of its model,
    keeping your edits: moved, resized, recoloured and retyped boxes, and the shapes and
    slides you added. Prints what changed and which edits could not be kept."""
    from .manifest import read_manifest
    from .update import open_deck, update_deck

    if output is not None and output.suffix.lower() != ".pptx":
        raise InputError(f"{output}: the output must end in .pptx")
    read_manifest(open_deck(deck_path), str(deck_path))  # fail fast, before loading a model
    graph = _load_graph(model, **loading)
    report = update_deck(
        deck_path, graph, output, changes_slide=changes_slide, progress=progress.current().say
    )
    progress.current().close()
    click.echo(report.text())
    backup = f" (the previous version is in {report.backup})" if report.backup else ""
    click.echo(f"Wrote {report.output}{backup}")
