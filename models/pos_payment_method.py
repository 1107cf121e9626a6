from odoo import api, fields, models


class PosPaymentMethod(models.Model):
    _inherit = "pos.payment.method"

    is_loyalty_points = fields.Boolean(
        string="Loyalty Points",
        help="Customers pay with their loyalty points: each point is worth the "
        "company's point value. The till checks the balance with the server "
        "before accepting such a payment.",
    )

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "is_loyalty_points"]
