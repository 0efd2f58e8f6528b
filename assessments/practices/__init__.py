"""Practices and action plans: from low scores to concrete, recovery-oriented next steps."""

from .library import ACTORS, STAGES, linked_practices, load_practices, read_practices_file
from .plan import action_plan, plan_progress, read_action_plan, write_action_plan

__all__ = [
    "ACTORS", "STAGES", "action_plan", "linked_practices", "load_practices", "plan_progress",
    "read_action_plan", "read_practices_file", "write_action_plan",
]  # fmt: skip
