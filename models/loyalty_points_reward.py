from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, date_utils, float_compare, format_date, formatLang

from ..tools import POINTS_DIGITS, POINTS_PRECISION, round_points

LIMIT_PERIODS = [
    ("day", "Day"),
    ("week", "Week"),
    ("month", "Month"),
    ("year", "Year"),
    ("lifetime", "Ever"),
]


class LoyaltyPointsReward(models.Model):
    """A reward of the catalogue: a product or service given for points.

    The till adds the product at a 100 % discount on a line that claims the
    reward (``pos.order.line.loyalty_points_reward_id``); the server checks the
    claim when it books the order and asks the ledger for a redeem of
    ``points_cost`` x quantity (see ``pos.order._loyalty_points_reward_vals``).
    """

    _name = "loyalty.points.reward"
    _description = "Loyalty Reward"
    _inherit = ["pos.load.mixin"]
    _order = "sequence, points_cost, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    product_id = fields.Many2one(
        "product.product",
        string="Product Given",
        required=True,
        check_company=True,
        ondelete="restrict",
        domain=[("available_in_pos", "=", True)],
        help="The product or service the customer gets, at a 100 % discount.",
    )
    points_cost = fields.Float(
        string="Points",
        digits=POINTS_DIGITS,
        required=True,
        help="Points the reward costs, per unit taken.",
    )
    image = fields.Image(max_width=512, max_height=512)
    description = fields.Text(translate=True, help="Shown to the customer on their portal page.")
    tier_ids = fields.Many2many(
        "loyalty.points.tier",
        string="Tiers",
        check_company=True,
        help="Only members of these tiers can take the reward; empty: every customer.",
    )
    date_from = fields.Date(string="Start Date")
    date_to = fields.Date(string="End Date")
    limit_qty = fields.Integer(
        string="Limit per Customer",
        default=0,
        help="How many times a customer can take the reward per period (refunded "
        "rewards do not count); 0: no limit.",
    )
    limit_period = fields.Selection(
        LIMIT_PERIODS,
        required=True,
        default="month",
        help="The calendar period the limit counts over.",
    )

    @api.constrains("points_cost", "limit_qty")
    def _check_points_cost_positive(self):
        if any(reward.points_cost <= 0 for reward in self):
            raise ValidationError(self.env._("A reward must cost some points."))
        if any(reward.limit_qty < 0 for reward in self):
            raise ValidationError(self.env._("The limit of a reward cannot be negative."))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for reward in self:
            if reward.date_from and reward.date_to and reward.date_to < reward.date_from:
                raise ValidationError(
                    self.env._("The reward %(name)s ends before it starts.", name=reward.name)
                )

    # ------------------------------------------------------------------
    # the till loads the catalogue with its data: the sync reads nothing

    @api.model
    def _load_pos_data_domain(self, data):
        config = self.env["pos.config"].browse(data["pos.config"]["data"][0]["id"])
        today = fields.Date.context_today(self)
        return [
            ("company_id", "=", config.company_id.id),
            "|",
            ("date_to", "=", False),
            ("date_to", ">=", today),
        ]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [
            "id",
            "name",
            "sequence",
            "product_id",
            "points_cost",
            "tier_ids",
            "date_from",
            "date_to",
            "limit_qty",
            "limit_period",
        ]

    # ------------------------------------------------------------------
    # claims

    def _loyalty_points_claim_problems(
        self, account, company, day, qty, taken_in_order=0.0, product=None, discount=None
    ):
        """Why ``account`` (maybe none yet) cannot take ``qty`` units of this
        reward in ``company`` on ``day`` (after ``taken_in_order`` units of it
        in the same order), on a line of ``product`` at ``discount`` % when
        given: a list of sentences, empty when the claim is valid. The till's
        check and the booking both ask it; the booking decides."""
        self.ensure_one()
        reward = self.sudo()
        problems = []
        if reward.company_id != company:
            problems.append(
                self.env._(
                    "the reward belongs to another company (%(company)s)",
                    company=reward.company_id.name,
                )
            )
        if not reward.active:
            problems.append(self.env._("the reward is archived"))
        if (reward.date_from and day < reward.date_from) or (
            reward.date_to and day > reward.date_to
        ):
            problems.append(
                self.env._(
                    "the reward is not valid on %(day)s (from %(start)s to %(end)s)",
                    day=format_date(self.env, day),
                    start=format_date(self.env, reward.date_from) if reward.date_from else "-",
                    end=format_date(self.env, reward.date_to) if reward.date_to else "-",
                )
            )
        if product is not None and product != reward.product_id:
            problems.append(
                self.env._(
                    "the line sells %(product)s, not the reward's %(reward_product)s",
                    product=product.display_name,
                    reward_product=reward.product_id.display_name,
                )
            )
        if discount is not None and float_compare(discount, 100.0, precision_digits=2):
            problems.append(
                self.env._(
                    "the line's discount is %(discount)s %%, not 100 %%",
                    discount=formatLang(self.env, discount),
                )
            )
        if qty <= 0:
            problems.append(
                self.env._(
                    "a reward is taken with a positive quantity (here %(qty)s), never "
                    "returned without its order",
                    qty=formatLang(self.env, qty),
                )
            )
        if qty > 0 and not round_points(reward.points_cost * qty):
            problems.append(
                self.env._(
                    "the claim costs 0 points once rounded (%(cost)s points per unit, "
                    "quantity %(qty)s)",
                    cost=formatLang(self.env, reward.points_cost, digits=POINTS_PRECISION),
                    qty=formatLang(self.env, qty),
                )
            )
        if reward.tier_ids and account.tier_id not in reward.tier_ids:
            problems.append(
                self.env._(
                    "the reward is for %(tiers)s members only, the customer's tier is %(tier)s",
                    tiers=", ".join(reward.tier_ids.mapped("name")),
                    tier=account.tier_id.name or self.env._("none"),
                )
            )
        if reward.limit_qty and qty > 0 and account:
            taken = reward._loyalty_points_taken_qty(account, day) + taken_in_order
            if taken + qty > reward.limit_qty:
                periods = dict(self._fields["limit_period"]._description_selection(self.env))
                problems.append(
                    self.env._(
                        "the limit of %(limit)s per customer (%(period)s) is reached: "
                        "%(taken)s taken already",
                        limit=reward.limit_qty,
                        period=periods[reward.limit_period].lower(),
                        taken=formatLang(self.env, taken, digits=0),
                    )
                )
        return problems

    def _loyalty_points_taken_qty(self, account, day):
        """Units of this reward that ``account`` took in the limit period of
        ``day``, refunds deducted, from the server's record of the POS lines
        (the quantity it booked on them and what refunds gave back, not the
        lines' quantity): a refund counts in the period of the reward it gives
        back."""
        self.ensure_one()
        self.env["pos.order.line"].flush_model(
            [
                "loyalty_points_reward_id",
                "loyalty_points_reward_points",
                "loyalty_points_qty",
                "loyalty_points_refunded_qty",
                "refunded_orderline_id",
                "order_id",
            ]
        )
        self.env["pos.order"].flush_model(["loyalty_points_account_id", "loyalty_points_date"])
        period = SQL()
        if self.limit_period != "lifetime":
            start = date_utils.start_of(day, self.limit_period)
            period = SQL("AND claim_order.loyalty_points_date >= %s", start)
        rows = self.env.execute_query(
            SQL(
                """
                SELECT COALESCE(SUM(GREATEST(
                           COALESCE(claim.loyalty_points_qty, 0)
                           - COALESCE(claim.loyalty_points_refunded_qty, 0), 0)), 0)
                  FROM pos_order_line AS claim
                  JOIN pos_order AS claim_order ON claim_order.id = claim.order_id
                 WHERE claim.loyalty_points_reward_id = %(reward)s
                   AND claim.loyalty_points_reward_points > 0
                   AND claim.refunded_orderline_id IS NULL
                   AND claim_order.loyalty_points_account_id = %(account)s
                   %(period)s
                """,
                reward=self.id,
                account=account.id,
                period=period,
            )
        )
        return max(float(rows[0][0] or 0.0), 0.0)

    @api.model
    def _loyalty_points_available(self, account, day):
        """The rewards ``account`` may take on ``day`` (company, dates, tier),
        cheapest first, as superuser: the portal and the SMS show them."""
        rewards = self.sudo().search(
            [
                ("company_id", "=", account.company_id.id),
                "|",
                ("date_from", "=", False),
                ("date_from", "<=", day),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", day),
            ],
            order="points_cost, sequence, id",
        )
        return rewards.filtered(
            lambda reward: not reward.tier_ids or account.tier_id in reward.tier_ids
        )
