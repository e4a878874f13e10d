"""Drive a headless LibreOffice Impress through its UNO API (run with a Python that has `uno`,
e.g. Debian's /usr/bin/python3 with python3-uno; `tests/impress.py` calls it).

    python3 impress_probe.py effects DECK.pptx...        -> JSON: per deck, per slide, the
                                                            clicks as lists of shape names
    python3 impress_probe.py roundtrip IN.pptx OUT.pptx  -> IN opened and saved as OUT
    python3 impress_probe.py edit IN.pptx OUT.pptx NAME DX_MM TEXT
                                                         -> on IN's first slide, the shape
                                                            NAME (in groups too) moved DX_MM
                                                            mm right and retyped; saved as OUT

One LibreOffice process with a throw-away profile serves all the decks given.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # noqa: F401  (makes the com.sun.star imports below work)
from com.sun.star.awt import Point
from com.sun.star.beans import PropertyValue

ON_CLICK, WITH_PREVIOUS, AFTER_PREVIOUS = 1, 2, 3


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Impress:
    def __init__(self, soffice: str = "soffice") -> None:
        self.work = tempfile.TemporaryDirectory(prefix="impress_probe_")
        pipe = f"nnviz_probe_{os.getpid()}"
        profile = Path(self.work.name, "profile").as_uri()
        self.process = subprocess.Popen(
            [
                soffice,
                f"-env:UserInstallation={profile}",
                "--headless",
                "--invisible",
                "--norestore",
                "--nologo",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        deadline = time.time() + 60
        while True:
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.time() > deadline or self.process.poll() is not None:
                    raise RuntimeError("LibreOffice did not start") from None
                time.sleep(0.3)
        self.desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context
        )

    def open(self, path: str):
        url = Path(path).resolve().as_uri()
        return self.desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # it may be gone already
            self.desktop.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.work.cleanup()


def _children(node):
    if not hasattr(node, "createEnumeration"):
        return []
    found = []
    enum = node.createEnumeration()
    while enum.hasMoreElements():
        found.append(enum.nextElement())
    return found


def _node_type(node) -> int | None:
    for value in node.UserData or ():
        if value.Name == "node-type":
            return int(value.Value)
    return None


def _target_name(effect) -> str:
    for child in _children(effect):
        target = getattr(child, "Target", None)
        if target is not None and hasattr(target, "getName"):
            return target.getName()
        if target is not None and hasattr(target, "Shape"):  # a ParagraphTarget
            return target.Shape.getName()
    return "?"


def slide_clicks(page) -> list[list[str]]:
    """The slide's main sequence as clicks, each the names of the shapes its effects show."""
    clicks: list[list[str]] = []

    def walk(node) -> None:
        kind = _node_type(node)
        if kind in (ON_CLICK, WITH_PREVIOUS, AFTER_PREVIOUS):
            if kind == ON_CLICK or not clicks:
                clicks.append([])
            clicks[-1].append(_target_name(node))
            return
        for child in _children(node):
            walk(child)

    root = page.AnimationNode
    if root is not None:
        walk(root)
    return clicks


def effects(impress: Impress, path: str) -> list[list[list[str]]]:
    doc = impress.open(path)
    try:
        pages = doc.DrawPages
        return [slide_clicks(pages.getByIndex(i)) for i in range(pages.Count)]
    finally:
        doc.close(True)


def roundtrip(impress: Impress, source: str, target: str, change=None) -> None:
    """Open `source`, apply `change` to the document (if any), save it as `target`."""
    doc = impress.open(source)
    try:
        if change is not None:
            change(doc)
        url = Path(target).resolve().as_uri()
        doc.storeToURL(url, (_prop("FilterName", "Impress MS PowerPoint 2007 XML"),))
    finally:
        doc.close(True)


def _find(shapes, name: str):
    """The shape called `name` among `shapes`, inside groups too."""
    for i in range(shapes.getCount()):
        shape = shapes.getByIndex(i)
        if shape.Name == name:
            return shape
        if shape.ShapeType == "com.sun.star.drawing.GroupShape":
            found = _find(shape, name)
            if found is not None:
                return found
    return None


def edit(impress: Impress, source: str, target: str, name: str, dx_mm: str, text: str) -> None:
    """What a person does: move a box (or a group) to the right and retype its label (unless
    `text` is empty), then save."""

    def change(doc) -> None:
        shape = _find(doc.DrawPages.getByIndex(0), name)
        if shape is None:
            raise SystemExit(f"no shape named {name}")
        position = shape.Position
        shape.Position = Point(position.X + int(float(dx_mm) * 100), position.Y)  # 1/100 mm
        if text:
            shape.setString(text)

    roundtrip(impress, source, target, change)


def main(argv: list[str]) -> int:
    command, *paths = argv
    impress = Impress(os.environ.get("SOFFICE", "soffice"))
    try:
        if command == "effects":
            print(json.dumps({p: effects(impress, p) for p in paths}))
        elif command == "roundtrip":
            for source, target in zip(paths[::2], paths[1::2]):
                roundtrip(impress, source, target)
        elif command == "edit":
            edit(impress, *paths)
        else:
            raise SystemExit(f"unknown command {command}")
    finally:
        impress.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
