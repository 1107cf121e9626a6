from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_points_card_prefix = fields.Char(
        string="Loyalty Card Prefix",
        default="29",
        help="First digits of the generated loyalty card numbers (EAN-13). Use a "
        "company-internal range (20-29) that your products' barcodes do not use.",
    )

    @api.constrains("loyalty_points_card_prefix")
    def _check_loyalty_points_card_prefix(self):
        for company in self:
            prefix = company.loyalty_points_card_prefix or ""
            if prefix and not (prefix.isdigit() and len(prefix) <= 6):
                raise ValidationError(self.env._("The loyalty card prefix must be 1 to 6 digits."))
