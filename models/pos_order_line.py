from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import POINTS_DIGITS, check_protected_fields, is_ledger, refund_reversal


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"
    # Fields only the ledger writes (see pos.order's).
    _loyalty_points_protected_fields = (
        "loyalty_points",
        "loyalty_program_id",
        "loyalty_points_qty",
        "loyalty_points_reversed",
        "loyalty_points_refunded_qty",
        "loyalty_points_reward_points",
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

    # The claim of a reward: the till sets it, the server checks it when it
    # books the order (see pos.order._loyalty_points_reward_vals).
    loyalty_points_reward_id = fields.Many2one(
        "loyalty.points.reward",
        string="Loyalty Reward",
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        help="The reward this line claims: its product at a 100 % discount, paid with "
        "the reward's points.",
    )
    loyalty_points_reward_points = fields.Float(
        string="Reward Points",
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
        help="Points the server took for the reward of this line (negative on a refund: "
        "points given back); 0 when it refused the claim.",
    )

    @api.constrains("refunded_orderline_id", "order_id")
    def _check_loyalty_points_refund_company(self):
        """A line refunds a line of its own company only: a till of one
        company never reverses nor gives back another company's points."""
        for line in self.sudo().filtered("refunded_orderline_id"):
            if line.refunded_orderline_id.order_id.company_id != line.order_id.company_id:
                raise ValidationError(
                    self.env._(
                        "Order %(order)s cannot refund a line of order %(refunded)s: it "
                        "belongs to another company.",
                        order=line.order_id.name,
                        refunded=line.refunded_orderline_id.order_id.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        if "loyalty_points_reward_id" in vals:
            self._loyalty_points_check_reward_change(vals["loyalty_points_reward_id"])
        return super().write(vals)

    def _loyalty_points_check_reward_change(self, reward_id):
        """The reward a line claims is the till's claim until the order is
        booked; afterwards only the ledger changes it (the reward limits count
        the booked claims)."""
        if is_ledger(self.env.context):
            return
        changed = self.filtered(
            lambda line: line.loyalty_points_reward_id.id != (reward_id or False)
        )
        if any(changed.sudo().order_id.mapped("loyalty_points_booked")):
            raise AccessError(
                self.env._("The reward a line claims cannot be changed once its order is booked.")
            )

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [
            *super()._load_pos_data_fields(config_id),
            "loyalty_points",
            "loyalty_points_reward_id",
            "loyalty_points_reward_points",
        ]

    def _loyalty_points_refund(self, rounding):
        """This refund line takes back ``-qty`` units of the line it refunds:
        the points to reverse of them (rounded to ``rounding``, never more than
        the line earned, from the server's record of it), recorded on both
        lines (as the ledger)."""
        self.ensure_one()
        original = self.refunded_orderline_id
        points = refund_reversal(
            original.loyalty_points,
            original.loyalty_points_qty,
            original.loyalty_points_reversed,
            original.loyalty_points_refunded_qty,
            -self.qty,
            rounding,
        )
        original.write(
            {
                "loyalty_points_reversed": original.loyalty_points_reversed + points,
                "loyalty_points_refunded_qty": original.loyalty_points_refunded_qty - self.qty,
            }
        )
        if points > 0:
            self.write(
                {"loyalty_points": -points, "loyalty_program_id": original.loyalty_program_id.id}
            )
        return points
