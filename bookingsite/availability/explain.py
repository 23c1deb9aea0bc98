"""Why a local day offers nothing: the short reason the customer grid shows."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from .engine import grid_points, why_not
from .model import Reason, Request
from .wallclock import working_periods

# When reasons tie, the earlier one in this order is the more useful to read.
_PREFERENCE = tuple(Reason)


def _candidates(
    req: Request, day: date, duration: timedelta | None
) -> list[tuple[datetime, datetime]]:
    policy = req.policy
    ranges = []
    for place in req.places:
        if req.resource_id is not None and place.id != req.resource_id:
            continue
        for period in working_periods(place.hours, day, day):
            if duration is None:  # daily ranges: the whole working time of the day
                ranges.append((period.open, period.close))
                continue
            step = policy.grid.step_for(duration, policy.buffer_before + policy.buffer_after)
            ranges += [
                (start, start + duration)
                for start in grid_points(period, step, place.hours.tz, policy.grid.anchor)
                if start + duration <= period.close
            ]
    return ranges


def day_reason(req: Request, day: date, duration: timedelta | None) -> Reason:
    """The commonest reason across the day's candidate starts (CLOSED if there are none).
    `duration` None asks about a whole day, for daily ranges."""
    candidates = _candidates(req, day, duration)
    if not candidates:
        return Reason.CLOSED
    reasons = Counter(
        why_not(req, start, end, resource_id=req.resource_id) for start, end in candidates
    )
    reasons.pop(None, None)
    if not reasons:
        return Reason.BOOKED
    return max(reasons, key=lambda r: (reasons[r], -_PREFERENCE.index(r)))
