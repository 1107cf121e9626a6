from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import POINTS_DIGITS


class LoyaltyPointsAllocation(models.Model):
    _name = "loyalty.points.allocation"
    _description = "Loyalty Points Allocation"
    _order = "id"
    # An allocation is written once, with the entry that takes or pays back
    # the points, in the same transaction and by the same user, and never
    # changed: its own create/write user and date would repeat that entry's.
    # Without them it is lighter to insert (two foreign-key checks less per
    # row), which the expiry job does once per expired lot.
    _log_access = False

    debit_entry_id = fields.Many2one(
        "loyalty.points.entry",
        string="Debit",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        help="The negative entry that took the points.",
    )
    credit_entry_id = fields.Many2one(
        "loyalty.points.entry",
        string="Lot",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        help="The lot the points were taken from.",
    )
    points = fields.Float(digits=POINTS_DIGITS, required=True, readonly=True)
    # Not stored: the company of the debit entry, read by the record rule
    # through the entry (one foreign-key check less per allocation).
    company_id = fields.Many2one(related="debit_entry_id.company_id")
    credit_expiry_date = fields.Date(related="credit_entry_id.expiry_date", string="Lot Expiry")

    _sql_constraints = [
        (
            "points_positive",
            "CHECK(points > 0)",
            "An allocation moves a positive number of points.",
        ),
    ]

    def write(self, vals):
        if self:
            raise UserError(self.env._("Allocations of the points journal cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Allocations of the points journal cannot be deleted."))
