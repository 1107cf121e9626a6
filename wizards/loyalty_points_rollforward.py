from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL, format_date

# Roll-forward columns of the movements, in the order they are shown.
ROLLFORWARD_COLUMNS = ("issued", "redeemed", "expired", "adjusted", "reversed")

# The roll-forward column of each entry kind. A new kind is one line here
# (or an override of ``_rollforward_kind_columns``); a kind missing from it
# is shown as an adjustment, so the roll-forward always ties out.
ROLLFORWARD_KIND_COLUMNS = {
    "earn": "issued",
    "bonus": "issued",
    "redeem": "redeemed",
    "expire": "expired",
    "adjust": "adjusted",
    "reversal": "reversed",
}


class LoyaltyPointsRollforward(models.TransientModel):
    _name = "loyalty.points.rollforward"
    _description = "Loyalty Points Roll-Forward"

    company_ids = fields.Many2many(
        "res.company",
        string="Companies",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.user.company_ids.ids)],
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(day=1),
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: fields.Date.context_today(self)
    )
    by_program = fields.Boolean(
        string="Per Program",
        help="One line per program: redemptions and expiries count against the "
        "program of the lots they consumed.",
    )
    line_ids = fields.One2many("loyalty.points.rollforward.line", "wizard_id")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period must start before it ends."))

    def action_open_report(self):
        """Compute the roll-forward of the period and open its lines."""
        self.ensure_one()
        figures = self._get_figures(self.company_ids, self.date_from, self.date_to, self.by_program)
        self.line_ids.unlink()
        self.env["loyalty.points.rollforward.line"].create(
            [
                {
                    "wizard_id": self.id,
                    "company_id": company_id,
                    "program_id": program_id,
                    **{column: row[column] for column in ("opening", *ROLLFORWARD_COLUMNS)},
                    "closing": row["closing"],
                    "redemption_rate": row["redemption_rate"],
                    "breakage_rate": row["breakage_rate"],
                }
                for (company_id, program_id), row in sorted(
                    figures.items(), key=lambda item: (item[0][0], item[0][1] or 0)
                )
            ]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Points Roll-Forward %(date_from)s - %(date_to)s",
                date_from=format_date(self.env, self.date_from),
                date_to=format_date(self.env, self.date_to),
            ),
            "res_model": "loyalty.points.rollforward.line",
            "view_mode": "list,pivot",
            "views": [(False, "list"), (False, "pivot")],
            "domain": [("wizard_id", "=", self.id)],
            "context": {
                "create": False,
                "edit": False,
                "delete": False,
                "loyalty_points_by_program": self.by_program,
                "loyalty_points_several_companies": len(self.company_ids) > 1,
            },
            "target": "current",
        }

    # ------------------------------------------------------------------
    # figures

    @api.model
    def _rollforward_kind_columns(self):
        """{entry kind: roll-forward column}. Hook: map a new kind here."""
        return dict(ROLLFORWARD_KIND_COLUMNS)

    @api.model
    def _period_bounds(self, date_from, date_to):
        """UTC datetimes [start, end) of the days ``date_from`` to ``date_to``
        (included) in the user's time zone: the journal is dated in UTC."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")

        def utc(day):
            local = tz.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(date_from), utc(date_to + timedelta(days=1))

    @api.model
    def _check_report_access(self, companies):
        """Only Point of Sale managers read the reports, of their companies."""
        if self.env.su:
            return
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(self.env._("Only Point of Sale managers can read loyalty reports."))
        if companies - self.env.user.company_ids:
            raise AccessError(self.env._("You cannot read the loyalty reports of this company."))

    @api.model
    def _get_figures(self, companies, date_from, date_to, by_program=False):
        """The points roll-forward of ``companies`` over the days ``date_from``
        to ``date_to`` (included).

        :return: {(company id, program id or False): {"opening", "issued",
            "redeemed", "expired", "adjusted", "reversed", "closing" (points),
            "value" (the company's value of a point), and the same keys with
            ``_value`` (points x value), "redemption_rate" and "breakage_rate"
            (% of the points issued in the period)}}. Every company gets its
            line.
            opening + movements == closing == the sum of the company's entries
            up to the end of the period (its accounts' balances then).
        """
        self._check_report_access(companies)
        if not companies:
            return {}
        start, end = self._period_bounds(date_from, date_to)
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model()
        self.env["loyalty.points.allocation"].flush_model()
        # Per program, a positive entry counts for its own program, a
        # negative one for the programs of the lots it consumed (its
        # allocations), the part no lot covered for no program: every entry
        # on its own program (negative: none), then the allocations move
        # their points from "no program" to the lot's program.
        program = SQL("CASE WHEN entry.points > 0 THEN entry.program_id END")
        self.env.cr.execute(
            SQL(
                """
                SELECT entry.company_id, %(program)s, entry.kind,
                       entry.date < %(start)s AS before, SUM(entry.points)
                  FROM loyalty_points_entry AS entry
                 WHERE entry.company_id = ANY(%(companies)s) AND entry.date < %(end)s
              GROUP BY 1, 2, 3, 4
                """,
                program=program if by_program else SQL("NULL::integer"),
                start=start,
                end=end,
                companies=companies.ids,
            )
        )
        moves = self.env.cr.fetchall()
        if by_program:
            self.env.cr.execute(
                SQL(
                    """
                    SELECT debit.company_id, lot.program_id, debit.kind,
                           debit.date < %(start)s AS before, SUM(alloc.points)
                      FROM loyalty_points_allocation AS alloc
                      JOIN loyalty_points_entry AS debit ON debit.id = alloc.debit_entry_id
                      JOIN loyalty_points_entry AS lot ON lot.id = alloc.credit_entry_id
                     WHERE debit.company_id = ANY(%(companies)s) AND debit.date < %(end)s
                       AND lot.program_id IS NOT NULL
                  GROUP BY 1, 2, 3, 4
                    """,
                    start=start,
                    end=end,
                    companies=companies.ids,
                )
            )
            for company_id, program_id, kind, before, points in self.env.cr.fetchall():
                moves.append((company_id, program_id, kind, before, -points))
                moves.append((company_id, None, kind, before, points))
        kind_columns = self._rollforward_kind_columns()
        rows = defaultdict(lambda: dict.fromkeys(("opening", *ROLLFORWARD_COLUMNS), 0.0))
        if not by_program:
            for company in companies:  # every company gets its line
                rows.setdefault((company.id, False), rows.default_factory())
        for company_id, program_id, kind, before, points in moves:
            column = "opening" if before else kind_columns.get(kind, "adjusted")
            rows[company_id, program_id or False][column] += float(points or 0.0)
        value_of = {company.id: company.loyalty_points_value for company in companies}
        figures = {}
        for key, row in rows.items():
            row = {column: round(points, 2) for column, points in row.items()}
            row["closing"] = round(row["opening"] + sum(row[c] for c in ROLLFORWARD_COLUMNS), 2)
            value = value_of[key[0]]
            row.update({f"{column}_value": points * value for column, points in list(row.items())})
            row["value"] = value
            row.update(self._rates(row))
            figures[key] = row
        return figures

    @api.model
    def _rates(self, row):
        """Redemption and breakage rates (%) of the points issued in the period."""
        issued = row["issued"]
        return {
            "redemption_rate": round(-row["redeemed"] / issued * 100.0, 2) if issued else 0.0,
            "breakage_rate": round(-row["expired"] / issued * 100.0, 2) if issued else 0.0,
        }

    @api.model
    def _get_movements(self, companies, start, end):
        """{company id: {column: points}} of the movements from ``start``
        (included) to ``end`` (excluded), UTC datetimes. Reads the entries of
        the range only (index on ``date``): cheap enough for the digest."""
        self._check_report_access(companies)
        kind_columns = self._rollforward_kind_columns()
        movements = {company.id: dict.fromkeys(ROLLFORWARD_COLUMNS, 0.0) for company in companies}
        groups = (
            self.env["loyalty.points.entry"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "in", companies.ids),
                    ("date", ">=", start),
                    ("date", "<", end),
                ],
                ["company_id", "kind"],
                ["points:sum"],
            )
        )
        for company, kind, points in groups:
            movements[company.id][kind_columns.get(kind, "adjusted")] += points
        return movements

    @api.model
    def _get_outstanding(self, companies, at):
        """{company id: points outstanding at ``at``} (a UTC datetime): the
        accounts' balances and pending points now, less what moved since ``at``."""
        self._check_report_access(companies)
        balances = {
            company: balance + pending
            for company, balance, pending in self.env["loyalty.points.account"]
            .sudo()
            ._read_group(
                [("company_id", "in", companies.ids)],
                ["company_id"],
                ["balance:sum", "pending_points:sum"],
            )
        }
        since = dict(
            self.env["loyalty.points.entry"]
            .sudo()
            ._read_group(
                [("company_id", "in", companies.ids), ("date", ">=", at)],
                ["company_id"],
                ["points:sum"],
            )
        )
        return {
            company.id: round(balances.get(company, 0.0) - since.get(company, 0.0), 2)
            for company in companies
        }
