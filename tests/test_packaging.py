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
    assert info["ids"] == ["oric", "orca", "rsa", "rsa-r", "peer-support-practices"]
    assert info["instruments"].startswith(str(site))
    assert info["reports"].startswith(str(site))
