from odoo import api, fields, models

from ..tools import POINTS_DIGITS


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
        the POS asks for them before it accepts a points payment."""
        self.ensure_one()
        config = self.env["pos.config"].browse(config_id)
        company = config.company_id or self.env.company
        partner = self.with_company(company)
        account = partner._loyalty_points_account()
        return {
            "partner_id": self.id,
            "balance": account.balance if account else 0.0,
            "tier": account.tier_id.name if account and account.tier_id else False,
            "point_value": company.loyalty_points_value,
            "max_redeem_share": company.loyalty_points_max_redeem_share,
        }
