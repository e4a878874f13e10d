"""Which architectural unit a layer belongs to, read from the names of all layers of a graph.

Models name their layers after the unit they build: `conv2_block1_1_conv` (ResNet, DenseNet),
`block2a_expand_conv` (EfficientNet), `block35_3_mixed` (Inception-ResNet), `block_3_expand`
and `expanded_conv_depthwise` (MobileNet), `convnext_tiny_stage_0_block_1_gelu` (ConvNeXt),
`normal_left1_5` and `reduction_add_1_reduce_4` (NASNet's cells, named by their suffix).
A name alone does not say where the unit ends (`conv2_block1` but `block35_3`), so the rules
look at every name of the graph together:

1. Cells named by their suffix: when many layers with different prefixes share a numbered
   last token (`..._5`, `..._reduce_4`), that token is the unit ("cell 5", "cell reduce_4").
2. Units numbered side by side are one unit per number (`conv_dw_3`, `conv_pw_3` and
   `conv_pad_3` -> "conv 3").
3. The shortest numbered prefix that is a unit: a layer's own name, a prefix followed by a
   word in some name (`conv2_block1` has `conv2_block1_add`; `conv2` is only followed by
   numbered tokens, so it is a stage, not a unit) or a prefix of numbered layers
   (`block5` of `block5_sepconv1`, `block5_sepconv2`).
4. The unnumbered first member of a numbered family (`expanded_conv_project` next to
   `expanded_conv_3_project`).
5. A name ending in a number is a unit of its own (`mixed3`, `fc1`).
6. Else the longest shared prefix with no unit under it (`stem_conv`, `stem_bn` -> `stem`).

Keras's automatic names (`conv2d_12`, `add_3`) say nothing: their key is None.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from functools import lru_cache

Tokens = tuple[str, ...]

_INDEXED = re.compile(r"([a-z]+)_(\d+)")  # 'dw_3' of 'conv_dw_3'
_CELL_ID = re.compile(r"(?:[a-z]+_)?\d+")  # '5', 'reduce_4', 'stem_1'; not 'sepconv1'

CELL_MIN_LAYERS = 8  # a suffix names a cell when this many layers carry it ...
CELL_MIN_PREFIXES = 2  # ... with this many different first tokens


def snake_case(class_name: str) -> str:
    """Keras's default layer name for a class: Conv2D -> conv2d, BatchNormalization ->
    batch_normalization."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


#: Names Keras gives an input it makes itself: `keras.Input` without a name in Keras 2
#: (`input_1`), and the tensors `clone_model` and traced calls start from (`keras_tensor_17`).
_AUTOMATIC_INPUT = re.compile(r"input_\d+|keras_tensor(_\d+)?")


@lru_cache(maxsize=65_536)
def is_automatic(name: str, class_name: str) -> bool:
    """Whether `name` is the one Keras gives a layer of `class_name` by default."""
    if class_name == "InputLayer" and _AUTOMATIC_INPUT.fullmatch(name):
        return True
    return (
        bool(class_name)
        and re.fullmatch(re.escape(snake_case(class_name)) + r"(_\d+)?", name) is not None
    )


def tokens(name: str) -> Tokens:
    """Name parts split at underscores, a word kept with the number after it:
    'block_3_expand' -> ('block_3', 'expand'), 'conv2_block1_1_conv' -> ('conv2', 'block1',
    '1', 'conv')."""
    result: list[str] = []
    for part in name.split("_"):
        if result and part[:1].isdigit() and not _numbered(result[-1]):
            result[-1] += "_" + part
        else:
            result.append(part)
    return tuple(result)


def _numbered(token: str) -> bool:
    return any(c.isdigit() for c in token)


def family(key: str | None) -> str | None:
    """The unit's family: its key without its own index ('conv2_block3' -> 'conv2_block',
    'block2b' -> 'block2', 'cell 5' -> 'cell '); units of one family form a stage."""
    if key is None:
        return None
    lettered = re.fullmatch(r"(.*\d)[a-z]", key)
    if lettered:
        return lettered.group(1)
    return re.sub(r"\d+$", "", key)


class UnitNames:
    """The unit keys of a set of layer names (see the module's rules)."""

    def __init__(self, layers: Iterable[tuple[str, str]]) -> None:
        """`layers`: (name, class name) pairs."""
        self._layers = list(layers)
        named = [tokens(n) for n, c in self._layers if not is_automatic(n, c)]
        self._names = set(named)
        self._children: dict[Tokens, set[str]] = defaultdict(set)
        self._under: Counter[Tokens] = Counter()
        for toks in self._names:
            for i in range(1, len(toks) + 1):
                self._under[toks[:i]] += 1
                if i < len(toks):
                    self._children[toks[:i]].add(toks[i])
        self._cells = self._cell_ids(named)
        units = {u for u in (self._numbered_unit(t) for t in self._names) if u}
        self._unit_prefixes = {u[:i] for u in units for i in range(1, len(u) + 1)}
        self._families = {u[:-1] + (f,) if f else u[:-1] for u in units for f in [_strip(u[-1])]}
        self._paired = self._paired_prefixes(units)

    def key(self, name: str, class_name: str = "") -> str | None:
        """The unit `name` belongs to, or None for an automatic name."""
        if is_automatic(name, class_name):
            return None
        toks = tokens(name)
        cell = self._cell(toks)
        if cell:
            return f"cell {cell}"
        paired = self._pair(toks)
        if paired:
            return paired
        unit = self._numbered_unit(toks) or self._family_member(toks)
        if unit:
            return "_".join(unit)
        if _numbered(toks[-1]):
            return name
        shared = self._shared_prefix(toks)
        return "_".join(shared) if shared else name

    def keys(self) -> list[str | None]:
        """The key of every layer, in the order given."""
        return [self.key(n, c) for n, c in self._layers]

    def _cell_ids(self, named: list[Tokens]) -> set[str]:
        layers: Counter[str] = Counter()
        firsts: dict[str, set[str]] = defaultdict(set)
        for toks in named:
            if len(toks) >= 2 and _CELL_ID.fullmatch(toks[-1]):
                layers[toks[-1]] += 1
                firsts[toks[-1]].add(toks[0])
        cells = {
            t
            for t, n in layers.items()
            if n >= CELL_MIN_LAYERS and len(firsts[t]) >= CELL_MIN_PREFIXES
        }
        return cells if len(cells) >= 2 else set()

    def _cell(self, toks: Tokens) -> str | None:
        """The cell id a name ends with: its last token ('reduce_4', '5') or the number
        ending it ('adjust_conv_projection_5')."""
        if len(toks) < 2 or not self._cells:
            return None
        number = toks[-1].rpartition("_")[2]
        return next((c for c in (toks[-1], number) if c in self._cells), None)

    @staticmethod
    def _paired_prefixes(units: set[Tokens]) -> set[Tokens]:
        """Prefixes of units numbered side by side (`conv_dw_3` and `conv_pw_3`: two words
        sharing at least two numbers): one unit per number."""
        numbers: dict[Tokens, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        for unit in units:
            indexed = _INDEXED.fullmatch(unit[-1])
            if indexed:
                numbers[unit[:-1]][indexed.group(1)].add(indexed.group(2))
        paired = set()
        for prefix, words in numbers.items():
            shared = Counter(n for found in words.values() for n in found)
            if len(words) >= 2 and sum(1 for count in shared.values() if count >= 2) >= 2:
                paired.add(prefix)
        return paired

    def _pair(self, toks: Tokens) -> str | None:
        for i in range(1, len(toks)):
            indexed = _INDEXED.fullmatch(toks[i])
            if indexed and toks[:i] in self._paired:
                return f"{'_'.join(toks[:i])} {indexed.group(2)}"
        return None

    def _numbered_unit(self, toks: Tokens) -> Tokens | None:
        for i, token in enumerate(toks[:-1]):
            if _numbered(token) and self._is_unit(toks[: i + 1]):
                return toks[: i + 1]
        return None

    def _is_unit(self, prefix: Tokens) -> bool:
        """A layer's own name (`mixed9` of `mixed9_0`), a prefix followed by a word
        (`conv2_block1` of `conv2_block1_add`), or a prefix of numbered layers with their
        companions (`block5` of `block5_sepconv1`, `block5_sepconv1_bn`)."""
        children = self._children[prefix]
        return (
            prefix in self._names
            or any(not _numbered(c) for c in children)
            or all(prefix + (c,) in self._names for c in children)
        )

    def _family_member(self, toks: Tokens) -> Tokens | None:
        for i in range(1, len(toks)):
            if toks[:i] in self._families and not _numbered(toks[i]):
                return toks[:i]
        return None

    def _shared_prefix(self, toks: Tokens) -> Tokens | None:
        best: Tokens | None = None
        for i in range(1, len(toks)):
            prefix = toks[:i]
            if prefix in self._unit_prefixes or self._under[prefix] < 2:
                continue
            if best is None or self._under[prefix] >= self._under[best]:
                best = prefix
        return best


def _strip(token: str) -> str:
    """A unit's last token without its index: 'conv_3' -> 'conv', 'block2a' -> 'block2',
    '3' -> ''."""
    lettered = re.fullmatch(r"(.*\d)[a-z]", token)
    if lettered:
        return lettered.group(1)
    return re.sub(r"_?\d+$", "", token)
