"""Open custom layers: run a layer's `call()` on fresh symbolic inputs (`keras.Input` tensors
shaped like the ones it was called with) and keep what Keras records, the calls of its
sublayers and operations, as a graph of its inside.

Part of the Keras boundary with `keras_loader` (which walks the result). Tracing leaves the
user's model as it was: the nodes a trace adds to the sublayers are removed again afterwards,
and Keras's automatic-name counters are set aside during the trace (the traced operations are
named from a fresh count, so one model always gives the same names).
"""

from __future__ import annotations

import collections
import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from .keras_loader import _keras

MAX_DEPTH = 6  # custom layers inside custom layers are traced this deep

#: Sizes the unknown dimensions get, try after try: none (the shapes as they are), then the
#: batch (a layer that tiles a class token over the batch), then every other unknown one too
#: (a causal mask built from the sequence length). The graph reads them as unknown again.
SIZES: tuple[tuple[int | None, int | None], ...] = ((None, None), (1, None), (1, 1009))

#: The tries of a trace, in order: every size of SIZES with the inputs as Keras recorded them,
#: then again with every input dense (Keras can record a dense tensor as sparse, which a
#: layer's call then refuses).
Trial = tuple[tuple[int | None, int | None], bool]  # a trace's sizes; its inputs made dense?
T = TypeVar("T")
TRIALS: tuple[Trial, ...] = tuple((sizes, dense) for dense in (False, True) for sizes in SIZES)


def first_trace(
    layer: Any, args: tuple, kwargs: dict, use: Callable[[Any, Trial], T]
) -> tuple[Trial, T]:
    """`use(function, trial)` on the call of `layer` traced with the first try of TRIALS
    for which both work, and that try; raises the first error if none does."""
    first: Exception | None = None
    for trial in TRIALS:
        try:
            with traced_call(layer, args, kwargs, *trial) as (function, _):
                return trial, use(function, trial)
        except Exception as exc:  # the user's call failed with these sizes
            first = first or exc
    assert first is not None
    raise first


def is_traceable(op: Any) -> bool:
    """A layer of a class from outside Keras (a user's, keras_hub's) made of other layers,
    deriving from Layer or Model themselves (keras_hub's CachedMultiHeadAttention is a
    MultiHeadAttention, drawn as one)."""
    keras = _keras()
    if not isinstance(op, keras.layers.Layer) or type(op).__module__.startswith("keras."):
        return False
    base = next(c for c in type(op).__mro__ if c.__module__.startswith("keras."))
    if base not in (keras.layers.Layer, keras.Model):
        return False
    try:
        return bool(op._flatten_layers(include_self=False, recursive=False))
    except Exception:  # a layer that cannot list its sublayers is drawn as one box
        return False


@contextlib.contextmanager
def traced_call(
    layer: Any,
    args: tuple,
    kwargs: dict,
    sizes: tuple[int | None, int | None] = (None, None),
    dense: bool = False,
) -> Iterator[tuple[Any, list[Any]]]:
    """A Keras `Function` from fresh inputs to the tensors `layer.call(*args, **kwargs)`
    returns when the symbolic tensors in `args` and `kwargs` are replaced by those inputs
    (unknown dimensions given `sizes`: the batch's, the others'; every input `dense` even
    where Keras recorded a sparse one), and the replaced tensors in the order of the inputs.
    The call and its sublayers may return anything (tuples holding None, caches, scores):
    only the tensors among it are kept. Walk it inside the `with` block: afterwards the
    trace is undone."""
    keras = _keras()
    batch, other = sizes
    with _isolated(layer), _tensors_only():
        names = _parameter_names(layer, len(args))
        inputs: list[Any] = []
        originals: list[Any] = []
        # an argument may share its name with a sublayer ('segments'): names must be unique
        taken = {x.name for x in layer._flatten_layers(include_self=True, recursive=True)}

        def unique(name: str) -> str:
            used = taken | {t.name for t in inputs}
            candidate = name if name not in used else f"{name}_input"
            return candidate if candidate not in used else f"{name}_{len(inputs)}"

        def fresh(value: Any, name: str) -> Any:
            if not isinstance(value, keras.KerasTensor):
                return value
            shape = tuple(
                (batch if i == 0 else other) if d is None else d for i, d in enumerate(value.shape)
            )
            originals.append(value)
            tensor = keras.Input(
                batch_shape=shape,
                dtype=value.dtype,
                sparse=False if dense else getattr(value, "sparse", False),
                name=unique(name),
            )
            inputs.append(tensor)
            return tensor

        def fresh_structure(value: Any, name: str) -> Any:
            flat = keras.tree.flatten(value)
            if len(flat) == 1 and flat[0] is value:
                return fresh(value, name)
            replaced = [fresh(v, f"{name}_{i}") for i, v in enumerate(flat)]
            return keras.tree.pack_sequence_as(value, replaced)

        call_args = [fresh_structure(a, n) for a, n in zip(args, names)]
        call_kwargs = {k: fresh_structure(v, k) for k, v in kwargs.items()}
        if not inputs:
            raise ValueError("it was called without symbolic inputs")
        returned = keras.tree.flatten(layer.call(*call_args, **call_kwargs))
        outputs = list({id(x): x for x in returned if isinstance(x, keras.KerasTensor)}.values())
        if not outputs:
            raise ValueError("its call returns no tensor")
        function = keras.src.ops.function.Function(inputs, outputs, name=f"{layer.name}_inside")
        yield function, originals


def input_arguments(model: Any) -> tuple[tuple, dict]:
    """Symbolic arguments for a built subclassed model's call, from the shapes it was built
    with (float32: a subclassed model does not record its input dtypes)."""
    keras = _keras()
    shapes = getattr(model, "_build_shapes_dict", None)
    if not shapes:
        raise ValueError("it does not record the shapes it was built with")

    def spec(shape: Any) -> Any:
        if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
            return [spec(s) for s in shape]
        return keras.KerasTensor((None, *tuple(shape)[1:]), dtype="float32")

    return tuple(spec(s) for s in shapes.values()), {}


@contextlib.contextmanager
def _isolated(layer: Any) -> Iterator[None]:
    """Undo what a trace adds to `layer`'s sublayers (their inbound and outbound nodes) and
    to Keras's name counters."""
    from keras.src.backend.common import global_state

    layers = layer._flatten_layers(include_self=True, recursive=True)
    counts = [(x, len(x._inbound_nodes), len(x._outbound_nodes)) for x in layers]
    saved = global_state.get_global_attribute("object_name_uids")
    global_state.set_global_attribute("object_name_uids", collections.defaultdict(int))
    lenient = [x for x in layers if "compute_output_spec" not in vars(x) and _lenient_spec(x)]
    try:
        yield
    finally:
        global_state.set_global_attribute("object_name_uids", saved)
        for sublayer in lenient:
            del sublayer.__dict__["compute_output_spec"]
        for sublayer, inbound, outbound in counts:
            del sublayer._inbound_nodes[inbound:]
            del sublayer._outbound_nodes[outbound:]


@contextlib.contextmanager
def _tensors_only() -> Iterator[None]:
    """Let the operations called during a trace return non-tensors beside their tensors
    (a tuple holding None, a Python number): Keras's graph records the tensors only."""
    from keras.src.ops import node

    original = node.Node.__init__

    def init(
        self: Any,
        operation: Any,
        call_args: Any = None,
        call_kwargs: Any = None,
        outputs: Any = None,
    ) -> None:
        keras = _keras()
        tensors = [x for x in keras.tree.flatten(outputs) if isinstance(x, keras.KerasTensor)]
        original(self, operation, call_args, call_kwargs, tensors)

    node.Node.__init__ = init
    try:
        yield
    finally:
        node.Node.__init__ = original


def _lenient_spec(layer: Any) -> bool:
    """Let `layer.compute_output_spec` ignore the keyword arguments it does not take when
    they are None, for the trace (keras_hub's CachedMultiHeadAttention is called with
    `cache=None`, which MultiHeadAttention's spec refuses); True if it was wrapped."""
    method = type(layer).compute_output_spec
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    if any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        return False
    bound = method.__get__(layer)

    def compute_output_spec(*args: Any, **kwargs: Any) -> Any:
        taken = {k: v for k, v in kwargs.items() if k in parameters or v is not None}
        return bound(*args, **taken)

    object.__setattr__(layer, "compute_output_spec", compute_output_spec)
    return True


def _parameter_names(layer: Any, count: int) -> list[str]:
    """The names of the first `count` positional parameters of `layer.call`."""
    try:
        parameters = inspect.signature(layer.call).parameters.values()
    except (TypeError, ValueError):
        parameters = []
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return (names + [f"input_{i}" for i in range(len(names), count)])[:count]
