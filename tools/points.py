"""Points arithmetic, pure Python (no ORM)."""

import math

# Points are stored with two decimals (a rounding of 0.01 is allowed).
POINTS_DIGITS = (16, 2)
POINTS_PRECISION = POINTS_DIGITS[1]


def round_points(points):
    """Round ``points`` to the stored precision (half away from zero)."""
    return round(points + (1e-9 if points >= 0 else -1e-9), POINTS_PRECISION)


def round_down(points, rounding):
    """Round ``points`` (>= 0) down to a multiple of ``rounding`` (> 0).

    A tiny tolerance keeps binary noise from dropping a whole step:
    ``round_down(2.2 * 100, 1) == 220``.
    """
    if rounding <= 0:
        raise ValueError("rounding must be positive")
    if points <= 0:
        return 0.0
    steps = math.floor(points / rounding + 1e-9)
    return round_points(steps * rounding)
