from odoo import api, fields, models


class LoyaltyPointsTierMove(models.Model):
    """One change of a member's tier, for the tier moves analysis: the
    account chatter says it too, but cannot be grouped cheaply."""

    _name = "loyalty.points.tier.move"
    _description = "Loyalty Tier Move"
    _order = "date desc, id desc"
    _check_company_auto = True

    account_id = fields.Many2one(
        "loyalty.points.account", required=True, index=True, readonly=True, ondelete="cascade"
    )
    partner_id = fields.Many2one(related="account_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    date = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now, index=True)
    old_tier_id = fields.Many2one("loyalty.points.tier", string="From Tier", readonly=True)
    new_tier_id = fields.Many2one("loyalty.points.tier", string="To Tier", readonly=True)
    direction = fields.Selection(
        [("new", "New"), ("up", "Up"), ("down", "Down")],
        compute="_compute_direction",
        store=True,
        readonly=True,
    )
    move_count = fields.Integer(string="Moves", default=1, readonly=True)

    @api.depends("old_tier_id", "new_tier_id")
    def _compute_direction(self):
        """New: the member's first tier; then up or down by the tiers' minimum
        turnover (no tier any more: down)."""
        for move in self:
            if not move.old_tier_id:
                move.direction = "new" if move.new_tier_id else "down"
                continue
            old = move.old_tier_id.min_turnover
            new = move.new_tier_id.min_turnover if move.new_tier_id else -1.0
            move.direction = "up" if new > old else "down"
