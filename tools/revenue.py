"""Deferred revenue of loyalty points (IFRS 15 B39-B43, ASC 606), pure Python (no
ORM): how much of a sale's price its points take, and how much of a pool of
points is recognised as they are redeemed.

Rates are fractions (0.95 for 95 %); amounts are not rounded here.
"""


def standalone_price(points, point_value, expected_rate):
    """The stand-alone selling price of ``points``: their face value times the
    share of them expected to be redeemed."""
    return points * point_value * expected_rate


def allocated_to_points(price, points, point_value, expected_rate):
    """The part of a sale's ``price`` allocated to the ``points`` it earned, by
    relative stand-alone selling prices: price x SSP / (price + SSP).

    :param price: what the customer paid for the sale by other means than
        points, untaxed (the stand-alone selling price of the goods)
    """
    ssp = standalone_price(points, point_value, expected_rate)
    if price <= 0 or ssp <= 0:
        return 0.0
    return price * ssp / (price + ssp)


def released_share(issued, redeemed, forfeited, expected_rate):
    """The share of a pool's deferred amount recognised so far, in [0, 1]:
    points redeemed out of the points expected to be redeemed, cumulatively.

    The points expected to be redeemed are ``issued`` x ``expected_rate``, never
    more than the points not forfeited (expired, taken away): so breakage is
    recognised with the redemptions, and when every point of the pool is
    redeemed or forfeited the whole deferred amount is.

    :param issued: points of the pool (net of the cancelled ones)
    :param redeemed: points of the pool redeemed (net of those given back)
    :param forfeited: points of the pool expired or taken away
    """
    expected = min(issued * expected_rate, issued - forfeited)
    if expected <= 1e-9:
        return 1.0
    return min(1.0, max(0.0, redeemed / expected))
