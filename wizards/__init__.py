from . import loyalty_points_adjust
from . import loyalty_points_card_issue
