from odoo import api, fields, models

from ..tools import AGING_BUCKETS
from ..wizards.loyalty_points_rollforward import ROLLFORWARD_COLUMNS


class ReportLoyaltyPointsRollforward(models.AbstractModel):
    """The points roll-forward of a period as a PDF, per company (``docs``)
    with a line per program, and the outstanding points by expiry today.
    ``data``: ``date_from``, ``date_to`` (the monthly mail gives them)."""

    _name = "report.loyalty_points.report_rollforward"
    _description = "Loyalty Points Roll-Forward Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        companies = self.env["res.company"].browse(docids)
        Rollforward = self.env["loyalty.points.rollforward"]
        today = fields.Date.context_today(self)
        date_from = fields.Date.to_date(data.get("date_from")) or today.replace(day=1)
        date_to = fields.Date.to_date(data.get("date_to")) or today
        totals = Rollforward._get_figures(companies, date_from, date_to)
        per_program = Rollforward._get_figures(companies, date_from, date_to, by_program=True)
        programs = self.env["loyalty.points.program"].sudo().with_context(active_test=False)
        aging = self.env["loyalty.points.aging.report"]._get_buckets(companies, today)
        buckets = dict(
            self.env["loyalty.points.aging.report"]
            ._fields["bucket"]
            ._description_selection(self.env)
        )
        return {
            "doc_ids": companies.ids,
            "doc_model": "res.company",
            "docs": companies,
            "date_from": date_from,
            "date_to": date_to,
            "today": today,
            "columns": ("opening", *ROLLFORWARD_COLUMNS, "closing"),
            "totals": {company_id: row for (company_id, _p), row in totals.items()},
            "programs": {
                company.id: [
                    (programs.browse(program_id), row)
                    for (company_id, program_id), row in sorted(
                        per_program.items(), key=lambda item: item[0][1] or 0
                    )
                    if company_id == company.id
                ]
                for company in companies
            },
            "aging": {
                company.id: [
                    (buckets[bucket], *aging.get((company.id, bucket), (0.0, 0.0, 0)))
                    for bucket in AGING_BUCKETS
                ]
                for company in companies
            },
        }
