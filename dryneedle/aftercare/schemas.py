"""The aftercare API's request and response shapes (api.py holds the operations)."""

from datetime import datetime
from uuid import UUID

from ninja import Schema


class CheckInOut(Schema):
    code: UUID
    attempt: int
    due_at: datetime
    emailed: bool
    answered_at: datetime | None
    answers: dict | None
    problem: bool
    red: bool
