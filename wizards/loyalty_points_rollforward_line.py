from odoo import api, fields, models

from ..tools import POINTS_DIGITS

COLUMNS = ("opening", "issued", "redeemed", "expired", "adjusted", "reversed", "closing")


class LoyaltyPointsRollforwardLine(models.TransientModel):
    _name = "loyalty.points.rollforward.line"
    _description = "Loyalty Points Roll-Forward Line"
    _order = "company_id, program_id"

    wizard_id = fields.Many2one("loyalty.points.rollforward", required=True, ondelete="cascade")
    date_from = fields.Date(related="wizard_id.date_from")
    date_to = fields.Date(related="wizard_id.date_to")
    by_program = fields.Boolean(related="wizard_id.by_program")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    program_id = fields.Many2one("loyalty.points.program", string="Loyalty Program", readonly=True)
    program_label = fields.Char(
        string="Program",
        compute="_compute_program_label",
        store=True,
        help="The program of the line; the points of no program (bonuses, "
        "adjustments, expiry and spending not covered by a program's lots) are "
        "on their own line.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    opening = fields.Float(digits=POINTS_DIGITS, readonly=True)
    issued = fields.Float(digits=POINTS_DIGITS, readonly=True)
    redeemed = fields.Float(digits=POINTS_DIGITS, readonly=True)
    expired = fields.Float(digits=POINTS_DIGITS, readonly=True)
    adjusted = fields.Float(digits=POINTS_DIGITS, readonly=True)
    reversed = fields.Float(digits=POINTS_DIGITS, readonly=True)
    closing = fields.Float(digits=POINTS_DIGITS, readonly=True)
    redemption_rate = fields.Float(
        string="Redemption Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Points redeemed in the period per 100 points issued in it.",
    )
    breakage_rate = fields.Float(
        string="Breakage Rate (%)",
        readonly=True,
        aggregator="avg",
        help="Points expired in the period per 100 points issued in it.",
    )
    opening_value = fields.Monetary(compute="_compute_values", store=True)
    issued_value = fields.Monetary(compute="_compute_values", store=True)
    redeemed_value = fields.Monetary(compute="_compute_values", store=True)
    expired_value = fields.Monetary(compute="_compute_values", store=True)
    adjusted_value = fields.Monetary(compute="_compute_values", store=True)
    reversed_value = fields.Monetary(compute="_compute_values", store=True)
    closing_value = fields.Monetary(compute="_compute_values", store=True)

    @api.depends("program_id.name", "by_program")
    def _compute_program_label(self):
        for line in self:
            if line.program_id:
                line.program_label = line.program_id.name
            else:
                line.program_label = (
                    self.env._("Bonuses and adjustments") if line.by_program else False
                )

    @api.depends(*COLUMNS, "company_id.loyalty_points_value")
    def _compute_values(self):
        for line in self:
            value = line.company_id.loyalty_points_value
            for column in COLUMNS:
                line[f"{column}_value"] = line[column] * value

    def action_open_entries(self):
        """Drill down: the journal entries behind the movements of this line."""
        self.ensure_one()
        Wizard = self.env["loyalty.points.rollforward"]
        Wizard._check_report_access(self.company_id)
        start, end = Wizard._period_bounds(self.date_from, self.date_to)
        domain = [
            ("company_id", "=", self.company_id.id),
            ("date", ">=", start),
            ("date", "<", end),
        ]
        if self.by_program:
            program = self.program_id.id
            if program:
                domain += [
                    "|",
                    "&",
                    ("points", ">", 0),
                    ("program_id", "=", program),
                    "&",
                    ("points", "<", 0),
                    ("debit_allocation_ids.credit_entry_id.program_id", "=", program),
                ]
            else:
                domain += [
                    "|",
                    "&",
                    ("points", ">", 0),
                    ("program_id", "=", False),
                    "&",
                    ("points", "<", 0),
                    "|",
                    ("debit_allocation_ids", "=", False),
                    ("debit_allocation_ids.credit_entry_id.program_id", "=", False),
                ]
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_entry_action"
        )
        action.update(
            {
                "name": self.env._(
                    "Entries of %(company)s %(program)s",
                    company=self.company_id.name,
                    program=self.program_label or "",
                ),
                "domain": domain,
                "context": {"search_default_group_kind": 1, "create": False},
            }
        )
        return action
