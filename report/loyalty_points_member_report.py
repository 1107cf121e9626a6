from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools import POINTS_DIGITS


class LoyaltyPointsMemberReport(models.Model):
    """Paid POS orders, members against the others.

    A member is a customer (its commercial partner) with a loyalty account in
    the order's company; the others are anonymous orders and customers
    without an account. Amounts in the company currency.
    """

    _name = "loyalty.points.member.report"
    _description = "Loyalty Members Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "order_id"

    order_id = fields.Many2one("pos.order", string="Order", readonly=True)
    date = fields.Datetime(string="Order Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    account_id = fields.Many2one("loyalty.points.account", readonly=True)
    tier_id = fields.Many2one("loyalty.points.tier", readonly=True)
    customer_type = fields.Selection(
        [("member", "Member"), ("customer", "Non-member Customer"), ("anonymous", "Anonymous")],
        readonly=True,
    )
    is_member = fields.Boolean(string="Member", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    amount_total = fields.Float(string="Sales", readonly=True)
    average_basket = fields.Float(readonly=True, aggregator="avg")
    order_count = fields.Integer(string="Orders", readonly=True)
    member_count = fields.Integer(
        string="Active Members",
        readonly=True,
        aggregator="count_distinct",
        help="Members who bought in the period.",
    )
    points_earned = fields.Float(digits=POINTS_DIGITS, readonly=True)
    points_redeemed = fields.Float(digits=POINTS_DIGITS, readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT pos.id AS id, pos.id AS order_id, pos.date_order AS date,
                           pos.company_id, session.config_id, customer.id AS partner_id,
                           account.id AS account_id, account.tier_id,
                           CASE WHEN account.id IS NOT NULL THEN 'member'
                                WHEN pos.partner_id IS NOT NULL THEN 'customer'
                                ELSE 'anonymous' END AS customer_type,
                           account.id IS NOT NULL AS is_member,
                           pos.amount_total / COALESCE(NULLIF(pos.currency_rate, 0), 1.0)
                               AS amount_total,
                           pos.amount_total / COALESCE(NULLIF(pos.currency_rate, 0), 1.0)
                               AS average_basket,
                           1 AS order_count,
                           account.id AS member_count,
                           pos.loyalty_points_earned AS points_earned,
                           pos.loyalty_points_redeemed AS points_redeemed
                      FROM pos_order AS pos
                      JOIN pos_session AS session ON session.id = pos.session_id
                 LEFT JOIN res_partner AS contact ON contact.id = pos.partner_id
                 LEFT JOIN res_partner AS customer
                        ON customer.id = contact.commercial_partner_id
                 LEFT JOIN loyalty_points_account AS account
                        ON account.partner_id = customer.id
                       AND account.company_id = pos.company_id
                     WHERE pos.state IN ('paid', 'done', 'invoiced')
                )
                """,
                SQL.identifier(self._table),
            )
        )
