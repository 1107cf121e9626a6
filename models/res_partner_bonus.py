from odoo import fields, models


class ResPartner(models.Model):
    """Loyalty guard rails and bonuses of a customer."""

    _inherit = "res.partner"

    loyalty_points_excluded = fields.Boolean(
        string="Excluded from Loyalty Earning",
        groups="point_of_sale.group_pos_manager",
        help="Staff, wholesale accounts: the customer earns no points and no bonus "
        "in any program, but keeps and spends the points already earned.",
    )

    def _loyalty_points_is_excluded(self):
        """Whether this customer (through its commercial partner) earns nothing."""
        self.ensure_one()
        return self.sudo().commercial_partner_id.loyalty_points_excluded
