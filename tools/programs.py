"""Which program earns on an order line, and how much: pure Python (no ORM).

Programs and lines are plain data (:class:`ProgramSpec`, :class:`LineSpec`),
so the rules are tested without a database and reused by any caller.
"""

from dataclasses import dataclass, field

# From most to least specific: the scope that wins on a line.
SCOPE_WEIGHT = {
    "partner": 6,
    "partner_category": 5,
    "product": 4,
    "product_category": 3,
    "pos_config": 2,
    "all": 1,
}


@dataclass(frozen=True)
class ProgramSpec:
    id: int
    sequence: int
    scope: str
    earn_mode: str
    earn_rate: float
    partner_ids: frozenset = field(default_factory=frozenset)
    partner_category_ids: frozenset = field(default_factory=frozenset)
    product_ids: frozenset = field(default_factory=frozenset)
    # the categories with all their children
    product_category_ids: frozenset = field(default_factory=frozenset)
    pos_config_ids: frozenset = field(default_factory=frozenset)
    validity_days: int = 0  # 0: points never expire
    # customers (commercial partners) the program never earns for
    excluded_partner_ids: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class LineSpec:
    partner_id: int
    product_id: int
    product_category_id: int
    pos_config_id: int
    amount: float  # what the customer paid for the line by means other than points
    qty: float  # units sold, scaled like the amount
    partner_category_ids: frozenset = field(default_factory=frozenset)


def program_applies(program, line):
    """Whether ``program``'s scope covers ``line`` (never for its excluded customers)."""
    if line.partner_id in program.excluded_partner_ids:
        return False
    scope = program.scope
    if scope == "partner":
        return line.partner_id in program.partner_ids
    if scope == "partner_category":
        return bool(line.partner_category_ids & program.partner_category_ids)
    if scope == "product":
        return line.product_id in program.product_ids
    if scope == "product_category":
        return line.product_category_id in program.product_category_ids
    if scope == "pos_config":
        return line.pos_config_id in program.pos_config_ids
    return scope == "all"


def line_points(program, line, point_value):
    """Points (unrounded, before any tier multiplier) ``program`` earns on ``line``.

    ``percent``: ``earn_rate`` % of the amount, counted in points worth
    ``point_value`` each; ``per_amount``: ``earn_rate`` points per currency
    unit; ``per_unit``: ``earn_rate`` points per unit sold.
    """
    if line.amount <= 0 or line.qty <= 0:
        return 0.0
    if program.earn_mode == "percent":
        return line.amount * program.earn_rate / 100.0 / point_value
    if program.earn_mode == "per_amount":
        return line.amount * program.earn_rate
    if program.earn_mode == "per_unit":
        return line.qty * program.earn_rate
    raise ValueError(f"unknown earn mode {program.earn_mode!r}")


def resolve_program(programs, line, point_value, best=False):
    """The one program that earns on ``line``, or None.

    The most specific scope wins; with ``best``, the program earning the
    most points on the line wins. Ties go to the lowest sequence, then id.
    """
    candidates = [program for program in programs if program_applies(program, line)]
    if not candidates:
        return None
    if best:
        return min(
            candidates,
            key=lambda p: (-line_points(p, line, point_value), p.sequence, p.id),
        )
    return min(candidates, key=lambda p: (-SCOPE_WEIGHT[p.scope], p.sequence, p.id))


def spread(total, weights, step):
    """Split ``total`` (a multiple of ``step``) over ``weights`` in multiples of
    ``step``, in proportion, by the largest remainder. The parts sum to total.
    """
    if not weights:
        return []
    weight_sum = sum(weights)
    units = round(total / step)
    if weight_sum <= 0:
        return [0.0] * (len(weights) - 1) + [total]
    exact = [units * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[: units - sum(parts)]:
        parts[i] += 1
    decimals = max(0, -int(f"{step:e}".split("e")[1]))
    return [round(part * step, decimals + 2) for part in parts]
