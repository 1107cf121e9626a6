from odoo import Command, api, fields, models
from odoo.tools import formatLang

from ..tools import POINTS_DIGITS


class AccountPaymentRegister(models.TransientModel):
    """Register Payment with a loyalty points journal: the payment is linked
    to its invoice before it is posted (the points are booked at posting),
    the amount proposed is the most the customer may pay with points, and the
    wizard says why."""

    _inherit = "account.payment.register"

    is_loyalty_points = fields.Boolean(related="journal_id.loyalty_points")
    loyalty_points_info = fields.Char(
        string="Points Available", compute="_compute_loyalty_points_info"
    )

    @api.depends("journal_id")
    def _compute_amount(self):
        res = super()._compute_amount()
        for wizard in self.filtered(lambda w: w.is_loyalty_points and not w.custom_user_amount):
            limits = wizard._loyalty_points_limits()
            if limits:
                most = wizard.company_currency_id._convert(
                    limits["max_amount"], wizard.currency_id, wizard.company_id, wizard.payment_date
                )
                wizard.amount = min(wizard.amount, wizard.currency_id.round(most))
        return res

    @api.depends("journal_id", "amount", "line_ids")
    def _compute_loyalty_points_info(self):
        for wizard in self:
            limits = wizard._loyalty_points_limits() if wizard.is_loyalty_points else None
            wizard.loyalty_points_info = wizard._loyalty_points_describe(limits)

    def _loyalty_points_document(self):
        """The one customer document the wizard pays, or nothing."""
        documents = self.line_ids.move_id
        return documents if len(documents) == 1 else documents.browse()

    def _loyalty_points_limits(self):
        """The limits of a points payment on the wizard's document (see
        ``account.move._loyalty_points_payment_limits``; a credit note:
        ``refundable`` points), or None."""
        self.ensure_one()
        document = self._loyalty_points_document()
        if not document or not document.partner_id:
            return None
        if document.move_type == "out_refund":
            redeems = document._loyalty_points_refundable_redeems()
            refundable = sum(redeems._reversible_points().values())
            return {
                "refundable": refundable,
                "max_amount": refundable * document.company_id.loyalty_points_value,
            }
        partner = document.partner_id.sudo().with_company(document.company_id)
        return document._loyalty_points_payment_limits(partner._loyalty_points_account())

    def _loyalty_points_describe(self, limits):
        if limits is None:
            return False
        company_currency = self.company_currency_id
        if "refundable" in limits:
            return self.env._(
                "Up to %(points)s points paid on the credited invoice can be given back.",
                points=formatLang(self.env, limits["refundable"], digits=POINTS_DIGITS[1]),
            )
        return self.env._(
            "%(points)s points to spend, worth %(value)s; at most %(max)s of this invoice "
            "can be paid with points.",
            points=formatLang(self.env, limits["balance"], digits=POINTS_DIGITS[1]),
            value=formatLang(self.env, limits["balance_value"], currency_obj=company_currency),
            max=formatLang(
                self.env,
                min(limits["balance_value"], limits["share_value"]),
                currency_obj=company_currency,
            ),
        )

    def _create_payment_vals_from_wizard(self, batch_result):
        vals = super()._create_payment_vals_from_wizard(batch_result)
        return self._loyalty_points_link(vals, batch_result)

    def _create_payment_vals_from_batch(self, batch_result):
        vals = super()._create_payment_vals_from_batch(batch_result)
        return self._loyalty_points_link(vals, batch_result)

    def _loyalty_points_link(self, vals, batch_result):
        """A points payment knows its invoices when it is posted (Odoo links
        them after): its points are booked then."""
        if self.journal_id.loyalty_points:
            vals["invoice_ids"] = [Command.set(batch_result["lines"].move_id.ids)]
        return vals

    def _reconcile_payments(self, to_process, edit_mode=False):
        res = super()._reconcile_payments(to_process, edit_mode=edit_mode)
        # paid without a reconciliation (a payment without journal entry): earn now
        self.line_ids.move_id._loyalty_points_book_paid()
        return res
