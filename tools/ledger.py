"""Ledger arithmetic, pure Python (no ORM): what a sale earns on, what a refund
reverses, how a points payment converts to points."""

import math

from .points import POINTS_PRECISION, round_points


def earning_base(sale_total, refund_total, paid_other, paid_points):
    """What the customer paid, by means other than points, for what the order sold.

    :param sale_total: the order's lines that are not refunds of earlier lines,
        negative lines (returns, discounts) included, as the server values them
    :param refund_total: the refund lines (negative)
    :param paid_other: payments by other means than points, change included
    :param paid_points: points payments (negative: points given back)

    Both sides are bounded: never more than the lines are worth once the points
    paid are taken off, never more than the money received (plus the credit of
    the refunded lines, in an exchange). Never negative.
    """
    spent_points = max(paid_points, 0.0)
    returned_points = min(paid_points, 0.0)
    return max(
        0.0,
        min(sale_total - spent_points, paid_other - refund_total + returned_points),
    )


def refund_reversal(earned, earned_qty, reversed_points, refunded_qty, qty, rounding):
    """Points that refunding ``qty`` more units of a line reverses.

    The line earned ``earned`` points on ``earned_qty`` units; earlier refunds
    took back ``refunded_qty`` units and ``reversed_points`` points. The total
    reversed follows the refunded share, rounded to ``rounding``, and the last
    unit takes back what is left: never more than the line earned.
    """
    if earned <= 0 or earned_qty <= 0 or qty <= 0:
        return 0.0
    refunded = min(refunded_qty + qty, earned_qty)
    if refunded >= earned_qty:
        target = earned
    else:
        target = min(earned, round(earned * refunded / earned_qty / rounding) * rounding)
    return max(0.0, round_points(target - reversed_points))


def points_paid(amount, point_value):
    """Points a points payment of ``amount`` (> 0) takes: rounded up to the
    stored precision, in the shop's favour, so any amount books some points."""
    if amount <= 0:
        return 0.0
    factor = 10**POINTS_PRECISION
    return math.ceil(amount / point_value * factor - 1e-6) / factor


def smallest_payment(point_value, currency_rounding):
    """The smallest points payment a till accepts: the value of the smallest
    bookable fraction of a point, rounded up to the currency."""
    value = point_value / 10**POINTS_PRECISION
    return math.ceil(value / currency_rounding - 1e-9) * currency_rounding


def match_credits(rooms, credits):
    """Spread the lines of a credit note over the lines of the invoice it
    credits: each credit goes to the invoice lines of the same key (product),
    in order, up to what each can still be credited; what no line can take is
    dropped (never more than an invoice line is worth).

    :param rooms: [(line, key, amount left to credit)], the invoice's lines
    :param credits: [(key, amount)], the credit note's lines (amount > 0)
    :return: {line: amount credited} (> 0)
    """
    left = {line: room for line, _key, room in rooms}
    credited = {}
    for key, amount in credits:
        for line, line_key, _room in rooms:
            if amount <= 0:
                break
            if line_key != key or left[line] <= 0:
                continue
            part = min(amount, left[line])
            left[line] -= part
            credited[line] = credited.get(line, 0.0) + part
            amount -= part
    return credited
