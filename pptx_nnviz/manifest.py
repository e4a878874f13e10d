"""What a deck records about how it was made, for `update` and `diff`: the options, the
model's graph, and per generated slide its key, title, the names and looks of its shapes.

It is stored in the deck's custom document properties (docProps/custom.xml), which PowerPoint
and LibreOffice Impress both keep: compressed JSON in parts of at most 255 characters (the
longest value PowerPoint's property dialog handles), named "pptx_nnviz 0001", ...
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass, field, fields
from typing import Any
from xml.sax.saxutils import escape

from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.oxml import parse_xml

from .errors import InputError
from .identity import Look
from .ir import Edge, Graph, Node

VERSION = 1
PREFIX = "pptx_nnviz "
CHUNK = 255
_CUSTOM_TYPE = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
_CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
_VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"


@dataclass
class SlideRecord:
    """A generated slide as generated: its key, title, notes digest, the looks of its
    shapes by name, and for a diagram the label style (font size, density)."""

    key: str
    title: str = ""
    notes: str = ""
    looks: dict[str, Look] = field(default_factory=dict)
    font: float = 0.0
    density: str = ""
    subtitle: str = ""  # digest

    def pack(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "notes": self.notes,
            "subtitle": self.subtitle,
            "looks": {name: look.pack() for name, look in self.looks.items()},
            "font": self.font,
            "density": self.density,
        }

    @staticmethod
    def unpack(data: dict) -> SlideRecord:
        looks = {name: Look.unpack(values) for name, values in data.get("looks", {}).items()}
        return SlideRecord(
            data["key"],
            data.get("title", ""),
            data.get("notes", ""),
            looks,
            data.get("font", 0.0),
            data.get("density", ""),
            data.get("subtitle", ""),
        )


@dataclass
class Manifest:
    options: dict[str, Any]
    graph: Graph
    slides: list[SlideRecord]

    def slide(self, key: str) -> SlideRecord | None:
        return next((s for s in self.slides if s.key == key), None)


# --------------------------------------------------------------------------- graph as JSON

_NODE_DEFAULTS = {f.name: f.default for f in fields(Node) if f.name not in ("id", "inner")}


def graph_data(graph: Graph) -> dict:
    """The graph as plain JSON data (nodes with their non-default fields, inner graphs too)."""
    nodes = []
    for node in graph.nodes:
        item: dict[str, Any] = {"id": node.id}
        for name, default in _NODE_DEFAULTS.items():
            value = getattr(node, name)
            if value != default:
                item[name] = value
        if node.inner is not None:
            item["inner"] = graph_data(node.inner)
        nodes.append(item)
    return {
        "name": graph.name,
        "nodes": nodes,
        "edges": [[e.source, e.target, list(e.shape)] for e in graph.edges],
        "inputs": list(graph.inputs),
        "outputs": list(graph.outputs),
    }


def graph_from_data(data: dict) -> Graph:
    nodes = []
    for item in data["nodes"]:
        values = {k: v for k, v in item.items() if k not in ("inner",)}
        for key in ("input_shapes", "output_shapes"):
            if key in values:
                values[key] = tuple(tuple(s) for s in values[key])
        for key in ("members", "fused", "fused_before", "folded"):
            if key in values:
                values[key] = tuple(values[key])
        if "hyperparams" in values:
            values["hyperparams"] = tuple(tuple(p) for p in values["hyperparams"])
        if "settings" in values:  # JSON keeps sizes per axis as lists
            values["settings"] = tuple(
                (k, tuple(v) if isinstance(v, list) else v) for k, v in values["settings"]
            )
        inner = graph_from_data(item["inner"]) if "inner" in item else None
        nodes.append(Node(**values, inner=inner))
    return Graph(
        name=data["name"],
        nodes=tuple(nodes),
        edges=tuple(Edge(s, t, tuple(shape)) for s, t, shape in data["edges"]),
        inputs=tuple(data["inputs"]),
        outputs=tuple(data["outputs"]),
    )


# --------------------------------------------------------------------------- storage


def write_manifest(prs: Any, manifest: Manifest) -> None:
    """Store the manifest in the deck's custom properties (replacing an older one; other
    custom properties are kept)."""
    data = {
        "version": VERSION,
        "options": manifest.options,
        "graph": graph_data(manifest.graph),
        "slides": [s.pack() for s in manifest.slides],
    }
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    packed = base64.b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii")
    chunks = [packed[i : i + CHUNK] for i in range(0, len(packed), CHUNK)]
    part = _custom_part(prs)
    root = parse_xml(part.blob) if part is not None else None
    kept = []
    if root is not None:
        kept = [p for p in root if not (p.get("name") or "").startswith(PREFIX)]
    properties = [(p.get("name"), "".join(_serialise(child) for child in p)) for p in kept] + [
        (f"{PREFIX}{k:04d}", f"<vt:lpwstr>{escape(c)}</vt:lpwstr>") for k, c in enumerate(chunks)
    ]
    body = "".join(
        f'<property fmtid="{_FMTID}" pid="{pid}" name="{escape(name, {chr(34): "&quot;"})}">'
        f"{value}</property>"
        for pid, (name, value) in enumerate(properties, start=2)
    )
    xml = f'<Properties xmlns="{_CUSTOM_NS}" xmlns:vt="{_VT_NS}">{body}</Properties>'.encode()
    if part is None:
        package = prs.part.package
        part = Part(PackURI("/docProps/custom.xml"), _CUSTOM_TYPE, package, xml)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)
    else:
        part._blob = xml


def _serialise(element: Any) -> str:
    from lxml import etree

    text = etree.tostring(element, encoding="unicode")
    return text.replace(f' xmlns:vt="{_VT_NS}"', "").replace(f' xmlns="{_CUSTOM_NS}"', "")


def _custom_part(prs: Any) -> Any | None:
    try:
        return prs.part.package._rels.part_with_reltype(RT.CUSTOM_PROPERTIES)
    except KeyError:
        return None


def read_manifest(prs: Any, source: str = "the deck") -> Manifest:
    """The manifest stored in the deck; an InputError when there is none (a deck not made
    by pptx-nnviz, or one whose custom properties were removed)."""
    part = _custom_part(prs)
    chunks: dict[str, str] = {}
    if part is not None:
        root = parse_xml(part.blob)
        for prop in root:
            name = prop.get("name") or ""
            if name.startswith(PREFIX):
                chunks[name] = "".join(v.text or "" for v in prop)
    if not chunks:
        raise InputError(
            f"{source} was not made by pptx-nnviz (it has no pptx_nnviz properties); "
            "make it with `pptx-nnviz deck` first"
        )
    try:
        text = zlib.decompress(base64.b64decode("".join(chunks[k] for k in sorted(chunks))))
        data = json.loads(text.decode("utf-8"))
    except (ValueError, zlib.error) as exc:
        raise InputError(
            f"{source}: its pptx_nnviz properties are damaged ({exc}); regenerate it with "
            "`pptx-nnviz deck`"
        ) from exc
    if data.get("version") != VERSION:
        raise InputError(f"{source} was made by another version of pptx-nnviz's update format")
    return Manifest(
        data["options"],
        graph_from_data(data["graph"]),
        [SlideRecord.unpack(s) for s in data["slides"]],
    )
