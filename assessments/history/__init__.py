"""Assessment history: every scored wave kept in SQLite or PostgreSQL (:class:`History`)."""

from .order import WaveOrderError, order_waves
from .store import History, HistoryError, WaveInfo, default_store

__all__ = ["History", "HistoryError", "WaveInfo", "WaveOrderError", "default_store", "order_waves"]
