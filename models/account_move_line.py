from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import POINTS_DIGITS, check_protected_fields
from .account_move import SALE_TYPES


class AccountMoveLine(models.Model):
    """The server's record of what each line of a paid customer invoice
    earned, and of what its credit notes took back (as ``pos.order.line``
    keeps it for the till): a credit note reverses from it, never more than
    the line earned."""

    _inherit = "account.move.line"
    # Fields only the ledger writes (see pos.order's).
    _loyalty_points_protected_fields = (
        "loyalty_points",
        "loyalty_program_id",
        "loyalty_points_amount",
        "loyalty_points_reversed",
        "loyalty_points_credited",
    )

    loyalty_points = fields.Float(
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
        help="Points this invoice line earned (negative on a credit note: points taken back).",
    )
    loyalty_program_id = fields.Many2one("loyalty.points.program", readonly=True, copy=False)
    loyalty_points_amount = fields.Float(
        string="Amount that Earned",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="What the line was worth when it earned its points (untaxed, company "
        "currency, less what credit notes had credited before).",
    )
    loyalty_points_reversed = fields.Float(
        string="Points Reversed",
        digits=POINTS_DIGITS,
        readonly=True,
        copy=False,
        help="Points of this line that credit notes took back.",
    )
    loyalty_points_credited = fields.Float(
        string="Amount Credited",
        digits=(16, 2),
        readonly=True,
        copy=False,
        help="What credit notes credited of this line since it earned its points.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_loyalty_points_earned(self):
        """A line that earned points stays on its invoice (reset to draft): its
        points are booked once, a credit note takes them back."""
        for line in self.sudo():
            move = line.move_id
            if (
                move.move_type in SALE_TYPES
                and line.loyalty_points_amount > 0
                and move.loyalty_points_booked
                and not move.loyalty_points_refunded
            ):
                raise UserError(
                    self.env._(
                        "A line of %(document)s earned loyalty points: it cannot be "
                        "deleted. Issue a credit note for it instead.",
                        document=move.display_name,
                    )
                )

    def _loyalty_points_amount_company(self):
        """What this product line sells for, untaxed, in the company currency at
        the rate of its document (positive on an invoice and on a credit note)."""
        self.ensure_one()
        return self.balance * self.move_id.direction_sign

    def _loyalty_points_update_sql(self, values):
        """The statement that stores the loyalty figures of lines ({line:
        {field: value}}, fields of ``_loyalty_points_protected_fields``; a
        field left out keeps its value), ``line`` its table's alias. The
        ledger's bookkeeping, run by ``account.move._loyalty_points_set_figures``
        (a write of a posted journal item would run the accounting checks)."""
        names = self._loyalty_points_protected_fields
        self.flush_model(names)
        rows = SQL(", ").join(
            SQL(
                "(%s, %s)",
                line.id,
                SQL(", ").join(
                    SQL("%s::int", line_vals.get(name))
                    if name == "loyalty_program_id"
                    else SQL("%s::numeric", line_vals.get(name))
                    for name in names
                ),
            )
            for line, line_vals in values.items()
        )
        return SQL(
            """
            UPDATE account_move_line AS line
               SET %(columns)s
              FROM (VALUES %(rows)s) AS new(id, %(names)s)
             WHERE line.id = new.id
            """,
            columns=SQL(", ").join(
                SQL("%s = COALESCE(new.%s, line.%s)", *[SQL.identifier(name)] * 3) for name in names
            ),
            rows=rows,
            names=SQL(", ").join(SQL.identifier(name) for name in names),
        )
