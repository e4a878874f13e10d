"""What a long command-line run is doing, as one status line on stderr.

The line shows only on a terminal, only once the run has taken `DELAY` seconds (a quick run
prints nothing), and is rewritten in place as the steps change; it is erased at the end.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

DELAY = 2.0  # seconds before the first status line
TICK = 0.2  # how often the line is refreshed


class Status:
    """A status line: `say(step)` names the current step; `close()` erases the line."""

    def __init__(self, enabled: bool, stream: TextIO | None = None, delay: float = DELAY) -> None:
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.delay = delay
        self._start = time.monotonic()
        self._step = ""
        self._shown = ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if enabled:
            self._thread = threading.Thread(target=self._run, name="pptx-nnviz status", daemon=True)
            self._thread.start()

    @classmethod
    def for_terminal(cls, quiet: bool) -> Status:
        """Enabled unless `quiet` or stderr is not a terminal (a pipe, a file, CI logs)."""
        isatty = getattr(sys.stderr, "isatty", lambda: False)
        return cls(enabled=not quiet and bool(isatty()))

    def say(self, step: str) -> None:
        with self._lock:
            self._step = step

    def _run(self) -> None:
        while not self._stop.wait(TICK):
            elapsed = time.monotonic() - self._start
            with self._lock:
                if elapsed < self.delay or not self._step:
                    continue
                line = f"pptx-nnviz: {self._step} … {elapsed:.0f} s"
                if line != self._shown:
                    self._write("\r\x1b[K" + line)
                    self._shown = line

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # the terminal went away: stay quiet
            self._stop.set()

    def close(self) -> None:
        """Stop and erase the status line (so errors and results print on a clean line)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._shown:
                self._write("\r\x1b[K")
                self._shown = ""


_current = Status(enabled=False)


def current() -> Status:
    """The status line of the command being run (a silent one outside the command line)."""
    return _current


def use(status: Status) -> None:
    global _current
    _current = status
