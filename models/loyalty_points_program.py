from collections import defaultdict

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools import LineSpec, ProgramSpec, line_points, resolve_program, round_down, spread

SCOPES = [
    ("partner", "Specific Customers"),
    ("partner_category", "Customer Tags"),
    ("product", "Specific Products"),
    ("product_category", "Product Categories"),
    ("pos_config", "Specific Points of Sale"),
    ("all", "Everything"),
]
EARN_MODES = [
    ("percent", "Percentage of the Amount"),
    ("per_amount", "Points per Currency Unit"),
    ("per_unit", "Points per Unit Sold"),
]


class LoyaltyPointsProgram(models.Model):
    _name = "loyalty.points.program"
    _inherit = ["loyalty.points.cache.mixin"]
    _description = "Loyalty Points Program"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    scope = fields.Selection(
        SCOPES,
        required=True,
        default="all",
        help="What the program applies to. On each order line exactly one program "
        "earns: the most specific scope wins (specific customers, then customer "
        "tags, specific products, product categories, points of sale, everything), "
        "then the lowest sequence.",
    )
    partner_ids = fields.Many2many("res.partner", string="Customers", check_company=True)
    partner_category_ids = fields.Many2many("res.partner.category", string="Customer Tags")
    product_ids = fields.Many2many("product.product", string="Products", check_company=True)
    product_category_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="Their child categories are included.",
    )
    pos_config_ids = fields.Many2many("pos.config", string="Points of Sale", check_company=True)
    excluded_partner_ids = fields.Many2many(
        "res.partner",
        "loyalty_points_program_excluded_partner_rel",
        "program_id",
        "partner_id",
        string="Excluded Customers",
        check_company=True,
        help="This program earns nothing for these customers (and their contacts); "
        "they keep and spend the points they have.",
    )
    date_from = fields.Date(string="Start Date")
    date_to = fields.Date(string="End Date")
    earn_mode = fields.Selection(EARN_MODES, required=True, default="percent")
    earn_rate = fields.Float(
        required=True,
        default=1.0,
        digits=(16, 4),
        help="Percentage: 10 gives 10 % of the amount back in points. Per currency "
        "unit: points for each unit of currency paid. Per unit: points for each "
        "unit sold.",
    )
    validity_days = fields.Integer(
        string="Validity (days)",
        default=365,
        help="Points earned expire after this many days. 0: they never expire.",
    )
    lot_count = fields.Integer(compute="_compute_lot_count", string="Lots")

    def _compute_lot_count(self):
        counts = dict(
            self.env["loyalty.points.entry"]._read_group(
                [("program_id", "in", self.ids), ("kind", "=", "earn")],
                ["program_id"],
                ["__count"],
            )
        )
        for program in self:
            program.lot_count = counts.get(program, 0)

    @api.constrains("earn_rate", "validity_days")
    def _check_rates_positive(self):
        if any(program.earn_rate <= 0 for program in self):
            raise ValidationError(self.env._("The earn rate of a program must be positive."))
        if any(program.validity_days < 0 for program in self):
            raise ValidationError(self.env._("The validity of a program cannot be negative."))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for program in self:
            if program.date_from and program.date_to and program.date_to < program.date_from:
                raise ValidationError(
                    self.env._("The program %(name)s ends before it starts.", name=program.name)
                )

    @api.constrains(
        "scope",
        "partner_ids",
        "partner_category_ids",
        "product_ids",
        "product_category_ids",
        "pos_config_ids",
    )
    def _check_scope_targets(self):
        labels = dict(self._fields["scope"]._description_selection(self.env))
        for program in self:
            targets = program._scope_targets()
            if targets is not None and not targets:
                raise ValidationError(
                    self.env._(
                        "The program %(name)s applies to %(scope)s: choose at least one.",
                        name=program.name,
                        scope=labels[program.scope],
                    )
                )

    def _scope_targets(self):
        """The records the scope points at, or None for the scope "everything"."""
        self.ensure_one()
        field_name = {
            "partner": "partner_ids",
            "partner_category": "partner_category_ids",
            "product": "product_ids",
            "product_category": "product_category_ids",
            "pos_config": "pos_config_ids",
        }.get(self.scope)
        return self[field_name] if field_name else None

    def action_open_lots(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_entry_action"
        )
        action["domain"] = [("program_id", "=", self.id)]
        return action

    @api.model
    def _program_specs(self, company, day):
        """The programs of ``company`` that run on ``day``, as plain data
        (:class:`..tools.ProgramSpec`), cached: the POS sync reads them on
        every order. Any change of a program (or of the category tree) clears
        the cache."""
        return self._program_specs_cached(company.id, day)

    @tools.ormcache("company_id", "day")
    def _program_specs_cached(self, company_id, day):
        company = self.env["res.company"].browse(company_id)
        programs = self.sudo().with_company(company)._get_program_candidates(company, day)
        return tuple(programs._to_spec())

    @api.model
    def _get_program_candidates(self, company, day):
        """The programs of ``company`` that run on ``day``. Hook."""
        return self.search(
            [
                ("company_id", "=", company.id),
                "|",
                ("date_from", "=", False),
                ("date_from", "<=", day),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", day),
            ]
        )

    def _to_spec(self):
        """These programs as plain data for :mod:`..tools.programs`."""
        all_categories = self.product_category_ids
        children = (
            self.env["product.category"].search([("id", "child_of", all_categories.ids)])
            if all_categories
            else all_categories
        )
        specs = []
        for program in self:
            categories = children.filtered(
                lambda c, roots=program.product_category_ids: any(
                    c.parent_path.startswith(root.parent_path) for root in roots
                )
            )
            specs.append(
                ProgramSpec(
                    id=program.id,
                    sequence=program.sequence,
                    scope=program.scope,
                    earn_mode=program.earn_mode,
                    earn_rate=program.earn_rate,
                    partner_ids=frozenset(program.partner_ids.ids),
                    partner_category_ids=frozenset(program.partner_category_ids.ids),
                    product_ids=frozenset(program.product_ids.ids),
                    product_category_ids=frozenset(categories.ids),
                    pos_config_ids=frozenset(program.pos_config_ids.ids),
                    validity_days=program.validity_days,
                    excluded_partner_ids=frozenset(
                        program.excluded_partner_ids.commercial_partner_id.ids
                    ),
                )
            )
        return specs

    @api.model
    def _compute_earnings(
        self, partner, company, day, lines, pos_config=None, account=None, returned=False
    ):
        """What ``lines`` of a sale to ``partner`` earn in ``company`` on ``day``:
        the winning program of each line (:mod:`..tools.programs`), the tier
        multiplier of ``account``, rounded down per program and spread back
        over the lines. Promotional products earn nothing, nor does a customer
        excluded from earning; for ``returned`` goods (a return without its
        receipt), what they would have earned, excluded customer or not.

        :param lines: [(line, product, amount, qty)]: what the customer paid
            for each line by means other than points (> 0, in the company
            currency) and the units it stands for; ``line`` is the caller's own
        :param pos_config: the point of sale of the sale, if any (programs
            scoped to points of sale earn only there)
        :param account: the customer's loyalty account (its tier multiplies)
        :return: {program spec: (points, [(line, part)])}
        """
        if not returned and partner._loyalty_points_is_excluded():
            return {}
        specs = self._program_specs(company, day)
        if not specs:
            return {}
        commercial = partner.commercial_partner_id
        with_tags = any(spec.scope == "partner_category" for spec in specs)
        tags = frozenset((commercial | partner).category_id.ids) if with_tags else frozenset()
        point_value = company.loyalty_points_value
        raw_by_program = defaultdict(list)  # spec: [(line, raw points)]
        for line, product, amount, qty in lines:
            if product.loyalty_points_excluded:
                continue
            spec = LineSpec(
                partner_id=commercial.id,
                partner_category_ids=tags,
                product_id=product.id,
                product_category_id=product.categ_id.id,
                pos_config_id=pos_config.id if pos_config else 0,
                amount=amount,
                qty=qty,
            )
            program = resolve_program(specs, spec, point_value, company.loyalty_points_best_program)
            if program:
                raw_by_program[program].append((line, line_points(program, spec, point_value)))
        tier_id = account.tier_id.id if account else False
        multiplier = self.env["loyalty.points.tier"]._earn_multiplier(tier_id)
        rounding = company.loyalty_points_rounding
        earnings = {}
        for program in (spec for spec in specs if spec in raw_by_program):
            line_raws = raw_by_program[program]
            total = round_down(sum(raw for _line, raw in line_raws) * multiplier, rounding)
            if total:
                parts = spread(total, [raw for _line, raw in line_raws], rounding)
                earnings[program] = (
                    total,
                    [(line, part) for (line, _raw), part in zip(line_raws, parts, strict=True)],
                )
        return earnings
