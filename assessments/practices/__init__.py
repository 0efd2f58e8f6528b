"""Practices and action plans: from low scores to concrete, recovery-oriented next steps."""

from .library import (
    ACTORS,
    CSV_COLUMNS,
    STAGES,
    library_names,
    library_sources,
    linked_practices,
    load_practices,
    read_practices_file,
    with_user_practices,
)
from .plan import action_plan, plan_progress, read_action_plan, write_action_plan

__all__ = [
    "ACTORS", "CSV_COLUMNS", "STAGES", "action_plan", "library_names", "library_sources",
    "linked_practices", "load_practices", "plan_progress", "read_action_plan",
    "read_practices_file", "with_user_practices", "write_action_plan",
]  # fmt: skip
