"""Scoring: code answers, apply reverse keys and proration rules, compute domain scores."""

from .coding import STATUS_NAMES, Coder
from .engine import map_columns, score
from .scores import Scores

__all__ = ["STATUS_NAMES", "Coder", "Scores", "map_columns", "score"]
