from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    loyalty_points_value = fields.Float(
        string="Point Value",
        default=1.0,
        digits=(16, 4),
        help="Value of one loyalty point in the company currency.",
    )
    loyalty_points_max_redeem_share = fields.Float(
        string="Max Share Paid with Points (%)",
        default=100.0,
        help="At most this percentage of an order can be paid with points.",
    )
    loyalty_points_best_program = fields.Boolean(
        string="Best Program for the Customer",
        help="On each order line, the program that earns the most points wins, "
        "instead of the program with the most specific scope.",
    )
    loyalty_points_tier_months = fields.Integer(
        string="Tier Window (months)",
        default=12,
        help="Turnover that decides the tier is counted over this many months. "
        "0 counts the whole history.",
    )
    loyalty_points_warning_days = fields.Integer(
        string="Expiry Warning (days)",
        default=7,
        help="Customers are warned this many days before their points expire.",
    )
    loyalty_points_rounding = fields.Float(
        string="Points Rounding",
        default=1.0,
        digits=(16, 2),
        help="Points earned are rounded down to a multiple of this value.",
    )
    loyalty_points_validity_days = fields.Integer(
        string="Default Validity (days)",
        default=365,
        help="Default validity of points added by hand. 0 means they never expire.",
    )
    loyalty_points_sms_earned = fields.Boolean(string="SMS on Points Earned")
    loyalty_points_sms_expiring = fields.Boolean(string="SMS before Points Expire")
    loyalty_points_sms_tier = fields.Boolean(string="SMS on Tier Change")
    loyalty_points_sms_reward = fields.Boolean(
        string="SMS when a Reward is Reached",
        help="Text customers when the points an order earned them reach the cost of a reward.",
    )

    loyalty_points_welcome_points = fields.Float(
        string="Welcome Bonus (points)",
        digits=(16, 2),
        help="Points given on a customer's first paid order in the company (0: none). "
        "A full refund of that order takes them back.",
    )
    loyalty_points_referral_points = fields.Float(
        string="Referral Bonus for the Referrer (points)",
        digits=(16, 2),
        help="Points given to the customer who referred a new customer, when the new "
        "customer's first paid order reaches the minimum amount (0: none).",
    )
    loyalty_points_referral_new_points = fields.Float(
        string="Referral Bonus for the New Customer (points)",
        digits=(16, 2),
        help="Points given to a referred customer on a first paid order that reaches "
        "the minimum amount (0: none).",
    )
    loyalty_points_referral_min_amount = fields.Monetary(
        string="Referral Minimum Amount",
        currency_field="currency_id",
        help="The referred customer's first paid order must reach this amount (as "
        "the server values its lines) for the referral bonuses.",
    )

    loyalty_points_birthday_points = fields.Float(
        string="Birthday Bonus (points)",
        digits=(16, 2),
        help="Points given once a year on the customer's birthday (0: none).",
    )
    loyalty_points_sms_birthday = fields.Boolean(string="SMS on the Birthday Bonus")
    loyalty_points_pending_days = fields.Integer(
        string="Pending Days",
        help="Points earned on a sale become spendable only this many days later (the "
        "return window); until then they are pending, and a refund cancels them "
        "(0: spendable at once).",
    )

    loyalty_points_card_prefix = fields.Char(
        string="Loyalty Card Prefix",
        default="29",
        help="First digits of the generated loyalty card numbers (EAN-13). Use a "
        "company-internal range (20-29) that your products' barcodes do not use.",
    )

    loyalty_points_invoice_earning = fields.Boolean(
        string="Points on Invoices",
        help="Paid customer invoices earn points like POS orders (and so do the sales "
        "orders and eCommerce orders they bill); their credit notes take them back. "
        "Invoices of POS orders earn nothing more.",
    )
    loyalty_points_invoice_summary = fields.Boolean(
        string="Loyalty Points on Invoices",
        default=True,
        help="Customer invoices show the points they earned and were paid with, and "
        "the customer's balance and tier (form, PDF and customer portal).",
    )

    @api.constrains(
        "loyalty_points_value",
        "loyalty_points_max_redeem_share",
        "loyalty_points_tier_months",
        "loyalty_points_warning_days",
        "loyalty_points_rounding",
        "loyalty_points_validity_days",
    )
    def _check_loyalty_points_settings(self):
        for company in self:
            if company.loyalty_points_value <= 0:
                raise ValidationError(self.env._("The value of a loyalty point must be positive."))
            if not 0 <= company.loyalty_points_max_redeem_share <= 100:
                raise ValidationError(
                    self.env._(
                        "The share of an order paid with points must be between 0 and 100 %."
                    )
                )
            if company.loyalty_points_rounding <= 0:
                raise ValidationError(self.env._("The points rounding must be positive."))
            if (
                company.loyalty_points_tier_months < 0
                or company.loyalty_points_warning_days < 0
                or company.loyalty_points_validity_days < 0
            ):
                raise ValidationError(
                    self.env._("Loyalty windows, warning days and validity cannot be negative.")
                )

    @api.constrains(
        "loyalty_points_welcome_points",
        "loyalty_points_referral_points",
        "loyalty_points_referral_new_points",
        "loyalty_points_referral_min_amount",
        "loyalty_points_birthday_points",
        "loyalty_points_pending_days",
    )
    def _check_loyalty_points_bonuses(self):
        for company in self:
            if (
                min(
                    company.loyalty_points_welcome_points,
                    company.loyalty_points_referral_points,
                    company.loyalty_points_referral_new_points,
                    company.loyalty_points_referral_min_amount,
                    company.loyalty_points_birthday_points,
                    company.loyalty_points_pending_days,
                )
                < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Loyalty bonuses, the referral minimum and the pending days "
                        "cannot be negative."
                    )
                )

    @api.constrains("loyalty_points_card_prefix")
    def _check_loyalty_points_card_prefix(self):
        for company in self:
            prefix = company.loyalty_points_card_prefix or ""
            if prefix and not (prefix.isdigit() and len(prefix) <= 6):
                raise ValidationError(self.env._("The loyalty card prefix must be 1 to 6 digits."))

    def _loyalty_points_default_expiry(self, day):
        """Expiry date of points added on ``day`` by hand, or False (never)."""
        self.ensure_one()
        if not self.loyalty_points_validity_days:
            return False
        return fields.Date.add(day, days=self.loyalty_points_validity_days)

    def _loyalty_points_available_date(self, day):
        """The day points earned by a sale of ``day`` become spendable, or False
        when this company makes them spendable at once."""
        self.ensure_one()
        days = self.loyalty_points_pending_days
        return fields.Date.add(day, days=days) if days > 0 else False

    def _loyalty_points_referral_reached(self, amount):
        """Whether a first sale of ``amount`` (company currency) reaches the
        referral minimum."""
        self.ensure_one()
        minimum = self.loyalty_points_referral_min_amount
        return self.currency_id.compare_amounts(amount, minimum) >= 0

    def _loyalty_points_payment_account(self):
        """The outstanding account of the payments of invoices with points: the
        points liability when points are in the books, else the expense of
        redeemed points (as at the till)."""
        self.ensure_one()
        company = self.sudo()
        if company.loyalty_points_liability_accounting:
            return company.loyalty_points_liability_account_id
        return self._loyalty_points_redemption_account()

    def _loyalty_points_redemption_account(self):
        """The expense account of the points customers spend, when points are not
        in the books: the till's ("Loyalty Points Redeemed", the default account
        of the company's Loyalty Points journal, created on first use)."""
        self.ensure_one()
        journal = self.env["pos.payment.method"]._loyalty_points_journal(self)
        return journal.sudo().default_account_id
