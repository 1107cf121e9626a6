from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _load_pos_data_fields(self, config_id):
        # The balance and tier in the till's customer list, computed for all
        # the loaded customers at once (see _compute_loyalty_points).
        return [
            *super()._load_pos_data_fields(config_id),
            "loyalty_points_balance",
            "loyalty_points_pending",
            "loyalty_tier_id",
        ]

    @api.model
    def _load_pos_data(self, data):
        # The figures of the till's company, whatever company the user is in.
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        return super(ResPartner, self.with_company(config.company_id))._load_pos_data(data)
