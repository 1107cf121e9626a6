from odoo import api, fields, models


class PosConfig(models.Model):
    _inherit = "pos.config"

    loyalty_points_odoo_loyalty_warning = fields.Char(
        compute="_compute_loyalty_points_warnings",
        help="Odoo's own loyalty programs that run in this point of sale too.",
    )
    loyalty_points_pricelist_warning = fields.Char(
        compute="_compute_loyalty_points_warnings",
        help="Tier discount cards (pricelists) this point of sale does not apply.",
    )
    loyalty_points_import_available = fields.Boolean(
        compute="_compute_loyalty_points_warnings",
        help="The conversion of Odoo's loyalty points to Loyalty Points is installed.",
    )

    @api.depends("company_id", "use_pricelist", "available_pricelist_ids")
    def _compute_loyalty_points_warnings(self):
        import_available = bool(self.env["res.company"]._loyalty_points_import_action())
        for config in self:
            company = config.company_id
            config.loyalty_points_odoo_loyalty_warning = (
                company._loyalty_points_odoo_programs_warning(config) if config.id else False
            )
            config.loyalty_points_pricelist_warning = (
                company._loyalty_points_pricelist_warning(configs=config) if config.id else False
            )
            config.loyalty_points_import_available = import_available

    def action_loyalty_points_convert_odoo_loyalty(self):
        return self.env["res.company"]._loyalty_points_import_action()

    def action_loyalty_points_open_odoo_loyalty(self):
        return self.company_id[:1]._loyalty_points_open_odoo_programs(self)

    def action_loyalty_points_apply_tier_pricelists(self):
        self.company_id._loyalty_points_apply_tier_pricelists(configs=self)
