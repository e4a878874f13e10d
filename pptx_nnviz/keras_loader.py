"""The only module that imports Keras: load a model from anything a user points at, and walk
it into the framework-neutral `Graph`.

Every use of Keras's private graph API (`_nodes_by_depth`, `_inbound_nodes`, `_keras_history`,
`_functional`) lives here.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import math
import os
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError
from .ir import (
    NORM_OPS,
    PLUMBING_OPS,
    Edge,
    Graph,
    Node,
    Setting,
    Shape,
    setting_text,
    topological_order,
)
from .keras_attention import attention_inside
from .passes import hide_plumbing
from .text import sanitize

if TYPE_CHECKING:
    from .keras_tracing import Trial

ModelSource = Any  # a keras.Model, a path, or a "module:name" / "keras.applications.X" string
Sizes = tuple[int | None, int | None]  # what a trace gives unknown dimensions (keras_tracing)

_BUILDER_NAME = re.compile(r"model|^build|^make|^create|^get_", re.IGNORECASE)


def _keras() -> Any:
    """Import Keras, hiding TensorFlow's start-up chatter on stderr (C++ logs included)."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            import keras
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    return keras


# --------------------------------------------------------------------------- loading


def load_model(
    source: ModelSource,
    *,
    unsafe: bool = False,
    custom_objects: dict[str, Any] | None = None,
    input_shape: Sequence[int | None] | None = None,
) -> Any:
    """Return a built `keras.Model` from a model, a .keras/.h5 file, a Python file or module
    reference (`file.py`, `file.py:name`, `pkg.module:name`) or `keras.applications.NAME`."""
    keras = _keras()
    if isinstance(source, keras.Model):
        model = source
    elif isinstance(source, (str, Path)):
        # The custom objects serve saved files and whatever a .py source or module loads.
        with keras.saving.CustomObjectScope(custom_objects or {}):
            model = _load_from_text(str(source), unsafe=unsafe, custom_objects=custom_objects)
    else:
        raise InputError(f"cannot draw a {type(source).__name__}; pass a keras.Model or a path")
    if input_shape is not None and not model.built:
        _build(model, tuple(input_shape))
    if not model.built:
        raise InputError(
            f"model {model.name!r} is not built (no input shape): pass --input-shape, e.g. "
            "--input-shape 28,28,1, or call model.build(...) / start it with keras.Input"
        )
    return model


def _build(model: Any, input_shape: tuple[int | None, ...]) -> None:
    """Build an unbuilt model by calling it once on zeros of `input_shape` (batch of one)."""
    import numpy as np

    sample = np.zeros((1, *(d or 1 for d in input_shape)), dtype="float32")
    try:
        model(sample)
    except Exception as exc:  # Keras raises many types here
        raise InputError(
            f"could not build the model with input shape {input_shape}: {_brief(exc)}; "
            "check --input-shape (one sample's shape, without the batch axis)"
        ) from exc


def _load_from_text(source: str, *, unsafe: bool, custom_objects: dict | None) -> Any:
    if source.startswith("keras.applications."):
        return _load_application(source.removeprefix("keras.applications."))
    whole_path = _is_windows_drive(source) or Path(source).is_file()  # e.g. "run:3.keras"
    path_part, _, name = (source, "", "") if whole_path else source.rpartition(":")
    if not path_part:  # no colon at all
        path_part, name = name, ""
    path = Path(path_part)
    suffix = path.suffix.lower()
    if suffix in (".keras", ".h5", ".hdf5"):
        return _load_saved(path, unsafe=unsafe, custom_objects=custom_objects)
    if suffix == ".py":
        return _load_python_file(path, name or None)
    if name and re.fullmatch(r"[A-Za-z_][\w.]*", path_part):
        return _load_python_module(path_part, name)
    if path.is_dir():
        raise InputError(f"{source} is a directory; point at a .keras, .h5 or .py file")
    if not path.exists():
        raise InputError(
            f"{source} does not exist; give a .keras/.h5 file, a file.py[:name], "
            "a package.module:name or keras.applications.NAME"
        )
    raise InputError(
        f"{source}: unknown file type {suffix or '(none)'!r}; expected .keras, .h5 or .py"
    )


def _is_windows_drive(source: str) -> bool:
    return len(source) > 2 and source[1] == ":" and source[2] in "/\\"


def _load_application(name: str) -> Any:
    keras = _keras()
    builder = getattr(keras.applications, name, None)
    if not callable(builder) or name.startswith("_"):
        raise InputError(f"keras.applications has no model {name!r}")
    try:
        return builder(weights=None)
    except Exception as exc:
        raise InputError(f"keras.applications.{name}(weights=None) failed: {_brief(exc)}") from exc


def _load_saved(path: Path, *, unsafe: bool, custom_objects: dict | None) -> Any:
    if not path.exists():
        raise InputError(f"{path} does not exist; check the path")
    if path.is_dir():
        raise InputError(f"{path} is a directory, not a saved model file")
    if path.stat().st_size == 0:
        raise InputError(f"{path} is empty; save the model again with model.save(...)")
    _check_saved_file(path)
    keras = _keras()
    try:
        return keras.saving.load_model(
            path, compile=False, safe_mode=not unsafe, custom_objects=custom_objects
        )
    except Exception as exc:
        raise _saved_model_error(path, exc) from exc


def _check_saved_file(path: Path) -> None:
    """Refuse a .keras file that is not a zip holding a model config before Keras sees it
    (Keras reports a corrupt or truncated archive as "File not found")."""
    if path.suffix.lower() != ".keras":
        return
    if not zipfile.is_zipfile(path):
        raise InputError(
            f"{path} is not a .keras archive (corrupt, truncated or another format); "
            "save the model again with model.save('model.keras')"
        )
    with zipfile.ZipFile(path) as archive:
        if "config.json" not in archive.namelist():
            raise InputError(
                f"{path} is a zip archive but not a saved Keras model (no config.json); "
                "save the model again with model.save('model.keras')"
            )


_UNKNOWN_OBJECT = re.compile(
    r"Could not locate (?:class|function) '([^']+)'|Unknown [a-z ]+: '([^']+)'"
)


def _saved_model_error(path: Path, exc: Exception) -> InputError:
    """One line saying why Keras refused the file and what to do about it."""
    text = str(exc)
    unknown = _unknown_object(str(path), text)
    if unknown:
        return unknown
    if "safe_mode" in text:  # a Lambda layer (or other stored code) refused by safe mode
        return InputError(
            f"{path} holds Python code (a Lambda layer) that Keras's safe mode refuses to "
            "run; if you trust the file add --unsafe (and --custom-objects file.py for the "
            "custom layer classes it uses)"
        )
    lines = text.strip().splitlines()
    detail = lines[0] if lines else type(exc).__name__
    return InputError(
        f"{path} could not be loaded as a Keras model ({detail}); it may be corrupt, "
        "truncated or from an incompatible Keras version: save the model again"
    )


def _unknown_object(where: str, text: str) -> InputError | None:
    """The error for a model using a custom object Keras could not find, if `text` (Keras's
    message) says so."""
    unknown = _UNKNOWN_OBJECT.search(text)
    if not unknown:
        return None
    name = unknown.group(1) or unknown.group(2)
    return InputError(
        f"{where} uses custom object {name!r} that Keras does not know; pass "
        "--custom-objects file.py, a Python file defining it (a keras.layers.Layer "
        "subclass or a @keras.saving.register_keras_serializable function), and --unsafe "
        "too if the file also holds Lambda code you trust"
    )


def _load_python_file(path: Path, name: str | None) -> Any:
    module = _run_python_file(path)
    return _model_from_module(module, name, label=str(path), defined_in=module.__name__)


def _run_python_file(path: Path, what: str = "") -> Any:
    """Import the Python file `path` (the user asked for it) as a fresh, unnamed module."""
    if not path.is_file():
        state = "is a directory" if path.is_dir() else "does not exist"
        raise InputError(f"{what}{path} {state}; give a Python file")
    module_name = f"_pptx_nnviz_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InputError(f"{what}{path} cannot be imported as Python; give a .py file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise InputError(
            f"{what}{path}:{exc.lineno}: syntax error: {exc.msg}; fix the file"
        ) from exc
    except SystemExit as exc:
        raise InputError(
            f"{what}{path} exited (SystemExit {exc.code}) when imported; move script code "
            "under `if __name__ == '__main__':`"
        ) from exc
    except Exception as exc:
        raise InputError(
            f"{what}{path} raised {type(exc).__name__} when imported: {_brief(exc)}; fix the "
            "file (--debug shows the traceback)"
        ) from exc
    finally:
        sys.modules.pop(module_name, None)
    return module


def _brief(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message, cut to `limit` characters."""
    lines = str(exc).strip().splitlines()
    text = lines[0].strip() if lines else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_custom_objects(path: str | os.PathLike) -> dict[str, Any]:
    """Import the Python file `path` and collect what Keras needs to rebuild custom objects:
    its `keras.layers.Layer` subclasses, its `@register_keras_serializable` classes and
    functions (each under its class name and its registered name) and an optional dict
    named CUSTOM_OBJECTS."""
    keras = _keras()
    path = Path(path)
    what = "--custom-objects "
    if path.suffix.lower() != ".py":
        raise InputError(f"{what}{path}: expected a .py file defining the custom layers")
    module = _run_python_file(path, what)
    found: dict[str, Any] = {}
    for attr, value in vars(module).items():
        if attr.startswith("_"):
            continue
        registered = keras.saving.get_registered_name(value) if callable(value) else ""
        is_layer = (
            inspect.isclass(value)
            and issubclass(value, keras.layers.Layer)
            and not value.__module__.startswith("keras")
        )
        if is_layer or ">" in registered:
            found[value.__name__] = value
            found[registered] = value
    extra = getattr(module, "CUSTOM_OBJECTS", None)
    if extra is not None:
        if not isinstance(extra, dict) or not all(isinstance(k, str) for k in extra):
            raise InputError(f"{what}{path}: CUSTOM_OBJECTS must be a dict of name -> object")
        found.update(extra)
    if not found:
        raise InputError(
            f"{what}{path} defines no keras.layers.Layer subclass, registered object or "
            "CUSTOM_OBJECTS dict; define the custom layers the model uses there"
        )
    return found


def _load_python_module(module_path: str, name: str) -> Any:
    try:
        module = importlib.import_module(module_path)
    except SystemExit as exc:
        raise InputError(
            f"importing {module_path} exited (SystemExit {exc.code}); move script code "
            "under `if __name__ == '__main__':`"
        ) from exc
    except Exception as exc:
        raise InputError(
            f"cannot import {module_path}: {type(exc).__name__}: {_brief(exc)}; check the name "
            "and that its package is installed or on PYTHONPATH"
        ) from exc
    return _model_from_module(module, name, label=module_path, defined_in=module.__name__)


def _model_from_module(module: Any, name: str | None, *, label: str, defined_in: str) -> Any:
    keras = _keras()
    if name is None:
        candidates = _model_candidates(module, defined_in)
        if len(candidates) != 1:
            found = ", ".join(candidates) or "none"
            raise InputError(
                f"{label}: expected exactly one model or model-building function, found {found}; "
                f"choose one with {label}:NAME"
            )
        name = candidates[0]
    if not hasattr(module, name):
        found = ", ".join(_model_candidates(module, defined_in)) or "none"
        raise InputError(f"{label} has no name {name!r}; models and model builders there: {found}")
    obj = getattr(module, name)
    if isinstance(obj, keras.Model):
        return obj
    if not callable(obj):
        raise InputError(
            f"{label}:{name} is a {type(obj).__name__}, not a Keras model; name a keras.Model "
            "or a function returning one"
        )
    if inspect.isfunction(obj) and not _takes_no_arguments(obj):
        raise InputError(
            f"{label}:{name}() needs arguments; name a function that builds the model without "
            "any (wrap it in one)"
        )
    try:
        result = obj()
    except SystemExit as exc:
        raise InputError(f"{label}:{name}() exited (SystemExit {exc.code})") from exc
    except Exception as exc:
        unknown = _unknown_object(f"the model that {label}:{name}() loads", str(exc))
        raise unknown or InputError(
            f"{label}:{name}() raised {type(exc).__name__}: {_brief(exc)} "
            "(--debug shows the traceback)"
        ) from exc
    if not isinstance(result, keras.Model):
        raise InputError(
            f"{label}:{name}() returned a {type(result).__name__}, not a Keras model; make it "
            "return the keras.Model"
        )
    return result


def _model_candidates(module: Any, defined_in: str) -> list[str]:
    keras = _keras()
    found = []
    for attr, value in vars(module).items():
        if attr.startswith("_"):
            continue
        if isinstance(value, keras.Model) or (
            inspect.isfunction(value)
            and value.__module__ == defined_in
            and _BUILDER_NAME.search(attr)
            and _takes_no_arguments(value)
        ):
            found.append(attr)
    return found


def _takes_no_arguments(function: Callable) -> bool:
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(
        p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params
    )


# --------------------------------------------------------------------------- graph


def to_graph(model: Any, *, expand_nested: bool = False, show_ops: bool = False) -> Graph:
    """Walk a built Keras model into a `Graph` (one node per layer call). Custom layers made of
    other layers are traced (`keras_tracing`) and get their inside as `Node.inner`; a
    subclassed model is traced whole. Operations that only carry masks are left out (their
    connections kept) unless `show_ops`."""
    walker = _Walker(expand_nested, show_ops)
    functional = _functional_of(model)
    name = sanitize(model_title(model))
    graph = walker.graph(functional, name) if functional is not None else walker.subclassed(model)
    return graph if show_ops else hide_plumbing(graph)


def model_title(model: Any) -> str:
    """The model's own name ("Model" for the name Keras gives an unnamed one, `functional_3`);
    for a model class (keras_hub's ViTBackbone) left with the name
    Keras makes from its class ('vi_t_backbone'), the class name, as its author spelled it."""
    keras = _keras()
    cls = type(model)
    if cls in (keras.Model, keras.Sequential, keras.src.models.functional.Functional):
        automatic = re.fullmatch(r"(functional|sequential|model)(_\d+)?", model.name)
        return "Model" if automatic else model.name
    auto = keras.src.utils.naming.to_snake_case(cls.__name__)
    return cls.__name__ if re.fullmatch(re.escape(auto) + r"(_\d+)?", model.name) else model.name


def _functional_of(model: Any) -> Any:
    keras = _keras()
    functional_cls = keras.src.models.functional.Functional
    if isinstance(model, functional_cls):
        return model
    inner = getattr(model, "_functional", None)
    return inner if isinstance(inner, functional_cls) else None


class _Walker:
    """Collects nodes and edges of a functional model, recursing into nested models."""

    def __init__(
        self,
        expand_nested: bool,
        show_ops: bool = False,
        depth: int = 0,
        sizes: Sizes = (None, None),
    ) -> None:
        self.expand_nested = expand_nested
        self.show_ops = show_ops
        self.depth = depth  # how many traced layers this walk is inside
        self.sizes = sizes  # what a trace gave unknown dimensions (read as None again)
        self._variables: dict[str, list[Any]] = {}  # node id -> variables its operation uses
        self._owned: set[int] = set()  # ids of the variables the calls here account for
        self._constants: dict[str, Shape] = {}  # node id -> a constant tensor it takes
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self.warnings: list[str] = []
        self._edge_keys: set[tuple[str, str]] = set()
        self._first_call: dict[int, str] = {}  # id(layer) -> node id of its first call
        self._taken: set[str] = set()  # node ids (and nested prefixes) given out so far

    def graph(self, functional: Any, name: str, traced: Any = None) -> Graph:
        """The graph of a functional model, or of the call of the layer `traced`: walk it,
        then give each operation the parameters of the variables it uses that no layer owns
        (and a traced layer's constant weights a node, see `_add_weights`)."""
        inputs, outputs = self.walk(functional, prefix="", parent=None)
        self._count_operation_variables()
        if traced is not None:
            inputs = self._add_weights(traced, self._constants) + inputs
        order = topological_order(self.nodes, [(e.source, e.target) for e in self.edges])
        return Graph(
            name=name,
            nodes=tuple(self.nodes[i] for i in order),
            edges=tuple(self.edges),
            inputs=tuple(inputs),
            outputs=tuple(dict.fromkeys(outputs)),
            warnings=tuple(self.warnings),
        )

    def subclassed(self, model: Any) -> Graph:
        """A subclassed model's graph: its call traced on symbolic inputs, or else one box."""
        from .keras_tracing import input_arguments

        name = sanitize(model.name)
        try:
            args, kwargs = input_arguments(model)
            return self._first_trace(model, args, kwargs, name)[1]
        except Exception as exc:  # any failure of the user's call: one box, and why
            reason = _brief(exc, 120)
        node = self.opaque_node(model)
        return Graph(
            name=name,
            nodes=(node,),
            edges=(),
            inputs=(node.id,),
            outputs=(node.id,),
            warnings=(
                f"{type(model).__name__} {model.name!r} is a subclassed model whose internals "
                f"cannot be traced ({reason}), so it is drawn as one box",
            ),
        )

    def walk(
        self,
        functional: Any,
        prefix: str,
        parent: str | None,
        bound_inputs: list[str] | None = None,
    ) -> tuple[list[str], list[str]]:
        """Add the model's nodes; return its input node ids and its output producer ids.

        `bound_inputs` replaces the model's own Input nodes (for a nested model drawn in place).
        """
        keras_nodes = self._ordered_nodes(functional)
        plumbing = _plumbing_calls(functional, keras_nodes)
        calls: dict[int, int] = {}
        produced: dict[tuple[int, int], list[str]] = {}  # (id(op), node_index) -> output ids
        input_ids: list[str] = []
        model_inputs = [id(t) for t in functional.inputs]
        for knode in keras_nodes:
            op = knode.operation
            node_index = op._inbound_nodes.index(knode)
            call = calls.get(id(op), 0)
            calls[id(op)] = call + 1
            node_id = self._unique_id(prefix + sanitize(op.name) + (f":{call}" if call else ""))
            if _is_input_layer(op):
                if bound_inputs is not None:
                    position = model_inputs.index(id(knode.output_tensors[0]))
                    produced[(id(op), node_index)] = [bound_inputs[position]]
                    continue
                input_ids.append(node_id)
            sources = [self._source_of(t, produced) for t in knode.input_tensors]
            if self.expand_nested and _functional_of(op) is not None and op is not functional:
                inner_prefix = node_id + "/"
                _, inner_outputs = self.walk(
                    _functional_of(op), inner_prefix, parent=sanitize(op.name), bound_inputs=sources
                )
                produced[(id(op), node_index)] = inner_outputs
                continue
            if self.expand_nested and id(op) not in self._first_call:
                expanded = self._expand_traced(op, knode, node_id, produced)
                if expanded is not None:
                    produced[(id(op), node_index)] = expanded
                    continue
            node = self._node_for_call(op, knode, node_id, parent)
            if id(knode) in plumbing:
                node = replace(node, plumbing=True)
            if isinstance(op, _keras().layers.Layer):
                self._owned.update(id(v) for v in op.weights)
            else:
                self._variables[node_id] = _variables_of(knode)
                constants = _constants_of(knode)
                if constants is not None and not node.plumbing:
                    self._constants[node_id] = self._sized(constants)
            self.nodes[node_id] = node
            produced[(id(op), node_index)] = [node_id] * max(1, len(knode.output_tensors))
            for source, tensor in zip(sources, knode.input_tensors, strict=True):
                self._add_edge(source, node_id, self._shape(tensor))
        outputs = [self._source_of(t, produced) for t in functional.outputs]
        return input_ids, outputs

    @staticmethod
    def _ordered_nodes(functional: Any) -> list[Any]:
        by_depth = functional._nodes_by_depth
        operations = {id(op): i for i, op in enumerate(functional.operations)}
        ordered: list[Any] = []
        for depth in sorted(by_depth, reverse=True):
            ordered.extend(
                sorted(
                    by_depth[depth],
                    key=lambda n: (
                        operations.get(id(n.operation), len(operations)),
                        n.operation._inbound_nodes.index(n),
                    ),
                )
            )
        return ordered

    @staticmethod
    def _source_of(tensor: Any, produced: dict[tuple[int, int], list[str]]) -> str:
        history = tensor._keras_history
        outputs = produced[(id(history.operation), history.node_index)]
        return outputs[min(history.tensor_index, len(outputs) - 1)]

    def _add_edge(self, source: str, target: str, shape: Shape) -> None:
        if (source, target) not in self._edge_keys:
            self._edge_keys.add((source, target))
            self.edges.append(Edge(source, target, shape))

    def _unique_id(self, candidate: str) -> str:
        """`candidate`, or with a `~k` suffix if another layer call has it already (two names
        can become equal once sanitised, and a name can look like a call suffix `name:1`)."""
        node_id, k = candidate, 2
        while node_id in self._taken:
            node_id, k = f"{candidate}~{k}", k + 1
        self._taken.add(node_id)
        return node_id

    def _node_for_call(self, op: Any, knode: Any, node_id: str, parent: str | None) -> Node:
        first = self._first_call.setdefault(id(op), node_id)
        shared_with = None if first == node_id else first
        trainable, non_trainable = _param_counts(op)
        settings = settings_of(op)
        nested = _functional_of(op) is not None or _is_model(op)
        inner = drawn = None  # what is inside: a nested model, a traced call, or a drawing
        if nested and not shared_with:
            inner = to_graph(op, show_ops=self.show_ops)
        elif not shared_with:
            inner = self._trace(op, knode)
            if inner is None and not self.expand_nested:  # drawn in place: one box
                inner = drawn = attention_inside(op, knode, self._shape)
        opened = inner is not None and drawn is None
        kind = op  # what decides the op: the layer, or the one operation it wraps
        if not nested and inner is None and op_of(op) == "other":
            kind = _wrapped_operation(op, knode) or op
            settings = settings_of(kind) if kind is not op else settings
        outputs = knode.output_tensors
        return Node(
            id=node_id,
            name=sanitize(op.name),
            class_name=sanitize(type(op).__name__),
            category="model" if nested or opened else category_of(kind),
            op="model" if nested or opened else op_of(kind),
            input_shapes=tuple(self._shape(t) for t in knode.input_tensors),
            output_shapes=tuple(self._shape(t) for t in outputs),
            trainable_params=0 if shared_with else trainable,
            non_trainable_params=0 if shared_with else non_trainable,
            hyperparams=tuple((key, setting_text(value)) for key, value in settings),
            settings=settings,
            parent=parent,
            dtype=sanitize(getattr(outputs[0], "dtype", "")) if outputs else "",
            trainable=bool(getattr(op, "trainable", True)),
            shared_with=shared_with,
            inner_layers=(
                _count_layers(op)
                if nested
                else sum(n.category != "input" for n in inner.nodes)
                if inner is not None
                else 0
            ),
            inner=inner,
        )

    def _trace(self, op: Any, knode: Any) -> Graph | None:
        """The inside of a custom layer made of other layers, traced from this call; None
        (with a warning saying why) when its call does not run on symbolic tensors."""
        traced = self._try_trace(op, knode)
        if traced is None:
            return None
        graph = _unused_inputs_dropped(_causal_inputs_marked(traced[1], knode))
        self.warnings.extend(graph.warnings)
        graph = replace(graph, warnings=())
        return graph if self.show_ops else hide_plumbing(graph)

    def _expand_traced(
        self, op: Any, knode: Any, node_id: str, produced: dict[tuple[int, int], list[str]]
    ) -> list[str] | None:
        """Walk a custom layer's traced inside in place (--expand-nested); its output ids, or
        None when it is not traced."""
        from .keras_tracing import traced_call

        traced = self._try_trace(op, knode)
        if traced is None:
            return None
        sizes, dense = traced[0]
        arguments = knode.arguments
        outer = self.sizes, self.depth
        before = set(self._constants)
        self.sizes, self.depth = sizes, self.depth + 1
        try:
            with traced_call(op, tuple(arguments.args), dict(arguments.kwargs), sizes, dense) as (
                function,
                originals,
            ):
                bound = [self._source_of(t, produced) for t in originals]
                _, outputs = self.walk(function, node_id + "/", sanitize(op.name), bound)
        finally:
            self.sizes, self.depth = outer
        self._count_operation_variables()
        users = {k: v for k, v in self._constants.items() if k not in before}
        self._add_weights(op, users, prefix=node_id + "/")
        return outputs

    def _try_trace(self, op: Any, knode: Any) -> tuple[Trial, Graph] | None:
        """The first trace of this call that works (see `_first_trace`); None if the layer
        is not traced, with a warning if it could not be."""
        from .keras_tracing import MAX_DEPTH, is_traceable

        if self.depth >= MAX_DEPTH or not is_traceable(op):
            return None
        arguments = knode.arguments
        try:
            return self._first_trace(
                op, tuple(arguments.args), dict(arguments.kwargs), sanitize(op.name)
            )
        except Exception as exc:  # any failure of the user's call: one box, and why
            self.warnings.append(
                f"{type(op).__name__} {op.name!r} is drawn as one box: its call could not be "
                f"traced on symbolic inputs ({_brief(exc, 120)})"
            )
            return None

    def _first_trace(self, layer: Any, args: tuple, kwargs: dict, name: str) -> tuple[Trial, Graph]:
        """The graph of `layer.call` traced with the first try of `keras_tracing.TRIALS`
        that works, and that try; raises the first error if none does."""
        from .keras_tracing import first_trace

        def walked(function: Any, trial: Trial) -> Graph:
            # tensors of an enclosing trace come with its sizes: read those as unknown too
            known = tuple(o if t is None else t for t, o in zip(trial[0], self.sizes))
            walker = _Walker(self.expand_nested, self.show_ops, self.depth + 1, known)
            return walker.graph(function, name, traced=layer)

        return first_trace(layer, args, kwargs, walked)

    def _add_weights(self, layer: Any, users: dict[str, Shape], prefix: str = "") -> list[str]:
        """Account for the weights of the traced `layer` its call used as constants (a class
        token, a position embedding looked up outside the trace): one "Weights" node feeding
        the operations that took constant tensors (`users`; scalar ones only when none took
        more, a weight cast to a scalar), or else a warning. Returns the node's id in a list
        (empty without one)."""
        missing = [v for v in layer.weights if id(v) not in self._owned]
        if not missing:
            return []
        users = {k: v for k, v in users.items() if v} or users
        self._owned.update(id(v) for v in missing)
        names = ", ".join(sanitize(v.path.removeprefix(f"{layer.name}/")) for v in missing)
        trainable = sum(_size(v) for v in missing if v.trainable)
        frozen = sum(_size(v) for v in missing if not v.trainable)
        if not users:
            self.warnings.append(
                f"{type(layer).__name__} {layer.name!r}: its drawn inside leaves out "
                f"{trainable + frozen:,} of its {layer.count_params():,} parameters "
                f"({names}), used as constants by its call"
            )
            return []
        node_id = self._weights_source(prefix + "weights", names, missing)
        for target, shape in users.items():
            self._add_edge(node_id, target, shape)
        return [node_id]

    def _weights_source(self, candidate: str, name: str, variables: list[Any]) -> str:
        """Add a "Weights" node for `variables` (a source the drawing feeds from); its id."""
        node_id = self._unique_id(candidate)
        self.nodes[node_id] = Node(
            id=node_id,
            name=name,
            class_name="Weights",
            category="input",
            op="weights",
            output_shapes=tuple(tuple(int(d) for d in v.shape) for v in variables),
            trainable_params=sum(_size(v) for v in variables if v.trainable),
            non_trainable_params=sum(_size(v) for v in variables if not v.trainable),
        )
        return node_id

    def _shape(self, tensor: Any) -> Shape:
        """The tensor's shape, with the sizes a trace gave unknown dimensions read as None
        (and their multiples: the batch and the sequence flattened into one axis)."""
        return self._sized(_shape(tensor))

    def _sized(self, shape: Shape) -> Shape:
        """A shape with the sizes a trace gave unknown dimensions read as None."""
        batch, other = self.sizes
        return tuple(
            None if d is not None and ((i == 0 and d == batch) or (other and d % other == 0)) else d
            for i, d in enumerate(shape)
        )

    def _count_operation_variables(self) -> None:
        """Give each operation call the parameters of the variables it uses (a class token, a
        scale) that belong to no layer called here, each variable once."""
        for node_id, variables in self._variables.items():
            fresh = [v for v in variables if id(v) not in self._owned]
            self._owned.update(id(v) for v in fresh)
            if fresh and self.nodes[node_id].op in _MERGES_OF_WEIGHTS:
                self._weights_node(node_id, fresh)
            elif fresh:
                trainable = sum(_size(v) for v in fresh if v.trainable)
                frozen = sum(_size(v) for v in fresh if not v.trainable)
                self.nodes[node_id] = replace(
                    self.nodes[node_id], trainable_params=trainable, non_trainable_params=frozen
                )

    def _weights_node(self, user: str, variables: list[Any]) -> None:
        """A node for weights an operation merges with a tensor (a position embedding added
        to the patches): drawn as the merge's other input, as people draw it."""
        candidate = user.rsplit("/", 1)[0] + "/weights" if "/" in user else "weights"
        name = ", ".join(sanitize(v.path.rsplit("/", 1)[-1]) for v in variables)
        node_id = self._weights_source(candidate, name, variables)
        for v in variables:
            self._add_edge(node_id, user, tuple(int(d) for d in v.shape))

    def opaque_node(self, model: Any) -> Node:
        """One box for a model whose layer graph cannot be traced (subclassed)."""
        trainable, non_trainable = _param_counts(model)
        output_shapes: tuple[Shape, ...] = ()
        try:
            output_shapes = (tuple(model.compute_output_shape(model._build_shapes_dict)),)
        except Exception:  # best effort: subclassed models rarely know their output shape
            output_shapes = ()
        return Node(
            id=sanitize(model.name),
            name=sanitize(model.name),
            class_name=sanitize(type(model).__name__),
            category="model",
            op="model",
            output_shapes=output_shapes,
            trainable_params=trainable,
            non_trainable_params=non_trainable,
            inner_layers=_count_layers(model),
        )


def _wrapped_operation(layer: Any, knode: Any) -> Any | None:
    """The one operation a custom layer without weights or sublayers performs (keras_hub's
    Padder is a pad), if it is one of _WRAPPED_OPS: its call traced on this call's inputs;
    None if it does more, or if its call cannot be traced."""
    from .keras_tracing import first_trace

    keras = _keras()
    if (
        not isinstance(layer, keras.layers.Layer)
        or type(layer).__module__.startswith("keras.")
        or layer.weights
        or layer._flatten_layers(include_self=False, recursive=False)
    ):
        return None
    arguments = knode.arguments
    try:
        _, done = first_trace(
            layer,
            tuple(arguments.args),
            dict(arguments.kwargs),
            lambda function, _: [o for o in function.operations if not _is_input_layer(o)],
        )
    except Exception:  # its call cannot be traced
        return None
    alone = done[0] if len(done) == 1 else None
    # only what one operation means by itself: a merge with a constant is not a merge
    return alone if alone is not None and op_of(alone) in _WRAPPED_OPS else None


#: Operations a custom layer made of nothing else is drawn as (`_wrapped_operation`).
_WRAPPED_OPS = PLUMBING_OPS | {"activation", "dropout", "upsample", "global_pool", "pool"}


def _unused_inputs_dropped(graph: Graph) -> Graph:
    """A traced call's graph without the arguments its call takes and never uses (a mask a
    mixture of experts is handed): drawn, they would float unconnected."""
    used = {e.source for e in graph.edges}
    unused = {n.id for n in graph.nodes if n.op == "input" and n.id not in used}
    if not unused or len(unused) == len(graph.inputs):
        return graph
    return replace(
        graph,
        nodes=tuple(n for n in graph.nodes if n.id not in unused),
        inputs=tuple(i for i in graph.inputs if i not in unused),
    )


def _causal_inputs_marked(graph: Graph, knode: Any) -> Graph:
    """A traced call's graph with the inputs given a causal mask marked as one (`kind`
    causal, named 'causal mask'): the mask is computed outside the layer, where its drawing
    cannot see it."""
    from .keras_attention import is_causal_mask

    kwargs = knode.arguments.kwargs
    causal = {
        name
        for name, value in kwargs.items()
        if getattr(value, "shape", None) is not None and is_causal_mask(value)
    }
    if not causal:
        return graph
    nodes = tuple(
        replace(n, name="causal mask", settings=(*n.settings, ("kind", "causal")))
        if n.op == "input" and n.name in causal
        else n
        for n in graph.nodes
    )
    return replace(graph, nodes=nodes)


#: Operations whose weights are drawn as an input of their own (`_Walker._weights_node`).
_MERGES_OF_WEIGHTS = frozenset({"add", "subtract", "multiply", "concat"})


def _variables_of(knode: Any) -> list[Any]:
    """The Keras variables an operation call takes as arguments."""
    keras = _keras()
    arguments = knode.arguments
    values = keras.tree.flatten((arguments.args, arguments.kwargs))
    return [v for v in values if isinstance(v, keras.Variable)]


def _constants_of(knode: Any) -> Shape | None:
    """The shape of the first constant tensor (not symbolic) an operation call takes, a
    weight the traced call used outside the trace; () when it takes only scalar ones."""
    keras = _keras()
    arguments = knode.arguments
    found = None
    for value in keras.tree.flatten((arguments.args, arguments.kwargs)):
        shape = getattr(value, "shape", None)
        if shape is None or isinstance(value, (keras.KerasTensor, keras.Variable)):
            continue
        if shape:
            return tuple(None if d is None else int(d) for d in shape)
        found = ()
    return found


def _size(variable: Any) -> int:
    return math.prod(int(d) for d in variable.shape)


def _plumbing_calls(functional: Any, keras_nodes: list[Any]) -> set[int]:
    """The calls (ids of Keras nodes) of operations, not layers, whose every output only
    feeds mask arguments (`mask`, `attention_mask`...), directly or through other such calls:
    Masking's NotEqual and Any, the casts and reshapes of a padding mask."""
    keras = _keras()
    uses: dict[int, list[tuple[int, bool]]] = {}  # id(tensor) -> (id(consumer), as a mask)
    for knode in keras_nodes:
        arguments = knode.arguments
        roles = [(False, arguments.args)] + [
            (key.endswith("mask"), value) for key, value in arguments.kwargs.items()
        ]
        for as_mask, value in roles:
            for tensor in keras.tree.flatten(value):
                if isinstance(tensor, keras.KerasTensor):
                    uses.setdefault(id(tensor), []).append((id(knode), as_mask))
    outputs = {id(t) for t in keras.tree.flatten(functional.outputs)}
    found: set[int] = set()
    for knode in reversed(keras_nodes):
        tensors = knode.output_tensors
        if isinstance(knode.operation, keras.layers.Layer) or not tensors:
            continue
        if any(id(t) in outputs for t in tensors):
            continue
        used = [use for t in tensors for use in uses.get(id(t), [])]
        if used and all(as_mask or consumer in found for consumer, as_mask in used):
            found.add(id(knode))
    return found


def _is_input_layer(op: Any) -> bool:
    return type(op).__name__ == "InputLayer"


def _is_model(op: Any) -> bool:
    return isinstance(op, _keras().Model)


def _count_layers(model: Any) -> int:
    try:
        return len(model._flatten_layers(include_self=False, recursive=True))
    except Exception:
        return len(getattr(model, "layers", []))


def _shape(tensor: Any) -> Shape:
    return tuple(None if d is None else int(d) for d in tensor.shape)


def _param_counts(op: Any) -> tuple[int, int]:
    def count(weights: Sequence[Any]) -> int:
        return sum(math.prod(int(d) for d in w.shape) for w in weights)

    return count(getattr(op, "trainable_weights", [])), count(
        getattr(op, "non_trainable_weights", [])
    )


# --------------------------------------------------------------------------- categories

_CATEGORY_RULES: tuple[tuple[str, str], ...] = (
    (r"^InputLayer$", "input"),
    (r"Attention", "attention"),
    (r"LSTM|GRU|RNN|Bidirectional|^TimeDistributed$", "recurrent"),
    (r"Embedding", "embedding"),
    (r"Conv", "conv"),
    (r"Pooling|^MaxPool|^AvgPool", "pooling"),
    (r"Normalization$|Norm$", "normalization"),
    (r"^(Dense|EinsumDense)$", "dense"),
    (r"Dropout|GaussianNoise|ActivityRegularization", "dropout"),
    (r"^(Activation|ReLU|LeakyReLU|PReLU|ELU|Softmax|ThresholdedReLU)$", "activation"),
    (r"^(Add|Subtract|Multiply|Average|Maximum|Minimum|Concatenate|Dot)$", "merge"),
    (
        r"^(Flatten|Reshape|Permute|RepeatVector|ZeroPadding\dD|Cropping\dD|UpSampling\dD|"
        r"Resizing|Rescaling|CenterCrop|Identity)$",
        "reshape",
    ),
)


#: Keras classes (or a class they derive from) -> the IR's operation vocabulary (ir.OPS).
#: Layers and the operations Keras records for a functional call (`keras.ops`) alike.
_OP_RULES: tuple[tuple[str, str], ...] = (
    (r"^InputLayer$", "input"),
    (r"Attention", "attention"),
    (r"LSTM|GRU|RNN|Bidirectional|^TimeDistributed$", "recurrent"),
    (r"Embedding", "embedding"),
    (r"Conv\dDTranspose|^ConvTranspose", "conv_transpose"),
    (r"^DepthwiseConv", "depthwise_conv"),
    (r"^SeparableConv", "separable_conv"),
    (r"^Conv(\dD)?$|^Convolution", "conv"),
    (r"^Global\w*Pool", "global_pool"),
    (r"Pool", "pool"),
    (r"^BatchNormalization$", "batch_norm"),
    (r"^LayerNormalization$|LayerNorm$", "layer_norm"),
    (r"^RMSNormalization$|RMSNorm", "rms_norm"),
    (r"^GroupNormalization$", "group_norm"),
    (r"^(Normalization|Rescaling|Resizing|CenterCrop)$", "preprocess"),
    (r"Normalization$", "norm"),
    (r"^(Dense|EinsumDense)$", "dense"),
    (r"Dropout|GaussianNoise", "dropout"),
    (r"^ActivityRegularization$|^Identity$", "identity"),
    (
        r"^(Activation|ReLU|LeakyReLU|PReLU|ELU|Softmax|ThresholdedReLU|Relu|Relu6|Sigmoid|"
        r"HardSigmoid|HardSilu|HardSwish|Silu|Swish|Gelu|Tanh|Elu|Selu|Softplus|LogSoftmax)$",
        "activation",
    ),
    (r"^Add$", "add"),
    (r"^Subtract$", "subtract"),
    (r"^Multiply$", "multiply"),
    (r"^(Divide|TrueDivide)$", "divide"),
    (r"^Concatenate$", "concat"),
    (r"^Average$", "average"),
    (r"^Maximum$", "maximum"),
    (r"^Minimum$", "minimum"),
    (r"^Dot$", "dot"),
    (r"^(Matmul|Einsum)$", "matmul"),
    (r"^(Reshape|ExpandDims|Squeeze)$", "reshape"),
    (r"^Flatten$", "flatten"),
    (r"^(Permute|Transpose)$", "permute"),
    (r"^(RepeatVector|Repeat|Tile)$", "repeat"),
    (r"^ZeroPadding\dD$|^Pad$", "pad"),
    (r"^Cropping\dD$", "crop"),
    (r"^UpSampling\dD$", "upsample"),
    (r"^Cast$", "cast"),
    (r"^GetItem$", "get_item"),
    (r"^(Mean|Sum|Max|Min)$", "reduce"),
    (r"^TopK$", "top_k"),
)


def op_of(op: Any) -> str:
    """The operation a layer or recorded call performs, in the IR's vocabulary (ir.OPS)."""
    for cls in type(op).__mro__:
        for pattern, name in _OP_RULES:
            if re.search(pattern, cls.__name__):
                return _norm_kind(op, name) if name in ("layer_norm", "norm") else name
        if cls.__module__.startswith("keras.src.layers.layer"):
            break
    return "other"


def _norm_kind(layer: Any, named: str) -> str:
    """A layer normalization told from RMSNorm by what it holds: Keras's own by its
    `rms_scaling`; another by its weights, a scale alone (RMSNorm divides by the root mean
    square and does not centre, so it has no offset) or a scale and an offset (LayerNorm)."""
    keras = _keras()
    if isinstance(layer, keras.layers.LayerNormalization):
        return "rms_norm" if getattr(layer, "rms_scaling", False) else "layer_norm"
    weights = getattr(layer, "weights", None)
    if not isinstance(layer, keras.layers.Layer) or not weights:
        return named
    vectors = [w for w in weights if len(w.shape) == 1]
    if len(weights) == len(vectors) == 1:
        return "rms_norm"
    return "layer_norm" if len(weights) == len(vectors) == 2 else named


def category_of(op: Any) -> str:
    """The category of a layer, from its class or the first known class it derives from;
    else from the operation it performs (`keras.ops.gelu` is an activation)."""
    for cls in type(op).__mro__:
        for pattern, category in _CATEGORY_RULES:
            if re.search(pattern, cls.__name__):
                return category
        if cls.__module__.startswith("keras.src.layers.layer"):
            break
    return _CATEGORY_OF_OP.get(op_of(op), "other")


#: The category of an operation no class rule names.
_CATEGORY_OF_OP: dict[str, str] = {
    "activation": "activation",
    "dropout": "dropout",
    "pool": "pooling",
    "global_pool": "pooling",
    **dict.fromkeys(NORM_OPS, "normalization"),
    **dict.fromkeys(PLUMBING_OPS, "reshape"),
    **dict.fromkeys(
        ("add", "subtract", "multiply", "divide", "concat", "average", "maximum", "minimum"),
        "merge",
    ),
}


# --------------------------------------------------------------------------- hyperparameters

_HYPERPARAMS: tuple[tuple[str, str], ...] = (
    ("filters", "filters"),
    ("kernel_size", "kernel"),
    ("strides", "strides"),
    ("padding", "padding"),
    ("dilation_rate", "dilation"),
    ("depth_multiplier", "depth multiplier"),
    ("units", "units"),
    ("num_heads", "heads"),
    ("key_dim", "key dim"),
    ("input_dim", "vocabulary"),
    ("output_dim", "embedding dim"),
    ("pool_size", "pool"),
    ("size", "size"),
    ("rate", "rate"),
    ("axis", "axis"),
    ("target_shape", "target shape"),
    ("return_sequences", "return sequences"),
    ("activation", "activation"),
    ("negative_slope", "negative slope"),
    ("max_value", "max value"),
    ("alpha", "alpha"),
)


def settings_of(op: Any) -> tuple[tuple[str, Setting], ...]:
    """The layer's key hyperparameters, typed, under the IR's fixed keys; a recorded
    activation (`keras.ops.relu`, not a layer) names its function, as the IR asks."""
    keras = _keras()
    if op_of(op) == "top_k" and isinstance(getattr(op, "k", None), int):
        return (("k", op.k),)
    if op_of(op) == "activation" and not isinstance(op, keras.layers.Layer):
        return (("activation", keras.src.utils.naming.to_snake_case(type(op).__name__)),)
    try:
        config = op.get_config()
    except Exception:
        return ()
    result: list[tuple[str, Setting]] = []
    for key, label in _HYPERPARAMS:
        if key not in config or config[key] is None:
            continue
        value = config[key]
        if key == "activation" and isinstance(value, dict):
            inner = value.get("config")  # a custom function's config is its registered name
            value = (
                inner
                if isinstance(inner, str)
                else (inner or {}).get("name", value.get("class_name", ""))
            )
        if key == "activation" and callable(value):
            value = getattr(value, "__name__", type(value).__name__)
        if key == "strides" and _all_ones(value):
            continue
        if key == "dilation_rate" and _all_ones(value):
            continue
        if key == "activation" and value == "linear":
            continue
        result.append((label, _typed(value)))
    return tuple(result)


def _all_ones(value: Any) -> bool:
    values = value if isinstance(value, (list, tuple)) else [value]
    return all(v == 1 for v in values)


def _typed(value: Any) -> Setting:
    """A config value as a typed setting: sizes per axis as one flat tuple (a padding's
    ((3, 3), (3, 3)) reads (3, 3, 3, 3)), numbers and flags as they are, names sanitised."""
    if isinstance(value, (list, tuple)):
        return tuple(_flat(value))
    if isinstance(value, (bool, int, float)):
        return value
    return sanitize(value)


def _flat(values: Any) -> list[int | float | None]:
    flat: list[int | float | None] = []
    for v in values:
        if isinstance(v, (list, tuple)):
            flat += _flat(v)
        else:
            flat.append(v if isinstance(v, (int, float)) or v is None else None)
    return flat
