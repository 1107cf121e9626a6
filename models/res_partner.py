from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_round, format_date, formatLang

from ..tools import (
    POINTS_DIGITS,
    check_protected_fields,
    points_display_digits,
    round_points,
    smallest_payment,
)


class ResPartner(models.Model):
    _inherit = "res.partner"
    # Fields only the server writes (data files too: see ``create``).
    _loyalty_points_protected_fields = ("loyalty_points_birthday_entered",)

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
    loyalty_points_available_date = fields.Date(
        string="Pending Loyalty Points Spendable From",
        compute="_compute_loyalty_points_dates",
        help="The day the customer's next pending points become spendable, in the "
        "current company.",
    )
    loyalty_points_expiring = fields.Float(
        string="Loyalty Points Expiring Soon",
        digits=POINTS_DIGITS,
        compute="_compute_loyalty_points_dates",
        help="Spendable points that expire first, within the current company's "
        "expiry warning window (on the Expiring Loyalty Points Date).",
    )
    loyalty_points_expiry_date = fields.Date(
        string="Expiring Loyalty Points Date",
        compute="_compute_loyalty_points_dates",
        help="The first day, within the expiry warning window, on which spendable "
        "points of the customer expire.",
    )
    loyalty_points_sms_optout = fields.Boolean(
        string="No Loyalty SMS",
        help="The customer does not want the loyalty SMS (points earned, points "
        "expiring, tier changes).",
    )

    loyalty_points_excluded = fields.Boolean(
        string="Excluded from Loyalty Earning",
        groups="point_of_sale.group_pos_manager",
        help="Staff, wholesale accounts: the customer earns no points and no bonus "
        "in any program, but keeps and spends the points already earned.",
    )

    loyalty_points_birthday = fields.Date(
        string="Birthday",
        help="Only the day and the month count (any year will do when it is unknown): "
        "the customer gets the company's birthday bonus on that day, once a year.",
    )
    loyalty_points_birthday_entered = fields.Date(
        string="Birthday Entered On",
        readonly=True,
        copy=False,
        help="The day the birthday was entered or last changed: a birthday entered "
        "less than 30 days before it falls pays no bonus that year.",
    )
    loyalty_points_referrer_id = fields.Many2one(
        "res.partner",
        string="Referred by",
        index="btree_not_null",
        help="The customer who brought this one. When this customer's first paid "
        "order reaches the company's minimum amount, both get the referral bonus, once. "
        "Set it before the customer's first paid order (afterwards, only a Point of "
        "Sale manager can).",
    )

    # A credential at the till (computed as superuser): for POS users only.
    loyalty_points_card_number = fields.Char(
        string="Loyalty Card",
        compute="_compute_loyalty_points_card_number",
        search="_search_loyalty_points_card_number",
        groups="point_of_sale.group_pos_user",
        help="The active loyalty card of the customer in the current company.",
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

    @api.depends_context("company")
    def _compute_loyalty_points_dates(self):
        accounts = self.env["loyalty.points.account"].search(
            [
                ("partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "=", self.env.company.id),
            ]
        )
        by_partner = {account.partner_id: account for account in accounts}
        first_expiry = accounts._loyalty_points_first_expiry()
        for partner in self:
            account = by_partner.get(partner.commercial_partner_id)
            expiry_date, expiring = first_expiry.get(account, (False, 0.0))
            partner.loyalty_points_available_date = account and account.next_available_date
            partner.loyalty_points_expiring = expiring
            partner.loyalty_points_expiry_date = expiry_date

    @api.depends_context("company")
    def _compute_loyalty_points_card_number(self):
        accounts = (
            self.env["loyalty.points.account"]
            .sudo()
            .search_fetch(
                [
                    ("partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "=", self.env.company.id),
                    ("card_number", "!=", False),
                ],
                ["partner_id", "card_number"],
            )
        )
        numbers = {account.partner_id.id: account.card_number for account in accounts}
        for partner in self:
            partner.loyalty_points_card_number = numbers.get(partner.commercial_partner_id.id)

    def _search_loyalty_points_card_number(self, operator, value):
        """Customers whose active card in the current company has the number
        ``value`` (exact match only: a card number is never guessed).
        POS users only: Odoo checks a field's groups when it reads the field
        or searches a stored one, not before it calls this method."""
        self.check_field_access_rights("read", ["loyalty_points_card_number"])
        if operator not in ("=", "ilike", "=ilike") or not isinstance(value, str):
            return [("id", "=", False)]
        card = self.env["loyalty.points.account"]._loyalty_points_find_card(
            value.rstrip("%"), self.env.company
        )
        if not card or card.state != "active":
            return [("id", "=", False)]
        return [("id", "=", card.account_id.partner_id.id)]

    @api.constrains("loyalty_points_referrer_id")
    def _check_loyalty_points_referrer(self):
        for partner in self.filtered("loyalty_points_referrer_id"):
            seen = {partner.commercial_partner_id}
            referrer = partner.loyalty_points_referrer_id.commercial_partner_id
            while referrer:
                if referrer in seen:
                    raise ValidationError(
                        self.env._(
                            "%(partner)s cannot be referred by %(referrer)s: a customer "
                            "cannot refer themselves, directly or through others.",
                            partner=partner.display_name,
                            referrer=partner.loyalty_points_referrer_id.display_name,
                        )
                    )
                seen.add(referrer)
                referrer = referrer.loyalty_points_referrer_id.commercial_partner_id

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list, superuser=True)
        today = fields.Date.context_today(self)
        for vals in vals_list:
            if vals.get("loyalty_points_birthday"):
                vals.setdefault("loyalty_points_birthday_entered", today)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals], superuser=True)
        if "loyalty_points_referrer_id" in vals:
            self._loyalty_points_check_referrer_change(vals["loyalty_points_referrer_id"])
        if "loyalty_points_birthday" in vals and "loyalty_points_birthday_entered" not in vals:
            birthday = fields.Date.to_date(vals["loyalty_points_birthday"])
            changed = self.filtered(lambda p: p.loyalty_points_birthday != birthday)
            if changed:
                entered = fields.Date.context_today(self) if birthday else False
                super(ResPartner, changed).write(
                    {**vals, "loyalty_points_birthday_entered": entered}
                )
                return super(ResPartner, self - changed).write(vals)
        return super().write(vals)

    def _loyalty_points_check_referrer_change(self, referrer_id):
        """The referrer of a customer is set before the customer's first paid
        sale: afterwards only a Point of Sale manager may change it (a referral
        bonus is paid on that first sale; nobody names a referrer after it to
        farm bonuses)."""
        if self.env.su or self.env.user.has_group("point_of_sale.group_pos_manager"):
            return
        changed = self.filtered(lambda p: p.loyalty_points_referrer_id.id != (referrer_id or False))
        late = changed.filtered(lambda p: p._loyalty_points_has_paid_sales())
        if late:
            raise UserError(
                self.env._(
                    "The referrer of %(partner)s can only be set before their first paid "
                    "order: ask a Point of Sale manager.",
                    partner=late[0].display_name,
                )
            )

    def _loyalty_points_has_paid_sales(self):
        """Whether this customer (or another contact of its commercial partner)
        has a paid sale, in any company: a paid POS order, or a paid customer
        invoice in a company whose invoices earn. Hook: a channel that sells
        adds its documents."""
        self.ensure_one()
        commercial = self.commercial_partner_id.id
        return bool(
            self.env["pos.order"]
            .sudo()
            .search_count(
                [
                    ("partner_id.commercial_partner_id", "=", commercial),
                    ("state", "in", ("paid", "done", "invoiced")),
                    ("amount_total", ">", 0),
                ],
                limit=1,
            )
            or self.env["account.move"]
            .sudo()
            .search_count(
                [
                    ("commercial_partner_id", "=", commercial),
                    ("move_type", "in", ("out_invoice", "out_receipt")),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("in_payment", "paid")),
                    ("amount_total", ">", 0),
                    ("company_id.loyalty_points_invoice_earning", "=", True),
                ],
                limit=1,
            )
        )

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

    def _loyalty_points_is_excluded(self):
        """Whether this customer (through its commercial partner) earns nothing."""
        self.ensure_one()
        return self.sudo().commercial_partner_id.loyalty_points_excluded

    @api.model
    def _load_pos_data_fields(self, config_id):
        # The balance and tier in the till's customer list, computed for all
        # the loaded customers at once (see _compute_loyalty_points).
        return [
            *super()._load_pos_data_fields(config_id),
            "loyalty_points_balance",
            "loyalty_points_pending",
            "loyalty_tier_id",
            "loyalty_points_available_date",
            "loyalty_points_expiring",
            "loyalty_points_expiry_date",
        ]

    @api.model
    def _load_pos_data(self, data):
        # The figures of the till's company, whatever company the user is in.
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        return super(ResPartner, self.with_company(config.company_id))._load_pos_data(data)

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
        expiry_date, expiring = account._loyalty_points_first_expiry().get(account, (False, 0.0))
        return {
            "partner_id": self.id,
            "balance": account.balance if account else 0.0,
            "pending": account.pending_points if account else 0.0,
            "available_date": account.next_available_date if account else False,
            "expiring": expiring,
            "expiry_date": expiry_date,
            "tier": account.tier_id.name if account and account.tier_id else False,
            "point_value": point_value,
            "max_redeem_share": company.loyalty_points_max_redeem_share,
            "min_amount": smallest_payment(point_value, currency.rounding),
        }

    def loyalty_points_summary(self, company_id=False):
        """The loyalty figures of this customer in ``company_id`` (default: the
        current company), for the form of a document of the customer (the
        sales order's, see ``ir.ui.view``'s optional views): whether it is a
        member, its spendable balance, its pending points and its tier. Internal
        users who read the customer see them, in their own companies only: the
        same figures the customer's invoices print.

        :return: {"member", "balance", "pending", "tier" (name or False)}
        """
        self.ensure_one()
        self.check_access("read")
        user = self.env.user
        company = self.env["res.company"].browse(company_id) if company_id else self.env.company
        if not self.env.su and (user.share or company not in user.company_ids):
            raise AccessError(
                self.env._("You cannot read the loyalty figures of this company's customers.")
            )
        account = self.sudo().with_company(company)._loyalty_points_account()
        return {
            "member": bool(account),
            "balance": account.balance if account else 0.0,
            "pending": account.pending_points if account else 0.0,
            "tier": account.tier_id.name if account and account.tier_id else False,
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
        return self._loyalty_points_check_payment(config_id, amount, order_total)

    def _loyalty_points_check_payment(self, config_id, amount, order_total, reserved=0.0):
        """:meth:`loyalty_points_check_payment`, with ``reserved`` points of
        the balance already spent on the order's rewards."""
        info = self.loyalty_points_pos_info(config_id)
        config = self.env["pos.config"].browse(config_id)
        company = config.company_id or self.env.company
        currency = config.currency_id or company.currency_id
        balance_value = float_round(
            max(info["balance"] - reserved, 0.0) * info["point_value"],
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
        elif currency.compare_amounts(amount, balance_value) > 0 and reserved:
            refusal = self.env._(
                "%(partner)s has %(points)s points left after the rewards of this order, "
                "worth %(value)s: a points payment of %(amount)s is refused.",
                partner=self.display_name,
                points=formatLang(
                    self.env, max(info["balance"] - reserved, 0.0), digits=POINTS_DIGITS[1]
                ),
                value=formatLang(self.env, balance_value, currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        elif currency.compare_amounts(amount, balance_value) > 0:
            refusal = self.env._(
                "%(partner)s has %(points)s points, worth %(value)s: a points "
                "payment of %(amount)s is refused.",
                partner=self.display_name,
                points=company._loyalty_points_format(info["balance"]),
                value=formatLang(self.env, balance_value, currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
            if info["pending"] and info["available_date"]:
                refusal = self.env._(
                    "%(refusal)s %(pending)s points are pending, spendable from %(date)s.",
                    refusal=refusal,
                    pending=company._loyalty_points_format(info["pending"]),
                    date=format_date(self.env, info["available_date"]),
                )
        elif currency.compare_amounts(amount, share_value) > 0:
            share = info["max_redeem_share"]
            refusal = self.env._(
                "At most %(share)s %% of this order, %(max)s, can be paid with "
                "points: a points payment of %(amount)s is refused.",
                share=formatLang(self.env, share, digits=points_display_digits(share, 1.0)),
                max=formatLang(self.env, share_value, currency_obj=currency),
                amount=formatLang(self.env, amount, currency_obj=currency),
            )
        if refusal:
            info.update(ok=False, message=refusal)
        return info

    def loyalty_points_check_rewards(self, config_id, rewards, amount=0.0, order_total=0.0):
        """Check, before the till adds a reward and before it validates an
        order, that this customer may take ``rewards`` ([[reward id, quantity]],
        every reward of the order) and pay ``amount`` (the till's currency)
        with points on an order of ``order_total``: each reward valid for the
        customer today (company, dates, tier, limit), and the fresh balance
        enough for the rewards and the points payment together.

        :return: the figures of :meth:`loyalty_points_check_payment` (the
            points payment checked against what the rewards leave), plus
            ``reward_points`` (what the rewards cost) and, when refused,
            ``ok`` False and ``message``.
        """
        self.ensure_one()
        config = self.env["pos.config"].browse(config_id)
        config.check_access("read")
        company = config.company_id
        quantities = defaultdict(float)
        for reward_id, qty in rewards or []:
            quantities[int(reward_id)] += float(qty)
        found = self.env["loyalty.points.reward"].search([("id", "in", list(quantities))])
        points = sum(reward.points_cost * quantities[reward.id] for reward in found)
        result = self._loyalty_points_check_payment(config_id, amount, order_total, points)
        result["reward_points"] = points
        account = self.with_company(company)._loyalty_points_account()
        day = fields.Date.context_today(self)
        problems = []
        if len(found) < len(quantities):
            problems.append(self.env._("a reward of this order is not available at this till"))
        for reward in found:
            problems += [
                self.env._("%(reward)s: %(problem)s", reward=reward.name, problem=problem)
                for problem in reward._loyalty_points_claim_problems(
                    account, company, day, quantities[reward.id]
                )
            ]
        if problems:
            result.update(
                ok=False,
                message=self.env._(
                    "The reward cannot be given: %(problems)s.", problems="; ".join(problems)
                ),
            )
        elif round_points(points) > round_points(max(result["balance"], 0.0)):
            result.update(
                ok=False,
                message=self.env._(
                    "%(partner)s has %(points)s points: the rewards of this order need "
                    "%(needed)s.",
                    partner=self.display_name,
                    points=formatLang(self.env, result["balance"], digits=POINTS_DIGITS[1]),
                    needed=formatLang(self.env, points, digits=POINTS_DIGITS[1]),
                ),
            )
        return result

    @api.model
    def loyalty_points_partner_by_card(self, config_id, number):
        """The customer of the loyalty card ``number`` scanned or typed at the
        till of ``config_id``: only active cards of the till's company match.

        :return: {"partner_id": id or False, "message": why nobody, or False}
        """
        config = self.env["pos.config"].browse(config_id)
        config.check_access("read")
        company = config.company_id
        number = (number or "").strip()
        card = self.env["loyalty.points.account"]._loyalty_points_find_card(number, company)
        if not card:
            message = self.env._("Unknown loyalty card %(number)s.", number=number)
        elif card.state != "active":
            message = self.env._(
                "The loyalty card %(number)s is blocked: ask the customer for the new card.",
                number=number,
            )
        else:
            return {"partner_id": card.account_id.partner_id.id, "blocked": False, "message": False}
        return {"partner_id": False, "blocked": bool(card), "message": message}
