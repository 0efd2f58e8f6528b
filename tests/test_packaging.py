"""The wheel carries instruments/ and reports/, and an installed copy (not the source tree)
finds and loads every instrument."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHECK = """
import assessments, json
from assessments import list_instruments, load_instrument
from assessments.resources import data_dir
ids = [i.id for i in list_instruments()]
load_instrument("rsa", "provider")
print(json.dumps({"file": assessments.__file__, "ids": ids, "reports": str(data_dir("reports")),
                  "instruments": str(data_dir("instruments"))}))
"""


def test_wheel_ships_data_and_installed_copy_loads_instruments(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheels),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("recovery_assessments-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in [
        "oric.yaml",
        "orca.yaml",
        "rsa.yaml",
        "rsa-r.yaml",
        "keys/rsa.example.yaml",
        "peer-support-practices.yaml",
        "practices/peer-support.yaml",
    ]:
        assert f"assessments/_data/instruments/{name}" in names
    assert "assessments/_data/reports/README.md" in names
    assert "assessments/instruments/instrument.schema.json" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    out = subprocess.run(
        [sys.executable, "-c", CHECK],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    import json

    info = json.loads(out)
    assert info["file"].startswith(str(site))
    assert info["ids"] == ["oric", "orca", "rsa", "rsa-r", "rki", "peer-support-practices"]
    assert info["instruments"].startswith(str(site))
    assert info["reports"].startswith(str(site))


def _import_graph() -> dict[str, set[str]]:
    """Every import between the package's modules, read from the source (run-time, lazy and
    type-checking-only imports alike)."""
    import ast

    root = ROOT / "assessments"
    mods = {}
    for f in root.rglob("*.py"):
        parts = list(f.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = f
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for m, f in mods.items():
        pkg = m if f.name == "__init__.py" else m.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                names = ([target] if node.module else []) + [
                    f"{target}.{a.name}" for a in node.names
                ]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            graph[m] |= {c for c in names if c in mods and c != m}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_modules_import_in_layers_without_cycles():
    """Issue 16: scoring no longer imports io.responses (the Responses model is
    assessments.responses, below both), Instrument and Scores show themselves without a
    display module that imports them back, the report model imports no renderer, and the key
    workbook reads definitions through the loader instead of the registry above it."""
    graph = _import_graph()
    assert "assessments.io.responses" not in graph["assessments.scoring.engine"]
    assert "assessments.render.html" not in graph["assessments.render.model"]
    assert "assessments.instruments.registry" not in graph["assessments.instruments.key_workbook"]
    assert _cycles(graph) == []
    # and the checker finds a cycle when there is one
    graph["assessments.responses"].add("assessments.scoring.engine")
    assert len(_cycles(graph)) == 1
