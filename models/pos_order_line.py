from odoo import api, fields, models

from ..tools import POINTS_DIGITS


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    loyalty_points = fields.Float(
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
        help="Points this line earned (negative: points its refund reversed).",
    )
    loyalty_program_id = fields.Many2one("loyalty.points.program", readonly=True, copy=False)

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "loyalty_points"]
