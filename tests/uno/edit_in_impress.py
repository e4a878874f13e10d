"""Edit a deck as a person would in LibreOffice Impress, through its UNO API.

Run with the system Python that has LibreOffice's `uno` module (Debian's python3-uno):
    python3 edit_in_impress.py DECK.pptx OUT.pptx SHAPE_NAME DX_MM NEW_TEXT
Moves the shape (found by name, inside groups too) DX_MM millimetres to the right, sets its
text to NEW_TEXT, saves as .pptx. Starts and stops its own headless soffice with its own
profile, so it never meets another LibreOffice running on the machine.
"""

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # noqa: F401  (LibreOffice's bridge; the com.sun.star imports need it first)
from com.sun.star.awt import Point
from com.sun.star.beans import PropertyValue


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _free_port():
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


def _find(shapes, name):
    for i in range(shapes.getCount()):
        shape = shapes.getByIndex(i)
        if shape.Name == name:
            return shape
        if shape.ShapeType == "com.sun.star.drawing.GroupShape":
            found = _find(shape, name)
            if found is not None:
                return found
    return None


def main(src, dst, name, dx_mm, text):
    port = _free_port()
    profile = Path(tempfile.mkdtemp(prefix="nnviz-lo-"))
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            f"--accept=socket,host=localhost,port={port};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = f"uno:socket,host=localhost,port={port};urp;StarOffice.ComponentContext"
        for _ in range(120):
            try:
                ctx = resolver.resolve(url)
                break
            except Exception:
                time.sleep(0.5)
        else:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(str(Path(src).resolve())), "_blank", 0, (_prop("Hidden", True),)
        )
        shape = _find(doc.DrawPages.getByIndex(0), name)
        if shape is None:
            raise SystemExit(f"no shape named {name}")
        position = shape.Position
        shape.Position = Point(position.X + int(float(dx_mm) * 100), position.Y)  # 1/100 mm
        shape.setString(text)
        doc.storeToURL(
            uno.systemPathToFileUrl(str(Path(dst).resolve())),
            (_prop("FilterName", "Impress MS PowerPoint 2007 XML"),),
        )
        doc.close(True)
    finally:
        office.terminate()
        office.wait(timeout=30)


if __name__ == "__main__":
    main(*sys.argv[1:6])
