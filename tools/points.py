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


def points_decimals(rounding):
    """The decimals a points ``rounding`` allows: 1 and 5 give 0, 0.5 gives 1,
    0.01 and 0.25 give 2; never more than points are stored with."""
    if not rounding or rounding <= 0:
        return POINTS_PRECISION
    for decimals in range(POINTS_PRECISION):
        scaled = rounding * 10**decimals
        if abs(scaled - round(scaled)) < 1e-6:
            return decimals
    return POINTS_PRECISION


def points_display_digits(points, rounding):
    """The decimals to show ``points`` with: those of the company's
    ``rounding``, or the stored precision when the value has a finer fraction
    (a points payment of 12.34 takes 12.34 points where earnings are whole
    points), so a figure is never shown rounded. JavaScript twin:
    ``pointsDisplayDecimals`` in static/src/utils/loyalty_points.js."""
    decimals = points_decimals(rounding)
    scaled = abs(points or 0.0) * 10**decimals
    return decimals if abs(scaled - round(scaled)) < 1e-6 else POINTS_PRECISION
