"""Small configurations for keras_hub backbones, filled in by parameter name.

Every `*Backbone` class of the installed keras_hub is listed (`backbone_classes`); the required
arguments of its constructor are given small values by name (`SMALL`), so a new backbone of a
familiar shape builds without a line here. A class whose constructor asks for something the table
does not know (a nested encoder model, per-stage lists of a vision network) is reported as not
buildable, with the argument that stopped it.
"""

from __future__ import annotations

import inspect
from typing import Any

#: A small value for each constructor argument a Transformer backbone commonly requires.
SMALL: dict[str, Any] = {
    "vocabulary_size": 64,
    "vocab_size": 64,
    "text_vocab_size": 64,
    "num_layers": 2,
    "num_hidden_layers": 2,
    "encoder_num_layers": 2,
    "decoder_num_layers": 2,
    "num_layers_enc": 2,
    "num_layers_dec": 2,
    "num_heads": 2,
    "num_attention_heads": 2,
    "encoder_num_heads": 2,
    "decoder_num_heads": 2,
    "encoder_num_attention_heads": 2,
    "decoder_num_attention_heads": 2,
    "num_query_heads": 2,
    "num_key_value_heads": 1,
    "encoder_num_key_value_heads": 1,
    "decoder_num_key_value_heads": 1,
    "head_dim": 16,
    "encoder_head_dim": 16,
    "decoder_head_dim": 16,
    "head_size": 16,
    "hidden_dim": 32,
    "hidden_size": 32,
    "text_hidden_size": 32,
    "encoder_hidden_dim": 32,
    "decoder_hidden_dim": 32,
    "embedding_dim": 32,
    "embed_dim": 16,
    "intermediate_dim": 64,
    "intermediate_size": 64,
    "encoder_intermediate_dim": 64,
    "decoder_intermediate_dim": 64,
    "moe_intermediate_dim": 32,
    "shared_expert_intermediate_dim": 32,
    "shared_expert_intermediate_size": 32,
    "mlp_dim": 64,
    "filter_dim": 32,
    "num_experts": 4,
    "top_k": 2,
    "patch_size": 4,
    "image_shape": (32, 32, 3),
    "image_size": 32,
    "window_size": 2,
    "depths": (2, 2),
    "stackwise_num_repeats": (1, 1),
    "stackwise_num_filters": (8, 16),
    "global_attention_layer_indices": (1,),
    "max_sequence_length": 32,
}

#: Where a backbone gives a common name another meaning (a count per stage, not one count).
PER_CLASS: dict[str, dict[str, Any]] = {
    "SwinTransformerBackbone": {"num_heads": (2, 2), "window_size": 4},
    "ViTDetBackbone": {"image_shape": (32, 32, 3), "patch_size": 4, "window_size": 2},
}

#: Arguments never to fill: a backbone asking for one of these is built from other models.
NESTED = ("encoder", "backbone", "model", "vae", "clip_l", "clip_g", "qformer", "decoder")


def backbone_classes() -> list[type]:
    """Every concrete `*Backbone` class keras_hub exports, by name."""
    import keras_hub

    names = sorted(n for n in dir(keras_hub.models) if n.endswith("Backbone"))
    base = keras_hub.models.Backbone
    found: dict[type, None] = {}  # one entry per class (ESM2Backbone is ESMBackbone)
    for name in names:
        cls = getattr(keras_hub.models, name)
        concrete = isinstance(cls, type) and issubclass(cls, base) and cls is not base
        if concrete and required_arguments(cls):  # abstract helpers take no configuration
            found[cls] = None
    return list(found)


def required_arguments(cls: type) -> list[str]:
    """The constructor's arguments without a default."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return [
        p.name
        for p in parameters
        if p.name != "self"
        and p.default is inspect.Parameter.empty
        and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
    ]


def small_config(cls: type) -> dict[str, Any]:
    """The class's required arguments with small values; raises LookupError naming the first
    argument the table has no value for."""
    config = {}
    for name in required_arguments(cls):
        if name not in SMALL or name.endswith(NESTED):
            raise LookupError(f"needs {name!r}")
        config[name] = SMALL[name]
    if "max_sequence_length" in inspect.signature(cls.__init__).parameters:
        config["max_sequence_length"] = SMALL["max_sequence_length"]
    return config | PER_CLASS.get(cls.__name__, {})
