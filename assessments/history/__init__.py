"""Assessment history: every scored wave kept in SQLite or PostgreSQL (:class:`History`)."""

from .store import History, HistoryError, WaveInfo, default_store

__all__ = ["History", "HistoryError", "WaveInfo", "default_store"]
