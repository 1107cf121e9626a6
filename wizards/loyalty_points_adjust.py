from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..tools import POINTS_DIGITS, round_points


class LoyaltyPointsAdjust(models.TransientModel):
    _name = "loyalty.points.adjust"
    _description = "Adjust Loyalty Points"
    _check_company_auto = True

    account_id = fields.Many2one(
        "loyalty.points.account", required=True, readonly=True, check_company=True
    )
    company_id = fields.Many2one(related="account_id.company_id")
    # read with the user's rights: a manager of another company reads nothing
    balance = fields.Float(
        related="account_id.balance", string="Current Balance", compute_sudo=False
    )
    points = fields.Float(
        digits=POINTS_DIGITS,
        required=True,
        help="Points to add (positive) or to deduct (negative).",
    )
    reason = fields.Char(required=True)
    expiry_date = fields.Date(
        compute="_compute_expiry_date",
        store=True,
        readonly=False,
        precompute=True,
        help="Added points expire after this day. Leave empty: they never expire.",
    )

    @api.depends("account_id", "points")
    def _compute_expiry_date(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            if wizard.points > 0 and not wizard.expiry_date:
                wizard.expiry_date = wizard.account_id.company_id._loyalty_points_default_expiry(
                    today
                )
            elif wizard.points <= 0:
                wizard.expiry_date = False

    def action_confirm(self):
        self._apply()
        return {"type": "ir.actions.act_window_close"}

    def _apply(self):
        """Book the adjustment and return its journal entry."""
        self.ensure_one()
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise UserError(self.env._("Only Point of Sale managers can adjust loyalty points."))
        # the account must be one the user may manage: one of the user's companies
        self.account_id.check_access("write")
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("Give a reason for the adjustment."))
        points = round_points(self.points)
        if not points:
            raise UserError(self.env._("Enter the points to add or to deduct."))
        today = fields.Date.context_today(self)
        if points > 0 and self.expiry_date and self.expiry_date < today:
            raise UserError(self.env._("Added points cannot expire in the past."))
        account = self.account_id.sudo()
        account._lock_for_update()
        company = account.company_id
        if points < 0 and account.balance + points < 0:
            raise UserError(
                self.env._(
                    "%(partner)s has only %(balance)s points: %(points)s cannot be deducted.",
                    partner=account.partner_id.display_name,
                    balance=company._loyalty_points_format(account.balance),
                    points=company._loyalty_points_format(-points),
                )
            )
        Entry = self.env["loyalty.points.entry"]
        entry = Entry._post(
            Entry._prepare_adjust_vals(account, points, reason, self.expiry_date),
            locked=account,
        )
        account.message_post(
            body=Markup("%s<br/>%s")
            % (
                self.env._(
                    "%(user)s adjusted the balance by %(points)s points.",
                    user=self.env.user.name,
                    points=("+" if points > 0 else "") + company._loyalty_points_format(points),
                ),
                self.env._("Reason: %(reason)s", reason=reason),
            ),
            author_id=self.env.user.partner_id.id,
        )
        return entry
