from odoo import fields, models, tools
from odoo.tools import SQL

from ..tools import POINTS_DIGITS


class LoyaltyPointsProgramReport(models.Model):
    """Sales and points per program: one row per POS order line that a
    program earned on (refund lines included, negative). Amounts in the
    company currency, taxes included."""

    _name = "loyalty.points.program.report"
    _description = "Loyalty Programs Analysis"
    _auto = False
    _order = "date desc"
    _rec_name = "program_id"

    program_id = fields.Many2one("loyalty.points.program", readonly=True)
    order_id = fields.Many2one("pos.order", string="Order", readonly=True)
    date = fields.Datetime(string="Order Date", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    config_id = fields.Many2one("pos.config", string="Point of Sale", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    tier_id = fields.Many2one("loyalty.points.tier", string="Tier after Order", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    product_categ_id = fields.Many2one("product.category", string="Product Category", readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    sales = fields.Float(readonly=True)
    points = fields.Float(digits=POINTS_DIGITS, readonly=True)
    qty = fields.Float(string="Quantity", readonly=True)
    order_count = fields.Integer(string="Orders", readonly=True, aggregator="count_distinct")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE VIEW %s AS (
                    SELECT line.id AS id, line.loyalty_program_id AS program_id,
                           pos.id AS order_id, pos.date_order AS date, pos.company_id,
                           session.config_id, contact.commercial_partner_id AS partner_id,
                           pos.loyalty_points_tier_id AS tier_id,
                           line.product_id, template.categ_id AS product_categ_id,
                           line.price_subtotal_incl
                               / COALESCE(NULLIF(pos.currency_rate, 0), 1.0) AS sales,
                           line.loyalty_points AS points, line.qty,
                           pos.id AS order_count
                      FROM pos_order_line AS line
                      JOIN pos_order AS pos ON pos.id = line.order_id
                      JOIN pos_session AS session ON session.id = pos.session_id
                      JOIN product_product AS product ON product.id = line.product_id
                      JOIN product_template AS template ON template.id = product.product_tmpl_id
                 LEFT JOIN res_partner AS contact ON contact.id = pos.partner_id
                     WHERE line.loyalty_program_id IS NOT NULL
                       AND pos.state IN ('paid', 'done', 'invoiced')
                )
                """,
                SQL.identifier(self._table),
            )
        )
