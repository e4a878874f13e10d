"""Every keras.applications model through the whole pipeline: layers, blocks, slides, deck time.

    python benchmarks/applications.py                   # all 40 models (a few minutes)
    python benchmarks/applications.py ResNet50 NASNetMobile --check

Each model is built once (weights=None, not timed), walked into the graph and dropped; the
deck time is the full default deck from the graph (layout, every view, saving), after one
warm-up deck of the bundled MNIST example: what a process pays once (importing scipy.optimize,
about 0.45 s; the template; the font metrics) is printed apart and not charged to the first
model. With --check the saved deck is also measured against tests/deck_checks.py and
openxml-audit.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pptx_nnviz.deck import build_deck  # noqa: E402
from pptx_nnviz.keras_loader import _keras, load_model, to_graph  # noqa: E402
from pptx_nnviz.passes import collapse  # noqa: E402


def application_names() -> list[str]:
    keras = _keras()
    return sorted(
        n
        for n in dir(keras.applications)
        if n[:1].isupper() and callable(getattr(keras.applications, n))
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="models (default: every one)")
    parser.add_argument("--check", action="store_true", help="also check the decks")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    keras = _keras()
    names = args.names or application_names()
    header = (
        f"{'model':<20} {'layers':>6} {'overview':>8} {'slides':>6} {'build s':>7} {'deck s':>6}"
    )
    if args.check:
        from deck_checks import check_deck
        from openxml_audit import validate_pptx

        header += f" {'problems':>8} {'audit':>5}"
    total = 0.0
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        build_deck(
            to_graph(load_model(str(ROOT / "examples" / "mnist_convnet.py"))),
            Path(folder) / "warm.pptx",
        )
        print(f"warm-up deck (once per process): {time.perf_counter() - start:.2f} s")
        print(header, flush=True)
        for name in names:
            start = time.perf_counter()
            model = getattr(keras.applications, name)(weights=None)
            built = time.perf_counter() - start
            graph = to_graph(model)
            del model
            gc.collect()
            start = time.perf_counter()
            path = build_deck(graph, Path(folder) / f"{name}.pptx")
            seconds = time.perf_counter() - start
            total += seconds
            from pptx import Presentation

            slides = len(Presentation(str(path)).slides)
            line = (
                f"{name:<20} {len(graph.nodes):>6} {len(collapse(graph).nodes):>8} {slides:>6} "
                f"{built:>7.1f} {seconds:>6.2f}"
            )
            if args.check:
                problems = sum(len(v) for r in check_deck(path) for v in r.problems.values())
                line += f" {problems:>8} {'ok' if validate_pptx(path).is_valid else 'FAIL':>5}"
            print(line, flush=True)
    print(f"\n{len(names)} models, decks {total:.1f} s in all")


if __name__ == "__main__":
    main()
