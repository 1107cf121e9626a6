from . import models
from . import wizards
from . import report
from . import controllers


def post_init_hook(env):
    """Orders paid before the addon was installed earn nothing afterwards:
    mark them as booked, so that no later call books them."""
    env.cr.execute(
        """
        UPDATE pos_order SET loyalty_points_booked = TRUE
         WHERE state IN ('paid', 'done', 'invoiced')
           AND NOT COALESCE(loyalty_points_booked, FALSE)
        """
    )
