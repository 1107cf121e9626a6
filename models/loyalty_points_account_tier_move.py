from odoo import models


class LoyaltyPointsAccount(models.Model):
    _inherit = "loyalty.points.account"

    def _notify_tier_changed(self, old_tier):
        """Record the tier move for the analysis, then notify."""
        self.env["loyalty.points.tier.move"].sudo().create(
            [
                {
                    "account_id": account.id,
                    "old_tier_id": old_tier.id,
                    "new_tier_id": account.tier_id.id,
                }
                for account in self
                if account.tier_id != old_tier
            ]
        )
        return super()._notify_tier_changed(old_tier)
