"""Benchmark: deck generation time and peak memory, beside keras.utils.plot_model.

    python benchmarks/bench.py            # every model (a few minutes on 2 cores)
    python benchmarks/bench.py --quick    # ResNet50 and the synthetic graphs only

Both runs start with the figures tests cannot assert without flaking: the neuron view, the
architecture and the default deck of a 10,000-layer chain, and how the layout's time and
work (function calls) grow from 1,000 to 4,000 layers.

The full run ends with benchmarks/layout_vs_dot.py's table: edge crossings and bends of
every drill-down slide of ResNet50, InceptionV3 and EfficientNetB0 and of the small U-Net,
beside graphviz dot's layout of the same boxes.

Models are built once, outside the timings (no TensorFlow import or model build is timed).
Each deck figure is the whole pipeline from the built model: walk to the graph IR, layout,
every view of the full deck, and saving the .pptx. plot_model(show_shapes=True) runs on the
same Keras models in the same run (it needs graphviz's `dot` and pydot; skipped if missing).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pptx_nnviz.deck import build_deck  # noqa: E402
from pptx_nnviz.ir import Edge, Graph, Node  # noqa: E402
from pptx_nnviz.keras_loader import _keras, to_graph  # noqa: E402

APPLICATIONS = ("ResNet50", "InceptionV3", "EfficientNetB7", "NASNetMobile")


def dense_chain(n: int):
    keras = _keras()
    layers = [keras.Input((16,))] + [keras.layers.Dense(16) for _ in range(n)]
    return keras.Sequential(layers, name=f"dense_chain_{n}")


def synthetic_dag(n: int) -> Graph:
    """A chain of n nodes with a skip connection over every 3 nodes (residual-like)."""
    nodes = [Node("input", "input", "InputLayer", "input", output_shapes=((None, 64),))]
    edges = []
    for i in range(1, n):
        kind = ("Dense", "dense") if i % 3 else ("Add", "merge")
        nodes.append(
            Node(
                f"n{i}",
                f"layer_{i}",
                kind[0],
                kind[1],
                output_shapes=((None, 64),),
                trainable_params=64 * 65 if kind[0] == "Dense" else 0,
            )
        )
        edges.append(Edge(nodes[i - 1].id, nodes[i].id, (None, 64)))
        if i % 3 == 0 and i >= 3:
            edges.append(Edge(nodes[i - 3].id, nodes[i].id, (None, 64)))
    return Graph(f"synthetic_{n}", tuple(nodes), tuple(edges), ("input",), (nodes[-1].id,))


def time_deck(graph_or_model, out: Path, repeats: int) -> tuple[float, float, int]:
    """Median seconds, peak MiB (Python allocations) and slide count of the full deck."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        graph = graph_or_model if isinstance(graph_or_model, Graph) else to_graph(graph_or_model)
        build_deck(graph, out)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    graph = graph_or_model if isinstance(graph_or_model, Graph) else to_graph(graph_or_model)
    build_deck(graph, out)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    from pptx import Presentation

    return statistics.median(times), peak, len(Presentation(str(out)).slides)


def chain_graph(n: int, units: int = 16) -> Graph:
    """An input and n Dense layers in a chain, as a graph (no Keras model)."""
    shape = ((None, units),)
    nodes = [Node("input", "input", "InputLayer", "input", output_shapes=shape)]
    nodes += [
        Node(
            f"d{i}",
            f"dense_{i}",
            "Dense",
            "dense",
            output_shapes=shape,
            trainable_params=units * (units + 1),
            hyperparams=(("units", str(units)),),
        )
        for i in range(n)
    ]
    edges = [Edge(a.id, b.id, shape[0]) for a, b in zip(nodes, nodes[1:])]
    return Graph(f"chain_{n}", tuple(nodes), tuple(edges), ("input",), (nodes[-1].id,))


def neuron_chain_peak(n: int = 10000) -> tuple[float, float]:
    """Seconds and the process's peak RSS (MiB, resource.getrusage) after the neuron view of
    an n-layer Dense chain with --collapse none (7.9 GB before runs of layers were folded)."""
    from pptx_nnviz.views import ViewOptions

    graph = chain_graph(n)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        build_deck(
            graph,
            Path(folder) / "chain.pptx",
            views=["neurons"],
            options=ViewOptions(collapse="none"),
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return time.perf_counter() - start, peak


def chain_decks(n: int = 10_000) -> None:
    """The figures tests/test_hard_inputs.py leaves to this script (a test cannot time
    without flaking): an n-layer chain's architecture with --collapse none (one box per layer)
    and its default deck (repeats folded), in seconds; the layout of a 4000-layer chain beside
    a 1000-layer one, in seconds and in function calls (the test's measure of work)."""
    from pptx import Presentation

    from pptx_nnviz.views import ViewOptions

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from test_hard_inputs import layout_calls

    graph = chain_graph(n, 32)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "chain.pptx"
        for label, options in (
            ("architecture, --collapse none", ViewOptions(collapse="none")),
            ("default deck", ViewOptions()),
        ):
            views = ["architecture"] if options.collapse == "none" else None
            start = time.perf_counter()
            build_deck(graph, out, views=views, options=options)
            seconds = time.perf_counter() - start
            slides = len(Presentation(str(out)).slides)
            print(f"{n:,}-layer chain, {label}: {seconds:.2f} s, {slides} slides", flush=True)
    figures = {}
    for layers in (1000, 4000):
        start = time.perf_counter()
        calls = layout_calls(layers)
        figures[layers] = (time.perf_counter() - start, calls)
    (t1, c1), (t4, c4) = figures[1000], figures[4000]
    print(
        f"layout of a chain, 4000 vs 1000 layers: {t4 / t1:.1f}x the time (profiled: "
        f"{t1:.2f} s, {t4:.2f} s), {c4 / c1:.2f}x the calls ({c1:,}, {c4:,}); linear is 4x",
        flush=True,
    )


def time_plot_model(model, out: Path) -> float | None:
    keras = _keras()
    try:
        start = time.perf_counter()
        keras.utils.plot_model(model, to_file=str(out), show_shapes=True)
        return time.perf_counter() - start
    except Exception as exc:  # graphviz or pydot missing, or plot_model failing
        print(f"  plot_model failed: {type(exc).__name__}: {str(exc)[:80]}", file=sys.stderr)
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="ResNet50 and synthetic only")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    seconds, peak = neuron_chain_peak()  # first, so the peak RSS is this run's alone
    print(
        f"neuron view of a 10,000-layer Dense chain (--collapse none): {seconds:.2f} s, "
        f"peak RSS {peak:.0f} MiB",
        flush=True,
    )
    chain_decks()
    keras = _keras()
    names = APPLICATIONS[:1] if args.quick else APPLICATIONS
    print("building models (not timed) ...", flush=True)
    models = {name: getattr(keras.applications, name)(weights=None) for name in names}
    if not args.quick:
        models["dense_chain_2000"] = dense_chain(2000)
    graphs = {f"synthetic_{n}": synthetic_dag(n) for n in (500, 5000)}
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name, model in models.items():
            seconds, peak, slides = time_deck(model, tmp / f"{name}.pptx", args.repeats)
            plot = time_plot_model(model, tmp / f"{name}.png")
            rows.append((name, len(model.layers), slides, seconds, peak, plot))
            print(f"  {name}: {seconds:.2f} s", flush=True)
        for name, graph in graphs.items():
            seconds, peak, slides = time_deck(graph, tmp / f"{name}.pptx", args.repeats)
            rows.append((name, len(graph.nodes), slides, seconds, peak, None))
            print(f"  {name}: {seconds:.2f} s", flush=True)
    print()
    print(
        f"{'model':<20} {'layers':>6} {'slides':>6} {'deck s':>7} {'peak MiB':>8} "
        f"{'plot_model s':>12} {'ratio':>6}"
    )
    for name, layers, slides, seconds, peak, plot in rows:
        plot_text = f"{plot:.2f}" if plot is not None else "-"
        ratio = f"{seconds / plot:.2f}" if plot else "-"
        print(
            f"{name:<20} {layers:>6} {slides:>6} {seconds:>7.2f} {peak:>8.1f} "
            f"{plot_text:>12} {ratio:>6}"
        )
    small = next(r for r in rows if r[0] == "synthetic_500")[3]
    large = next(r for r in rows if r[0] == "synthetic_5000")[3]
    print(f"\nscaling: 5000 vs 500 nodes = {large / small:.1f}x the time (linear would be 10x)")
    if not args.quick:
        from layout_vs_dot import main as beside_dot

        print("\ncrossings (x) and bends (b) per drill-down slide, ours beside graphviz dot's:")
        beside_dot()


if __name__ == "__main__":
    main()
