"""Charts drawn in a worker process while the report's statistics go on.

Drawing a chart (laying out its text, writing its SVG) is most of a report's time, and it is
pure Python, so a thread would not help. :func:`draw` pickles the finished matplotlib figure
and sends it to a worker process (started once per process by :func:`start`; :func:`serve` is
its loop), which draws it while the caller goes on building the report; the
:class:`Drawing` it returns gives the SVG (and PNG) when a renderer first asks for them, in the
order the charts were made, so a PDF writer consumes the first charts while the last are
still being drawn.

The output is byte-identical to drawing in the calling process, which is what happens with
one CPU, with ``ASSESS_CHART_WORKERS=0``, for a figure that cannot be pickled, or when no
worker can start. A worker that dies, or fails on a figure, costs nothing but time: the figure
is then drawn in the calling process, which raises the same error drawing it there would.
Warnings the drawing raises in the worker are raised again in the caller when the drawing is
collected. The worker is a plain subprocess fed through its standard input, not
:mod:`multiprocessing`, so a user's script without an ``if __name__ == "__main__"`` guard is
never run a second time.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import warnings
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

#: Each message is its id and its length (8 bytes each), then that many bytes; a reply adds
#: one status byte (0: the drawing, 1: the worker could not draw it).
_HEAD = struct.Struct(">QQ")
_REPLY = struct.Struct(">QQB")
PNG_DPI = 200

#: How long a renderer waits for a worker's drawing before drawing the chart itself.
WAIT_SECONDS = 300.0

#: The environment variable that sets how many worker processes draw charts (0: none).
WORKERS_ENV = "ASSESS_CHART_WORKERS"


def needs_raster(svg: str) -> bool:
    """Whether the PDF must draw this chart from a PNG: fpdf2 cannot draw SVG fill patterns
    or embedded images."""
    return "<pattern" in svg or "<image" in svg


def _png(fig: Any) -> bytes:
    """The figure as an RGB PNG at :data:`PNG_DPI`, quickly compressed (the PDF writer
    compresses images again, so a slow PNG encoding buys nothing)."""
    import numpy as np
    from PIL import Image

    raw = io.BytesIO()
    fig.savefig(raw, format="rgba", dpi=PNG_DPI)
    width = round(fig.get_size_inches()[0] * PNG_DPI)
    pixels = np.frombuffer(raw.getvalue(), dtype=np.uint8)
    height = pixels.size // (4 * width)
    image = Image.fromarray(pixels.reshape(height, width, 4)[..., :3], mode="RGB")
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def render(fig: Any) -> tuple[str, bytes]:
    """Draw a matplotlib figure in the chart theme: its SVG, and a PNG at :data:`PNG_DPI`
    only when the PDF cannot draw the SVG (:func:`needs_raster`). The figure is closed."""
    import matplotlib.pyplot as plt

    from .theme import theme

    svg = io.StringIO()
    try:
        with theme():
            fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
            png = _png(fig) if needs_raster(svg.getvalue()) else b""
    finally:
        plt.close(fig)
    return svg.getvalue(), png


class Drawing:
    """A chart's SVG and PNG, drawn here or still being drawn by a worker."""

    def __init__(
        self,
        result: tuple[str, bytes] | None = None,
        *,
        future: Future[tuple[tuple[str, bytes], list[tuple[type[Warning], str]]]] | None = None,
        figure: bytes = b"",
    ) -> None:
        self._result = result
        self._future = future
        self._figure = figure  # the pickled figure, to draw here if the worker cannot
        self._lock = threading.Lock()

    def result(self) -> tuple[str, bytes]:
        """The SVG and PNG, waiting for the worker if it is still drawing them."""
        with self._lock:
            if self._result is None:
                assert self._future is not None  # set whenever no result is
                try:
                    self._result, caught = self._future.result(timeout=WAIT_SECONDS)
                except Exception:  # the worker died or could not draw it: draw it here
                    self._result, caught = render(pickle.loads(self._figure)), []
                for category, message in caught:
                    warnings.warn(message, category, stacklevel=3)
                self._future, self._figure = None, b""
            return self._result

    @property
    def pending(self) -> bool:
        """Whether the drawing has not been collected yet."""
        return self._result is None


class _Worker:
    """One worker process and the thread that collects its replies."""

    def __init__(self) -> None:
        # this very package, whatever the working folder holds (-P: no folder in front)
        package_root = str(Path(__file__).resolve().parents[2])
        code = (
            f"import sys; sys.path.insert(0, {package_root!r}); "
            "from assessments.charts.drawing import serve; serve()"
        )
        env = dict(os.environ, MPLBACKEND="Agg")
        env[WORKERS_ENV] = "0"  # a worker draws; it never starts workers of its own
        self.process = subprocess.Popen(
            [sys.executable, "-P", "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.lock = threading.Lock()
        self.pending: dict[int, Future[Any]] = {}
        self.next_id = 0
        self.alive = True
        # figures are handed over by a thread, so that the caller never waits for the worker
        # to read them (a pipe holds 64 KB; a figure is 100-300 KB)
        self.outbox: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        threading.Thread(target=self._send, name="chart-worker-in", daemon=True).start()
        self.collector = threading.Thread(
            target=self._collect, name="chart-worker-out", daemon=True
        )
        self.collector.start()

    def submit(self, data: bytes) -> Future[Any]:
        future: Future[Any] = Future()
        with self.lock:
            if not self.alive:
                raise BrokenPipeError("the chart worker has stopped")
            ident = self.next_id
            self.next_id += 1
            self.pending[ident] = future
            self.outbox.put(_HEAD.pack(ident, len(data)) + data)
        return future

    def _send(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None  # opened with PIPE
        try:
            while (message := self.outbox.get()) is not None:
                stdin.write(message)
                stdin.flush()
        except OSError:  # the worker has gone: _collect fails what it did not answer
            pass
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _collect(self) -> None:
        stdout = self.process.stdout
        assert stdout is not None  # opened with PIPE
        while True:
            head = _read(stdout, _REPLY.size)
            if head is None:
                break
            ident, size, status = _REPLY.unpack(head)
            body = _read(stdout, size)
            if body is None:
                break
            with self.lock:
                future = self.pending.pop(ident, None)
            if future is None:
                continue
            if status == 0:
                future.set_result(pickle.loads(body))
            else:
                future.set_exception(RuntimeError(body.decode("utf-8", "replace")))
        stdout.close()
        with self.lock:
            self.alive = False
            orphans = list(self.pending.values())
            self.pending.clear()
        for future in orphans:
            future.set_exception(BrokenPipeError("the chart worker has stopped"))

    def stop(self) -> None:
        with self.lock:
            self.alive = False
        self.outbox.put(None)  # the input ends once what was handed over is sent
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.collector.join(timeout=5)  # it closes the worker's output at its end


def _read(stream: IO[bytes], size: int) -> bytes | None:
    """Exactly ``size`` bytes from ``stream``, or None at its end."""
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


_workers: list[_Worker] = []
_turn = 0
_started = False
_start_lock = threading.Lock()


def _forget() -> None:
    """In a forked child: the parent's workers answer the parent, so start afresh."""
    global _started, _start_lock
    _workers.clear()
    _started = False
    _start_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget)


def worker_count() -> int:
    """How many workers draw charts: :data:`WORKERS_ENV` when set, else one fewer than the
    CPUs this process may use, at most 3 (0 with one CPU)."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value.isdigit():
        return int(value)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(0, min(3, cpus - 1))


def start() -> None:
    """Start the chart workers if they are not running (they take a moment to import
    matplotlib, so a report starts them before its statistics)."""
    global _started
    with _start_lock:
        if _started:  # a worker that died is not replaced: its charts are drawn here
            return
        for _ in range(worker_count()):
            try:
                _workers.append(_Worker())
            except OSError:  # no process can be started here: charts are drawn in this one
                break
        _started = True


def stop() -> None:
    """Stop the chart workers (at exit, or to free their memory); :func:`start` starts them
    again."""
    global _started
    with _start_lock:
        for w in _workers:
            w.stop()
        _workers.clear()
        _started = False


atexit.register(stop)


def draw(fig: Any) -> Drawing:
    """Draw a finished matplotlib figure: sent to a worker when one is running, else drawn
    here. The figure is closed in this process either way."""
    global _turn
    import matplotlib.pyplot as plt

    start()
    live = [w for w in _workers if w.alive]
    if live:
        try:
            data = pickle.dumps(fig)
        except Exception:  # an artist that cannot be pickled: draw it here
            return Drawing(render(fig))
        plt.close(fig)
        _turn += 1
        try:
            return Drawing(future=live[_turn % len(live)].submit(data), figure=data)
        except OSError:
            return Drawing(render(pickle.loads(data)))
    return Drawing(render(fig))


def _serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """The worker's loop: read pickled figures, reply with their drawings, until the input
    ends. A thread reads ahead, so that the caller never waits to hand over a figure."""
    jobs: queue.Queue[tuple[int, bytes] | None] = queue.Queue()

    def read() -> None:
        while (head := _read(requests, _HEAD.size)) is not None:
            ident, size = _HEAD.unpack(head)
            body = _read(requests, size)
            if body is None:
                break
            jobs.put((ident, body))
        jobs.put(None)

    threading.Thread(target=read, daemon=True).start()
    while (job := jobs.get()) is not None:
        ident, body = job
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                drawn = render(pickle.loads(body))
            reply = pickle.dumps((drawn, [(w.category, str(w.message)) for w in caught]))
            status = 0
        except BaseException as exc:  # reported to the caller, which draws it itself
            reply, status = repr(exc).encode("utf-8"), 1
        replies.write(_REPLY.pack(ident, len(reply), status) + reply)
        replies.flush()


def serve() -> None:
    """The worker process: replies go on a copy of standard output, and anything a library
    prints goes to standard error."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    import matplotlib

    matplotlib.use("Agg")
    from . import theme  # noqa: F401  (imported before the first figure arrives)

    _serve(sys.stdin.buffer, replies)
