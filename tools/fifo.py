"""FIFO planning of lot consumption, pure Python (no ORM)."""

from datetime import date

_NEVER = date.max


def lot_order_key(lot):
    """Sort key of a lot: first expiring first, lots that never expire last, then id.

    ``lot`` is a ``(lot_id, expiry_date or None, remaining)`` tuple.
    """
    lot_id, expiry_date, _remaining = lot
    return (expiry_date or _NEVER, lot_id)


def plan_consumption(lots, points):
    """Plan how ``points`` (> 0) are taken from ``lots``, first expiring first.

    :param lots: iterable of ``(lot_id, expiry_date or None, remaining)``
    :param points: how many points to take, a positive number
    :return: ``(allocations, shortfall)``: ``allocations`` is a list of
        ``(lot_id, points)`` in consumption order, ``shortfall`` what the lots
        could not cover (0 when they cover everything).
    """
    if points < 0:
        raise ValueError("points to consume must be positive")
    allocations = []
    left = points
    for lot in sorted(lots, key=lot_order_key):
        if left <= 0:
            break
        lot_id, _expiry, remaining = lot
        if remaining <= 0:
            continue
        taken = min(remaining, left)
        allocations.append((lot_id, taken))
        left -= taken
    return allocations, max(left, 0)
