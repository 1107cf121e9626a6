from .fifo import plan_consumption
from .guard import check_protected_fields, is_ledger, ledger_context, never_block
from .ledger import earning_base, match_credits, points_paid, refund_reversal, smallest_payment
from .phone import SMS_NUMBER_TYPES, mobile_e164
from .points import (
    POINTS_DIGITS,
    POINTS_PRECISION,
    points_decimals,
    points_display_digits,
    round_down,
    round_points,
)
from .programs import (
    SCOPE_WEIGHT,
    LineSpec,
    ProgramSpec,
    line_points,
    program_applies,
    resolve_program,
    spread,
)
from .aging import AGING_BUCKETS, AGING_LIMITS, aging_bucket
from .birthday import birthday_in, birthdays_due
