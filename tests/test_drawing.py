"""Charts drawn by a worker process (assessments.charts.drawing): the same bytes as drawing in
the calling process, and every way the worker can fail ends in the chart drawn here."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import matplotlib.pyplot as plt
import pytest
from matplotlib.ticker import FuncFormatter

from assessments import score
from assessments.charts import drawing
from assessments.charts.theme import new_axes
from assessments.demo import demo_responses
from assessments.render import build_report


@pytest.fixture
def workers(monkeypatch):
    """One chart worker, started afresh for the test and stopped after it."""
    drawing.stop()
    monkeypatch.setenv(drawing.WORKERS_ENV, "1")
    drawing.start()
    yield drawing._workers
    drawing.stop()


@pytest.fixture
def no_workers(monkeypatch):
    drawing.stop()
    monkeypatch.setenv(drawing.WORKERS_ENV, "0")
    yield
    drawing.stop()


def _chart(title: str = "A chart"):
    ax = new_axes(4, 2)
    ax.bar([0, 1, 2], [3, 1, 2])
    ax.set_title(title)
    return ax.get_figure(root=True)


def _svgs(s, **kw) -> list[str]:
    report = build_report(s, "role", aggregate_by="site", n_boot=0, **kw)
    return [b.svg for sec in report.sections for b in sec.blocks if hasattr(b, "drawing")]


def test_a_report_drawn_by_a_worker_is_byte_identical_to_one_drawn_here(monkeypatch):
    s = score(demo_responses("orca", n=150, seed=3), "orca", on_invalid="missing")
    drawing.stop()
    monkeypatch.setenv(drawing.WORKERS_ENV, "0")
    here = _svgs(s)
    assert drawing._workers == []  # nothing was started
    monkeypatch.setenv(drawing.WORKERS_ENV, "1")
    drawing.stop()
    pending = []
    original = drawing.draw

    def spy(fig):
        d = original(fig)
        pending.append(d._job is not None)
        return d

    monkeypatch.setattr(drawing, "draw", spy)
    there = _svgs(s)
    drawing.stop()
    assert len(here) >= 8
    assert all(pending)  # every chart went to the worker
    assert there == here


def test_a_worker_that_dies_leaves_its_charts_drawn_here(workers):
    expected = drawing.render(_chart())
    (worker,) = workers
    worker.process.kill()
    worker.process.wait()
    late = drawing.draw(_chart())  # handed to a worker that has gone, or drawn here
    assert late.result() == expected


def test_a_worker_killed_while_it_holds_a_chart_gives_it_back(workers, monkeypatch):
    expected = drawing.render(_chart())
    (worker,) = workers
    # the figure reaches the worker, which is then killed before anything is collected
    d = drawing.draw(_chart())
    worker.process.kill()
    assert d.result() == expected


def test_a_figure_that_cannot_be_pickled_is_drawn_here(workers):
    fig = _chart()
    fig.axes[0].yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f} pts"))
    d = drawing.draw(fig)
    assert not d.pending  # drawn on the spot
    assert "pts" in d.result()[0]
    assert plt.fignum_exists(fig.number) is False  # closed either way


def test_warnings_the_worker_catches_are_raised_here(monkeypatch):
    """The worker's loop (run here on in-memory pipes) records a drawing's warnings with its
    reply, and collecting the drawing raises them in the caller."""
    import io
    import pickle
    import warnings

    def warning_render(fig):
        warnings.warn("a label was shortened", UserWarning, stacklevel=1)
        return "<svg/>", b""

    monkeypatch.setattr(drawing, "render", warning_render)
    data = pickle.dumps(_chart())
    requests = io.BytesIO(drawing._HEAD.pack(7, len(data)) + data)
    replies = io.BytesIO()
    drawing._serve(requests, replies)
    ident, _size, status = drawing._REPLY.unpack(replies.getvalue()[: drawing._REPLY.size])
    assert (ident, status) == (7, 0)
    job = drawing._Job(data)
    job.state = "sent"  # as if a worker had it
    job.future.set_result(pickle.loads(replies.getvalue()[drawing._REPLY.size :]))
    with pytest.warns(UserWarning, match="a label was shortened"):
        assert drawing.Drawing(job=job).result() == ("<svg/>", b"")


def test_no_worker_with_workers_set_to_zero(no_workers):
    d = drawing.draw(_chart())
    assert not d.pending
    assert drawing._workers == []


def test_a_script_without_a_main_guard_runs_once(tmp_path):
    """A worker is a plain subprocess, not multiprocessing: the user's script is not run
    again in it (multiprocessing's spawn would re-import the script as __mp_main__)."""
    log = tmp_path / "runs.txt"
    script = tmp_path / "report.py"
    script.write_text(
        textwrap.dedent(
            f"""
            from pathlib import Path
            with open({str(log)!r}, "a") as f:
                f.write("ran\\n")
            from assessments import score
            from assessments.demo import demo_responses
            from assessments.render import build_report, render_pdf
            from assessments.charts import drawing
            s = score(demo_responses("oric", n=40), "oric", on_invalid="missing")
            report = build_report(s, n_boot=0)
            assert render_pdf(report).startswith(b"%PDF")
            print(len(drawing._workers))
            """
        )
    )
    env = dict(os.environ, **{drawing.WORKERS_ENV: "1"})
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "1"  # the report used a worker
    assert log.read_text() == "ran\n"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is POSIX only")
def test_a_forked_child_does_not_use_its_parents_worker(workers):
    parents = workers[0]
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the parent's worker is forgotten, a chart is still drawn
        try:
            ok = drawing._workers == []
            svg = drawing.draw(_chart()).result()[0]
            ok = ok and parents not in drawing._workers
            os.write(write, b"ok" if ok and svg.startswith("<?xml") else b"no")
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 2) == b"ok"
    assert parents.alive
    assert drawing._workers == [parents]
