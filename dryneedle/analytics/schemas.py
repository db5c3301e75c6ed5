"""The effectiveness API's response shape (api.py holds the operation)."""

from datetime import date
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

Measure = Literal["nprs", "odi", "rmdq", "psfs"]
TimePoint = Literal["discharge", "12w", "3m", "6m", "12m"]
By = Literal["condition", "startback", "practitioner", "modality", "sessions", "trigger_points"]


class RateOut(Schema):
    rate: float | None
    low: float | None
    high: float | None


class GroupOut(Schema):
    group: dict[str, Any] = Field(description="The grouping values; empty for the whole cohort")
    label: str
    treated: int
    followed_up: int
    responders_mic: int
    responders_pct30: int
    suppressed: bool = Field(description="Fewer than 10 treated: no rate is given")
    rate_mic_all_treated: RateOut
    rate_mic_completers: RateOut
    rate_pct30_all_treated: RateOut
    rate_pct30_completers: RateOut


class EffectivenessOut(Schema):
    measure: str
    timepoint: str
    since: date
    until: date
    by: str | None
    mic_points: float
    definitions: list[str]
    overall: GroupOut
    groups: list[GroupOut]
