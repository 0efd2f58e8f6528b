"""Charts drawn in a worker process while the report's statistics go on.

Drawing a chart (laying out its text, writing its SVG) is most of a report's time, and it is
pure Python, so a thread would not help. :func:`draw` pickles the finished matplotlib figure
and sends it to a worker process (started once per process by :func:`start`; :func:`serve` is
its loop), which draws it while the caller goes on building the report; the
:class:`Drawing` it returns gives the SVG when a renderer first asks for it, in the
order the charts were made, so a PDF writer consumes the first charts while the last are
still being drawn. Figures wait in one queue; each worker holds at most :data:`WINDOW` of them,
and a renderer that needs a drawing not yet done draws queued figures itself meanwhile, so the
caller's CPU is not idle while the workers catch up.

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
import re
import struct
import subprocess
import sys
import threading
import warnings
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import IO, Any

#: Each message is its id and its length (8 bytes each), then that many bytes; a reply adds
#: one status byte (0: the drawing, 1: the worker could not draw it).
_HEAD = struct.Struct(">QQ")
_REPLY = struct.Struct(">QQB")

#: How long a renderer waits for a worker's drawing before drawing the chart itself.
WAIT_SECONDS = 300.0

#: The environment variable that sets how many worker processes draw charts (0: none).
WORKERS_ENV = "ASSESS_CHART_WORKERS"


def needs_raster(svg: str) -> bool:
    """Whether a chart holds SVG fill patterns or embedded images, which a renderer without
    full SVG support could not draw (none of ours do; Typst, which writes the PDF, draws
    them all)."""
    return "<pattern" in svg or "<image" in svg


#: Characters no font draws and no SVG holds (C0 controls but tab and newlines).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _printable_labels(func: Any) -> Any:
    def printable(x: Any, pos: Any = None) -> str:
        return _CONTROL.sub("\ufffd", str(func(x, pos)))

    return printable


def render(fig: Any) -> tuple[str, bytes]:
    """Draw a matplotlib figure in the chart theme: its SVG, and an empty PNG slot (the PDF
    draws every chart from its SVG). The figure is closed."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text
    from matplotlib.ticker import FixedFormatter, FuncFormatter

    from .theme import theme

    for text in fig.findobj(Text):  # a control character in a group's name: no glyph, no XML
        shown = text.get_text()
        if _CONTROL.search(shown):
            text.set_text(_CONTROL.sub("\ufffd", shown))
    for ax in fig.axes:  # tick labels are written again from their formatter when drawn
        for axis in (ax.xaxis, ax.yaxis):
            fmt = axis.get_major_formatter()
            if isinstance(fmt, FixedFormatter) and any(_CONTROL.search(str(s)) for s in fmt.seq):
                fmt.seq = [_CONTROL.sub("\ufffd", str(s)) for s in fmt.seq]
            elif isinstance(fmt, FuncFormatter):  # labels given with set_ticks(labels=...)
                fmt.func = _printable_labels(fmt.func)
            if not axis.label.get_text():
                # nothing to place: matplotlib would measure every tick label (a long list of
                # item names) to place the empty label, a sixth of the drawing time
                axis.set_label_coords(0, 0)
    svg = io.StringIO()
    try:
        with theme():
            fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    return svg.getvalue(), b""


Caught = list[tuple[type[Warning], str]]


class _Job:
    """A pickled figure waiting in :data:`_queue`, then sent to a worker or taken back."""

    __slots__ = ("data", "future", "state")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.future: Future[tuple[tuple[str, bytes], Caught]] = Future()
        self.state = "queued"  # then "sent" (to a worker) or "taken" (drawn by the caller)


#: Figures not yet handed to a worker, oldest first; a renderer waiting for a drawing draws
#: queued ones itself rather than wait idle (the workers and the caller share the charts).
_queue: deque[_Job] = deque()
_cond = threading.Condition()


def _take(job: _Job | None = None) -> _Job | None:
    """Take ``job`` (or the oldest queued job) out of the queue to draw here; None if it has
    already gone to a worker."""
    with _cond:
        if job is None:
            job = _queue[0] if _queue else None
        if job is None or job.state != "queued":
            return None
        _queue.remove(job)
        job.state = "taken"
        return job


def _draw_here(job: _Job) -> None:
    """Draw a taken job in this process, as a worker would (warnings recorded with it)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            drawn = render(pickle.loads(job.data))
        job.future.set_result((drawn, [(w.category, str(w.message)) for w in caught]))
    except Exception as exc:  # raised again when its own drawing is collected
        job.future.set_exception(exc)


class Drawing:
    """A chart's SVG and PNG, drawn here or still being drawn by a worker."""

    def __init__(self, result: tuple[str, bytes] | None = None, *, job: _Job | None = None):
        self._result = result
        self._job = job
        self._lock = threading.Lock()

    def result(self) -> tuple[str, bytes]:
        """The SVG and PNG. While a worker is still drawing them, the figures still queued
        are drawn here meanwhile; if the worker cannot draw them, they are drawn here."""
        with self._lock:
            if self._result is None:
                job = self._job
                assert job is not None  # set whenever no result is
                if _take(job) is not None:
                    _draw_here(job)
                while not job.future.done() and (other := _take()) is not None:
                    _draw_here(other)
                try:
                    self._result, caught = job.future.result(timeout=WAIT_SECONDS)
                except Exception:  # the worker died or could not draw it: draw it here
                    self._result, caught = render(pickle.loads(job.data)), []
                for category, message in caught:
                    warnings.warn(message, category, stacklevel=3)
                self._job = None
            return self._result

    @property
    def pending(self) -> bool:
        """Whether the drawing has not been collected yet."""
        return self._result is None


#: How many figures each worker holds at once (one drawing, one waiting), so that it never
#: idles between two and the rest stay in :data:`_queue` for whoever is free first.
WINDOW = 2


class _Worker:
    """One worker process, the thread that feeds it queued figures and the thread that
    collects its replies."""

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
            # its own process group: Ctrl-C in a terminal (sent to the whole foreground group)
            # stops the command, which ends the worker by closing its input; the worker never
            # sees the interrupt, so it prints no traceback of its own
            start_new_session=True,
        )
        self.pending: dict[int, _Job] = {}  # sent and not answered, under _cond
        self.next_id = 0
        self.alive = True
        self.feeder = threading.Thread(target=self._feed, name="chart-worker-in", daemon=True)
        self.collector = threading.Thread(
            target=self._collect, name="chart-worker-out", daemon=True
        )
        self.feeder.start()
        self.collector.start()

    def _ready(self) -> bool:
        """Whether to stop, or to send the next queued figure (called under _cond)."""
        return not self.alive or bool(_queue and len(self.pending) < WINDOW)

    def _feed(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None  # opened with PIPE
        try:
            while True:
                with _cond:
                    _cond.wait_for(
                        lambda: not self.alive or (_queue and len(self.pending) < WINDOW)
                    )
                    if not self.alive:
                        break
                    job = _queue.popleft()
                    job.state = "sent"
                    ident = self.next_id
                    self.next_id += 1
                    self.pending[ident] = job
                stdin.write(_HEAD.pack(ident, len(job.data)) + job.data)
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
            with _cond:
                job = self.pending.pop(ident, None)
                _cond.notify_all()
            if job is None:
                continue
            if status == 0:
                job.future.set_result(pickle.loads(body))
            else:
                job.future.set_exception(RuntimeError(body.decode("utf-8", "replace")))
        stdout.close()
        with _cond:
            self.alive = False
            orphans = list(self.pending.values())
            self.pending.clear()
            _cond.notify_all()
        for job in orphans:
            job.future.set_exception(BrokenPipeError("the chart worker has stopped"))

    def stop(self) -> None:
        with _cond:
            self.alive = False
            _cond.notify_all()
        self.feeder.join(timeout=5)  # it closes the worker's input: the worker ends
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
_started = False
_start_lock = threading.Lock()


def _forget() -> None:
    """In a forked child: the parent's workers answer the parent, so start afresh; what the
    parent had sent them is drawn here when it is asked for."""
    global _started, _start_lock, _cond
    _cond = threading.Condition()
    for w in _workers:
        for job in w.pending.values():
            job.future = Future()
            job.state = "queued"
            _queue.append(job)
    _workers.clear()
    _started = False
    _start_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget)


def worker_count() -> int:
    """How many workers draw charts: :data:`WORKERS_ENV` when set, else one fewer than the
    CPUs this process may use, at most 3 (0 with one CPU, and in a bundled application)."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if value.isdigit():
        return int(value)
    if getattr(sys, "frozen", False):  # a bundled app: its executable is not a Python
        return 0
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
    again. Figures they had not been given are drawn by the caller when asked for."""
    global _started
    with _start_lock:
        for w in _workers:
            w.stop()
        _workers.clear()
        _started = False


atexit.register(stop)


def draw(fig: Any) -> Drawing:
    """Draw a finished matplotlib figure: queued for the workers when one is running, else
    drawn here. The figure is closed in this process either way."""
    import matplotlib.pyplot as plt

    start()
    if not any(w.alive for w in _workers):
        return Drawing(render(fig))
    try:
        data = pickle.dumps(fig)
    except Exception:  # an artist that cannot be pickled: draw it here
        return Drawing(render(fig))
    plt.close(fig)
    job = _Job(data)
    with _cond:
        _queue.append(job)
        _cond.notify_all()
    return Drawing(job=job)


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
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the caller decides when drawing stops
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    import matplotlib

    matplotlib.use("Agg")
    from . import theme  # noqa: F401  (imported before the first figure arrives)

    _serve(sys.stdin.buffer, replies)
