from odoo import api, fields, models, tools
from odoo.tools import SQL

from ..tools import AGING_LIMITS, POINTS_DIGITS


class LoyaltyPointsAgingReport(models.Model):
    """The open lots (outstanding points) by how soon they expire.

    A SQL view, one row per open lot; buckets are computed against today
    (``CURRENT_DATE``) with the rule of ``tools/aging.py``.
    """

    _name = "loyalty.points.aging.report"
    _description = "Loyalty Points Aging"
    _auto = False
    _order = "expiry_date, id"
    _rec_name = "lot_id"

    lot_id = fields.Many2one("loyalty.points.entry", readonly=True)
    account_id = fields.Many2one("loyalty.points.account", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    program_id = fields.Many2one("loyalty.points.program", readonly=True)
    tier_id = fields.Many2one("loyalty.points.tier", readonly=True)
    expiry_date = fields.Date(readonly=True)
    days_left = fields.Integer(readonly=True, aggregator="min")
    bucket = fields.Selection(
        [
            ("30", "Within 30 days"),
            ("60", "In 31 to 60 days"),
            ("90", "In 61 to 90 days"),
            ("later", "Later"),
            ("never", "Never"),
        ],
        string="Expires",
        readonly=True,
    )
    points = fields.Float(digits=POINTS_DIGITS, readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    value = fields.Monetary(readonly=True)

    @api.model
    def _aging_query(self, today):
        """The rows of the report, seen on ``today`` (an SQL date expression)."""
        cases = SQL(" ").join(
            SQL("WHEN lot.expiry_date - %s <= %s THEN %s", today, limit, bucket)
            for limit, bucket in AGING_LIMITS
        )
        return SQL(
            """
            SELECT lot.id AS id, lot.id AS lot_id, lot.account_id,
                   lot.partner_id, lot.company_id, lot.program_id, account.tier_id,
                   lot.expiry_date,
                   lot.expiry_date - %(today)s AS days_left,
                   CASE WHEN lot.expiry_date IS NULL THEN 'never' %(cases)s
                        ELSE 'later' END AS bucket,
                   lot.remaining AS points,
                   company.currency_id,
                   lot.remaining * company.loyalty_points_value AS value
              FROM loyalty_points_entry AS lot
              JOIN loyalty_points_account AS account ON account.id = lot.account_id
              JOIN res_company AS company ON company.id = lot.company_id
             WHERE lot.remaining > 0
            """,
            today=today,
            cases=cases,
        )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._aging_query(SQL("CURRENT_DATE")),
            )
        )

    @api.model
    def _get_buckets(self, companies, today):
        """{(company id, bucket): (points, value, customers)} of the open lots
        of ``companies`` seen on ``today``, for the figures and the tests."""
        self.env["loyalty.points.rollforward"]._check_report_access(companies)
        self.env["loyalty.points.entry"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT company_id, bucket, SUM(points), SUM(value),
                       COUNT(DISTINCT partner_id)
                  FROM (%s) AS aging
                 WHERE company_id = ANY(%s)
              GROUP BY company_id, bucket
                """,
                self._aging_query(SQL("%s::date", today)),
                companies.ids,
            )
        )
        return {
            (company_id, bucket): (float(points), float(value), customers)
            for company_id, bucket, points, value, customers in self.env.cr.fetchall()
        }
