from odoo import api, models


class PosSession(models.Model):
    _inherit = "pos.session"

    @api.model
    def _load_pos_data_models(self, config_id):
        # Tiers, for the receipt: pos.order.loyalty_points_tier_id points to them.
        return [*super()._load_pos_data_models(config_id), "loyalty.points.tier"]
