"""Delivery status definitions: the statuses, which of them are overdue, the deadline; nothing
executed.

The rules in words are in `impactmonitor.delivery_status`, which computes the status of every
provider-quarter from the database with these; the escalation rules (`definitions.escalation`)
use the overdue statuses and the deadline.

A leaf module: no database, no storage (tests/test_layout.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from impactmonitor.config import setting
from impactmonitor.quarters import quarter_end

COMPLETE, LATE, INCOMPLETE = "complete", "late", "incomplete"
MISSING, PENDING = "missing", "pending"
STATUSES = (COMPLETE, LATE, INCOMPLETE, MISSING, PENDING)
OVERDUE = (INCOMPLETE, MISSING)
TABLES = ("population", "offer", "results")


def deadline(quarter: str, deadline_days: int | None = None) -> date:
    """The last day on which a delivery for `quarter` is on time."""
    days = setting("delivery", "deadline_days") if deadline_days is None else deadline_days
    return quarter_end(quarter) + timedelta(days=int(days))
