from .fifo import plan_consumption
from .points import POINTS_DIGITS, round_down, round_points
