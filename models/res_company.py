from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount, formatLang

from ..tools import POINTS_DIGITS, points_display_digits


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
        digits=POINTS_DIGITS,
        help="Points given on a customer's first paid order in the company (0: none). "
        "A full refund of that order takes them back.",
    )
    loyalty_points_referral_points = fields.Float(
        string="Referral Bonus for the Referrer (points)",
        digits=POINTS_DIGITS,
        help="Points given to the customer who referred a new customer, when the new "
        "customer's first paid order reaches the minimum amount (0: none).",
    )
    loyalty_points_referral_new_points = fields.Float(
        string="Referral Bonus for the New Customer (points)",
        digits=POINTS_DIGITS,
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
        digits=POINTS_DIGITS,
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

    @api.model
    def _load_pos_data_fields(self, config_id):
        # The till shows points with the decimals of the company's rounding.
        return [*super()._load_pos_data_fields(config_id), "loyalty_points_rounding"]

    def _loyalty_points_format(self, points):
        """``points`` as text in the user's language, with the decimals this
        company's points rounding allows (more only when the value has a finer
        fraction, see ``tools.points_display_digits``): the one rule of every
        message, report and page that shows points. An empty recordset uses
        the current company."""
        company = self[:1] or self.env.company
        digits = points_display_digits(points, company.loyalty_points_rounding)
        return formatLang(self.env, points or 0.0, digits=digits)

    def _loyalty_points_value_format(self, value):
        """A point's value as text, with the company's currency: its decimals,
        more when the value has a finer fraction (a point is worth 0.005)."""
        self.ensure_one()
        currency = self.currency_id
        if currency.is_zero(value - currency.round(value)):
            return format_amount(self.env, value, currency)
        return f"{formatLang(self.env, value, digits=4)} {currency.symbol}"

    def _loyalty_points_odoo_programs(self, configs=None):
        """Odoo's own loyalty programs (``pos_loyalty``: points on a customer's
        loyalty card) that run in the points of sale ``configs`` (default: all
        those of these companies): customers would collect two kinds of points
        at the same till. ``None`` when Odoo's loyalty for the POS is not
        installed."""
        if "loyalty.program" not in self.env or "pos_ok" not in self.env["loyalty.program"]:
            return None
        Program = self.env["loyalty.program"].sudo()
        if configs is None:
            configs = self.env["pos.config"].sudo().search([("company_id", "in", self._origin.ids)])
        configs = configs._origin
        if not configs:
            return Program
        today = fields.Date.context_today(self)
        return Program.search(
            [
                ("program_type", "=", "loyalty"),
                ("pos_ok", "=", True),
                ("company_id", "in", [False, *configs.company_id.ids]),
                "|",
                ("pos_config_ids", "=", False),
                ("pos_config_ids", "in", configs.ids),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", today),
            ]
        )

    def _loyalty_points_odoo_programs_warning(self, configs=None):
        """Why Odoo's loyalty programs of :meth:`_loyalty_points_odoo_programs`
        clash with the addon (the settings and the POS configuration show it),
        or False."""
        programs = self._loyalty_points_odoo_programs(configs)
        if not programs:
            return False
        return self.env._(
            "Odoo's own loyalty programs run in these points of sale too: %(programs)s. "
            "Customers would collect two kinds of points at the same till. Convert their "
            "points to Loyalty Points, then archive those programs.",
            programs=", ".join(programs.mapped("name")),
        )

    def _loyalty_points_archive_odoo_programs(self, every_type=False):
        """Archive Odoo's own loyalty programs of these companies' points of
        sale (:meth:`_loyalty_points_odoo_programs`; with ``every_type``, its
        promotions, coupons and gift cards too): the demo shows one loyalty
        system, and a shop archives them once their points are converted."""
        programs = self._loyalty_points_odoo_programs()
        if programs is None:
            return False
        if every_type:
            programs = (
                self.env["loyalty.program"]
                .sudo()
                .search([("company_id", "in", [False, *self.ids])])
            )
        programs.action_archive()
        return True

    @api.model
    def _loyalty_points_import_action(self):
        """The conversion of Odoo's loyalty points to Loyalty Points (the import
        wizard, source ``odoo_loyalty``), or False while it is not installed."""
        action = self.env.ref(
            "loyalty_points.loyalty_points_import_action", raise_if_not_found=False
        )
        if not action:
            return False
        values = action.sudo()._get_action_dict()
        values["context"] = {"default_source": "odoo_loyalty"}
        return values

    def _loyalty_points_open_odoo_programs(self, configs=None):
        """The list of Odoo's loyalty programs that clash (to archive them)."""
        programs = self._loyalty_points_odoo_programs(configs) or []
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Odoo's Loyalty Programs"),
            "res_model": "loyalty.program",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", [program.id for program in programs])],
            "target": "current",
        }

    def _loyalty_points_pricelist_gaps(self, tiers=None, configs=None):
        """{pos.config: tier pricelists it cannot apply}: the discount cards of
        the tiers of these companies (or of ``tiers``) that a point of sale of
        their company (or of ``configs``) does not offer (pricelists off, or
        not among its available ones), so their members pay the list price.
        Works on the records of a form being edited too (their ``_origin``)."""
        Tier = self.env["loyalty.points.tier"].sudo()
        if tiers is None:
            tiers = Tier.search(
                [("company_id", "in", self._origin.ids), ("pricelist_id", "!=", False)]
            )
        tiers = tiers.sudo().filtered("pricelist_id")
        if not tiers:
            return {}
        companies = tiers.company_id._origin
        if configs is None:
            configs = self.env["pos.config"].search([("company_id", "in", companies.ids)])
        gaps = {}
        for config in configs._origin:
            pricelists = tiers.filtered(
                lambda t, c=config: t.company_id._origin == c.company_id
            ).pricelist_id._origin
            missing = (
                pricelists
                if not config.use_pricelist
                else pricelists - config.available_pricelist_ids
            )
            if missing:
                gaps[config] = missing
        return gaps

    def _loyalty_points_pricelist_warning(self, tiers=None, configs=None):
        """Which points of sale cannot apply which discount cards, or False."""
        gaps = self._loyalty_points_pricelist_gaps(tiers, configs)
        if not gaps:
            return False
        return self.env._(
            "Tier discount cards are not applied at these points of sale, so their "
            "members pay the list price: %(gaps)s. Let the points of sale use these "
            "pricelists.",
            gaps="; ".join(
                self.env._(
                    "%(pos)s (%(pricelists)s)",
                    pos=config.name,
                    pricelists=", ".join(pricelists.mapped("name")),
                )
                for config, pricelists in gaps.items()
            ),
        )

    def _loyalty_points_apply_tier_pricelists(self, tiers=None, configs=None):
        """Let every point of sale of :meth:`_loyalty_points_pricelist_gaps`
        apply the tier discount cards: pricelists on, the cards (and the
        default pricelist) among its available pricelists. Only who may
        configure the tills may (Point of Sale managers), gaps or not."""
        self.env["pos.config"].check_access("write")
        gaps = self._loyalty_points_pricelist_gaps(tiers, configs)
        for config, pricelists in gaps.items():
            wrong_currency = pricelists.filtered(lambda p, c=config: p.currency_id != c.currency_id)
            if wrong_currency:
                raise UserError(
                    self.env._(
                        "%(pos)s sells in %(currency)s: it cannot use the pricelists "
                        "%(pricelists)s. Give the tiers a pricelist in its currency.",
                        pos=config.name,
                        currency=config.currency_id.name,
                        pricelists=", ".join(wrong_currency.mapped("name")),
                    )
                )
            # with the user's own rights: who may not configure the till cannot fix it
            config.with_env(self.env).write(
                {
                    "use_pricelist": True,
                    "available_pricelist_ids": [
                        Command.link(pricelist.id) for pricelist in pricelists | config.pricelist_id
                    ],
                }
            )
        return bool(gaps)

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
