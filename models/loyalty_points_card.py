from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class LoyaltyPointsCard(models.Model):
    """A loyalty card: a number that selects its account's customer at the till.

    Cards are never deleted nor moved to another account: a lost card is
    blocked and stays here, so its number is never issued nor matched again.
    Cards change only through the account's card methods
    (``loyalty.points.account.action_issue_card`` and friends).
    """

    _name = "loyalty.points.card"
    _description = "Loyalty Card"
    _order = "issue_date desc, id desc"
    _rec_name = "number"
    _check_company_auto = True

    number = fields.Char(required=True, readonly=True, index=True)
    account_id = fields.Many2one(
        "loyalty.points.account",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    partner_id = fields.Many2one(related="account_id.partner_id", string="Customer")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    state = fields.Selection(
        [("active", "Active"), ("blocked", "Blocked")],
        required=True,
        readonly=True,
        default="active",
    )
    issue_date = fields.Date(required=True, readonly=True, default=fields.Date.context_today)
    blocked_date = fields.Date(readonly=True)
    block_reason = fields.Char(readonly=True)

    _sql_constraints = [
        (
            "company_number_uniq",
            "UNIQUE(company_id, number)",
            "This card number is already used in this company.",
        ),
    ]

    def init(self):
        # At most one active card per account (no helper in odoo.tools makes a
        # partial unique index).
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS loyalty_points_card_one_active_idx "
                "ON loyalty_points_card (account_id) WHERE state = 'active'"
            )
        )

    # ------------------------------------------------------------------
    # actions of the card form: the account's card methods, for this card

    def action_block(self):
        """Block this card (lost, stolen): its number never selects the
        customer again."""
        self.ensure_one()
        self._loyalty_points_check_active()
        return self.account_id.action_block_card()

    def action_replace(self):
        """Block this card and issue a new one to its account."""
        self.ensure_one()
        self._loyalty_points_check_active()
        return self.account_id.action_replace_card()

    def action_print(self):
        """Print this card (an active one: a blocked card is never printed)."""
        self._loyalty_points_check_active()
        return self.account_id.action_print_card()

    def _loyalty_points_check_active(self):
        blocked = self.filtered(lambda card: card.state != "active")
        if blocked:
            raise UserError(
                self.env._(
                    "The loyalty card %(numbers)s is blocked: block, replace or print "
                    "the customer's active card instead.",
                    numbers=", ".join(blocked.mapped("number")),
                )
            )

    def _loyalty_points_action_open(self):
        """The window action that lists these cards (just issued, say)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Issued Loyalty Cards"),
            "res_model": "loyalty.points.card",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self.ids)],
        }
