from odoo import api, fields, models

from ..tools import POINTS_DIGITS
from .pos_order import check_ledger_fields


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    # Fields only the ledger writes (see pos_order.LEDGER_ORDER_FIELDS).
    _LEDGER_FIELDS = frozenset(
        {
            "loyalty_points",
            "loyalty_program_id",
            "loyalty_points_qty",
            "loyalty_points_reversed",
            "loyalty_points_refunded_qty",
        }
    )

    loyalty_points = fields.Float(
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
        help="Points this line earned (negative: points its refund reversed).",
    )
    loyalty_program_id = fields.Many2one("loyalty.points.program", readonly=True, copy=False)
    loyalty_points_qty = fields.Float(
        string="Quantity that Earned",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="The quantity this line earned its points on, as booked.",
    )
    loyalty_points_reversed = fields.Float(
        string="Points Reversed",
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
        help="Points of this line that refunds took back.",
    )
    loyalty_points_refunded_qty = fields.Float(
        string="Quantity Refunded",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
        help="Units of this line that refunds took the points of back.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_ledger_fields(self, vals_list, self._LEDGER_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_ledger_fields(self, [vals], self._LEDGER_FIELDS)
        return super().write(vals)

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "loyalty_points"]
