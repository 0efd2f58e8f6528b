"""Instruments as data: the model, the YAML loader and schema, scoring keys, the registry."""

from .keys import apply_key
from .loader import normalize_label, read_instrument_file
from .model import Answer, Domain, Instrument, Item, Norm, ResponseScale, Scale, Version
from .registry import list_instruments, load_instrument, shipped_files

__all__ = [
    "Answer",
    "Domain",
    "Instrument",
    "Item",
    "Norm",
    "ResponseScale",
    "Scale",
    "Version",
    "apply_key",
    "list_instruments",
    "load_instrument",
    "normalize_label",
    "read_instrument_file",
    "shipped_files",
]
