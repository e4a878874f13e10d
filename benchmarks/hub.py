"""keras_hub Transformers from small configurations: load, deck and plot_model times.

    python benchmarks/hub.py                      # the backbones the Transformer issue names
    python benchmarks/hub.py BertBackbone T5Backbone

Each backbone is built once from tests/hub_configs.py (not timed). "graph s" is the walk with
every custom layer traced and Keras's attention drawn from its configuration; "deck s" the
full default deck from that graph; "plot_model s" keras.utils.plot_model(show_shapes=True,
expand_nested=True) on the same model, when graphviz and pydot are installed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import hub_configs  # noqa: E402

from pptx_nnviz.deck import build_deck  # noqa: E402
from pptx_nnviz.keras_loader import _keras, to_graph  # noqa: E402

NAMED = (
    "BertBackbone",
    "GPT2Backbone",
    "ViTBackbone",
    "DeiTBackbone",
    "SwinTransformerBackbone",
    "T5Backbone",
    "WhisperBackbone",
    "BartBackbone",
    "LlamaBackbone",
    "GemmaBackbone",
    "MixtralBackbone",
)


def plot_model_seconds(model, out: Path) -> float | None:
    keras = _keras()
    start = time.perf_counter()
    try:
        keras.utils.plot_model(model, to_file=str(out), show_shapes=True, expand_nested=True)
    except Exception as exc:  # graphviz or pydot missing, or plot_model failing on the model
        print(f"  plot_model failed: {type(exc).__name__}: {str(exc)[:80]}", file=sys.stderr)
        return None
    return time.perf_counter() - start


def main(names: list[str]) -> None:
    import keras_hub

    print(
        f"{'backbone':<26} {'params':>9} {'slides':>6} {'graph s':>8} {'deck s':>7} "
        f"{'plot_model s':>12}"
    )
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name in names:
            cls = getattr(keras_hub.models, name)
            model = cls(**hub_configs.small_config(cls))
            start = time.perf_counter()
            graph = to_graph(model)
            walked = time.perf_counter() - start
            start = time.perf_counter()
            build_deck(graph, tmp / f"{name}.pptx")
            decked = time.perf_counter() - start
            from pptx import Presentation

            slides = len(Presentation(str(tmp / f"{name}.pptx")).slides)
            plot = plot_model_seconds(model, tmp / f"{name}.png")
            shown = f"{plot:12.2f}" if plot is not None else f"{'-':>12}"
            print(
                f"{name:<26} {model.count_params():>9,} {slides:>6} {walked:8.2f} "
                f"{decked:7.2f} {shown}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:] or list(NAMED))
