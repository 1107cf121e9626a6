from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError


class LoyaltyPointsTier(models.Model):
    _name = "loyalty.points.tier"
    _description = "Loyalty Tier"
    _inherit = ["pos.load.mixin", "loyalty.points.cache.mixin"]
    _order = "company_id, sequence, min_turnover, min_visits, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(
        default=10,
        help="Rank of the tier: when a customer reaches several tiers, the last one "
        "in this order (then by minimum turnover and visits) is given.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    # a value, never NULL: the unique constraint compares it
    min_turnover = fields.Monetary(
        string="Minimum Turnover",
        currency_field="currency_id",
        default=0.0,
        help="Customers whose turnover over the company's tier window reaches this "
        "amount belong to this tier (the highest one they reach).",
    )
    min_visits = fields.Integer(
        string="Minimum Visits",
        default=0,
        required=True,
        help="Paid orders the customer must have made within the company's tier "
        "window, on top of the minimum turnover (0: visits do not count). For "
        '"10 visits in 12 months", set 10 here and leave the minimum turnover at 0.',
    )
    earn_multiplier = fields.Float(
        default=1.0, digits=(16, 2), help="Points earned by members are multiplied by this."
    )
    pricelist_id = fields.Many2one(
        "product.pricelist",
        string="Discount Card",
        check_company=True,
        help="Members get this pricelist in this company; leaving the tier restores "
        "their previous pricelist.",
    )
    account_count = fields.Integer(compute="_compute_account_count", string="Members")
    pricelist_warning = fields.Char(
        compute="_compute_pricelist_warning",
        help="The points of sale of the company that do not apply the discount card.",
    )

    _sql_constraints = [
        (
            "min_turnover_uniq",
            "UNIQUE(company_id, min_turnover, min_visits)",
            "Two tiers of a company cannot have the same minimum turnover and visits.",
        ),
    ]

    def _compute_account_count(self):
        counts = dict(
            self.env["loyalty.points.account"]._read_group(
                [("tier_id", "in", self.ids)], ["tier_id"], ["__count"]
            )
        )
        for tier in self:
            tier.account_count = counts.get(tier, 0)

    @api.depends("pricelist_id", "company_id")
    def _compute_pricelist_warning(self):
        for tier in self:
            tier.pricelist_warning = (
                tier.company_id._loyalty_points_pricelist_warning(tiers=tier)
                if tier.pricelist_id
                else False
            )

    @api.constrains("min_turnover", "earn_multiplier", "company_id")
    def _check_thresholds(self):
        for tier in self:
            if tier.min_turnover < 0:
                raise ValidationError(
                    self.env._("The minimum turnover of a tier cannot be negative.")
                )
            if tier.earn_multiplier <= 0:
                raise ValidationError(
                    self.env._("The points multiplier of a tier must be positive.")
                )

    @api.constrains("min_visits")
    def _check_min_visits(self):
        if any(tier.min_visits < 0 for tier in self):
            raise ValidationError(self.env._("The minimum visits of a tier cannot be negative."))

    @api.model
    def _load_pos_data_domain(self, data):
        return [("company_id", "=", data["pos.config"]["data"][0]["company_id"])]

    @api.model
    def _load_pos_data_fields(self, config_id):
        return ["id", "name"]

    def action_apply_pricelist_in_pos(self):
        """Let the points of sale of the company apply this tier's discount card
        (who manages the tiers: Point of Sale managers)."""
        self.check_access("write")
        self.company_id._loyalty_points_apply_tier_pricelists(tiers=self)

    def action_open_accounts(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_account_action"
        )
        action["domain"] = [("tier_id", "=", self.id)]
        return action

    @tools.ormcache("company_id")
    def _tier_thresholds(self, company_id):
        """((minimum turnover, minimum visits, tier id), ...) of a company,
        lowest rank first (sequence, turnover, visits); cached, the POS sync
        reads them on every order."""
        tiers = self.sudo().search([("company_id", "=", company_id)])
        ranked = sorted(tiers, key=lambda t: (t.sequence, t.min_turnover, t.min_visits, t.id))
        return tuple((tier.min_turnover, tier.min_visits, tier.id) for tier in ranked)

    @tools.ormcache("tier_id")
    def _earn_multiplier(self, tier_id):
        """The points multiplier of a tier (1.0 without one); cached."""
        return (self.sudo().browse(tier_id).earn_multiplier or 1.0) if tier_id else 1.0

    @api.model
    def _tier_needs_visits(self, company):
        """Whether some tier of ``company`` asks for a number of visits."""
        return any(visits for _turnover, visits, _id in self._tier_thresholds(company.id))

    @api.model
    def _tier_for_turnover(self, company, turnover, visits=0):
        """The highest-ranked tier of ``company`` whose minimum turnover
        ``turnover`` and whose minimum visits ``visits`` both reach, or an
        empty recordset. Hook."""
        reached = [
            tier_id
            for minimum, min_visits, tier_id in self._tier_thresholds(company.id)
            if minimum <= turnover and min_visits <= visits
        ]
        return self.browse(reached[-1:])
