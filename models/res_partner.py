from odoo import api, fields, models
from odoo.tools import float_round, formatLang

from ..tools import POINTS_DIGITS, smallest_payment


class ResPartner(models.Model):
    _inherit = "res.partner"

    loyalty_points_account_ids = fields.One2many(
        "loyalty.points.account", "partner_id", string="Loyalty Accounts"
    )
    loyalty_points_balance = fields.Float(
        string="Loyalty Points",
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        help="Points balance in the current company.",
    )
    loyalty_points_pending = fields.Float(
        string="Pending Loyalty Points",
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points",
        help="Points earned within the return window in the current company: not " "spendable yet.",
    )
    loyalty_tier_id = fields.Many2one(
        "loyalty.points.tier",
        compute="_compute_loyalty_points",
        help="Loyalty tier in the current company.",
    )
    loyalty_points_sms_optout = fields.Boolean(
        string="No Loyalty SMS",
        help="The customer does not want the loyalty SMS (points earned, points "
        "expiring, tier changes).",
    )

    @api.depends_context("company")
    @api.depends(
        "commercial_partner_id.loyalty_points_account_ids.balance",
        "commercial_partner_id.loyalty_points_account_ids.pending_points",
        "commercial_partner_id.loyalty_points_account_ids.tier_id",
    )
    def _compute_loyalty_points(self):
        accounts = self.env["loyalty.points.account"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {account.partner_id: account for account in accounts}
        for partner in self:
            account = by_partner.get(partner.commercial_partner_id)
            partner.loyalty_points_balance = account.balance if account else 0.0
            partner.loyalty_points_pending = account.pending_points if account else 0.0
            partner.loyalty_tier_id = account.tier_id if account else False

    def _loyalty_points_account(self):
        """The loyalty account of this customer in the current company, if any."""
        self.ensure_one()
        return self.env["loyalty.points.account"].search(
            [
                ("partner_id", "=", self.commercial_partner_id.id),
                ("company_id", "=", self.env.company.id),
            ],
            limit=1,
        )

    def action_open_loyalty_points_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_entry_action"
        )
        action["domain"] = [
            ("partner_id", "=", self.commercial_partner_id.id),
            ("company_id", "=", self.env.company.id),
        ]
        return action

    def loyalty_points_pos_info(self, config_id):
        """Fresh loyalty figures of this customer for the till of ``config_id``:
        the POS asks for them before it accepts a points payment. Values are in
        the till's currency; ``min_amount`` is the smallest points payment that
        books anything (the value of the smallest fraction of a point)."""
        self.ensure_one()
        config = self.env["pos.config"].browse(config_id)
        company = config.company_id or self.env.company
        account = self.with_company(company)._loyalty_points_account()
        currency = config.currency_id or company.currency_id
        point_value = company.currency_id._convert(
            company.loyalty_points_value,
            currency,
            company,
            fields.Date.context_today(self),
            round=False,
        )
        return {
            "partner_id": self.id,
            "balance": account.balance if account else 0.0,
            "pending": account.pending_points if account else 0.0,
            "tier": account.tier_id.name if account and account.tier_id else False,
            "point_value": point_value,
            "max_redeem_share": company.loyalty_points_max_redeem_share,
            "min_amount": smallest_payment(point_value, currency.rounding),
        }

    def loyalty_points_check_payment(self, config_id, amount, order_total):
        """Check, before the till validates an order, that this customer may pay
        ``amount`` (the till's currency) with points on an order of
        ``order_total``: not more than the fresh balance is worth, nor than the
        company's share of the order, nor less than the smallest bookable
        fraction of a point. Zero and negative amounts (points given back on a
        refund) always pass: the server caps give-backs when it books them.

        :return: the fresh figures of :meth:`loyalty_points_pos_info`, plus
            ``ok`` (bool), ``max_amount`` (the most the order may take in points)
            and ``message`` (why the payment is refused, or False).
        """
        self.ensure_one()
        info = self.loyalty_points_pos_info(config_id)
        config = self.env["pos.config"].browse(config_id)
        currency = config.currency_id or (config.company_id or self.env.company).currency_id
        balance_value = float_round(
            max(info["balance"], 0.0) * info["point_value"],
            precision_rounding=currency.rounding,
            rounding_method="DOWN",
        )
        share_value = float_round(
            max(order_total, 0.0) * info["max_redeem_share"] / 100.0,
            precision_rounding=currency.rounding,
            rounding_method="DOWN",
        )
        info.update(ok=True, max_amount=min(balance_value, share_value), message=False)
        if currency.compare_amounts(amount, 0.0) <= 0:
            return info
        refusal = False
        if currency.compare_amounts(amount, info["min_amount"]) < 0:
            refusal = self.env._(
                "A points payment must be worth at least %(min)s (a hundredth of a point): "
                "a points payment of %(amount)s is refused.",
                min=formatLang(self.env, info["min_amount"], currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        elif currency.compare_amounts(amount, balance_value) > 0:
            refusal = self.env._(
                "%(partner)s has %(points)s points, worth %(value)s: a points "
                "payment of %(amount)s is refused.",
                partner=self.display_name,
                points=formatLang(self.env, info["balance"], digits=POINTS_DIGITS[1]),
                value=formatLang(self.env, balance_value, currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        elif currency.compare_amounts(amount, share_value) > 0:
            refusal = self.env._(
                "At most %(share)s %% of this order, %(max)s, can be paid with "
                "points: a points payment of %(amount)s is refused.",
                share=formatLang(self.env, info["max_redeem_share"], digits=0),
                max=formatLang(self.env, share_value, currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        if refusal:
            info.update(ok=False, message=refusal)
        return info
