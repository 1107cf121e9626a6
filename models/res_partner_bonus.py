from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    """Loyalty guard rails and bonuses of a customer."""

    _inherit = "res.partner"

    loyalty_points_excluded = fields.Boolean(
        string="Excluded from Loyalty Earning",
        groups="point_of_sale.group_pos_manager",
        help="Staff, wholesale accounts: the customer earns no points and no bonus "
        "in any program, but keeps and spends the points already earned.",
    )

    loyalty_points_birthday = fields.Date(
        string="Birthday",
        help="Only the day and the month count (any year will do when it is unknown): "
        "the customer gets the company's birthday bonus on that day, once a year.",
    )
    loyalty_points_referrer_id = fields.Many2one(
        "res.partner",
        string="Referred by",
        index="btree_not_null",
        help="The customer who brought this one. When this customer's first paid "
        "order reaches the company's minimum amount, both get the referral bonus, once.",
    )

    @api.constrains("loyalty_points_referrer_id")
    def _check_loyalty_points_referrer(self):
        for partner in self.filtered("loyalty_points_referrer_id"):
            seen = {partner.commercial_partner_id}
            referrer = partner.loyalty_points_referrer_id.commercial_partner_id
            while referrer:
                if referrer in seen:
                    raise ValidationError(
                        self.env._(
                            "%(partner)s cannot be referred by %(referrer)s: a customer "
                            "cannot refer themselves, directly or through others.",
                            partner=partner.display_name,
                            referrer=partner.loyalty_points_referrer_id.display_name,
                        )
                    )
                seen.add(referrer)
                referrer = referrer.loyalty_points_referrer_id.commercial_partner_id

    def _loyalty_points_is_excluded(self):
        """Whether this customer (through its commercial partner) earns nothing."""
        self.ensure_one()
        return self.sudo().commercial_partner_id.loyalty_points_excluded
