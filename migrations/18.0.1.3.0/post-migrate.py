"""18.0.1.3.0, after the update: data that the new version reads differently."""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    if not version:
        return
    # A member's first tier is a "New" tier move, not an "Up" one (the stored
    # direction of earlier versions).
    cr.execute(
        """
        UPDATE loyalty_points_tier_move SET direction = 'new'
         WHERE old_tier_id IS NULL AND new_tier_id IS NOT NULL AND direction <> 'new'
        """
    )
    if cr.rowcount:
        _logger.info("loyalty_points: %s first tier moves are 'New' moves now", cr.rowcount)
