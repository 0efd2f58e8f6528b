"""Find the shipped data folders (``instruments/``, ``reports/``).

In an installed wheel they live at ``assessments/_data/<name>``; in a source checkout (including
an editable install) they are the top-level folders of the repository. This module is the only
place that knows both layouts.

Examples
--------
>>> data_dir("instruments").name
'instruments'
"""

from __future__ import annotations

from pathlib import Path

from .errors import AssessmentError

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """Return the folder of shipped data called ``name`` (``"instruments"`` or ``"reports"``).

    Raises
    ------
    AssessmentError
        If neither the installed nor the source-checkout location exists.
    """
    installed = _PACKAGE / "_data" / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE.parent / name
    if checkout.is_dir():
        return checkout
    raise AssessmentError(
        f"the shipped folder {name!r} was not found at {installed} or {checkout}; "
        "reinstall the package (pip install --force-reinstall recovery-assessments)"
    )
