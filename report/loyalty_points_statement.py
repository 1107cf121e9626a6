from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

# Open lots expiring within this many days are listed on the statement.
STATEMENT_EXPIRY_DAYS = 90


class ReportLoyaltyPointsStatement(models.AbstractModel):
    """The customer statement: balance, tier, the points expiring soon and
    the journal of a period between its opening and closing balances.

    The period comes from ``data`` (the statement wizard) or from the context
    keys ``loyalty_points_statement_date_from`` / ``_date_to`` (the mail
    composer); by default the current month and the two before it.

    Only POS managers render it, whatever renders it (the wizard, a mail
    template, a call over RPC): a customer's history is not for every user who
    can make a mail template.
    """

    _name = "report.loyalty_points.report_customer_statement"
    _description = "Loyalty Points Customer Statement"

    @api.model
    def _statement_period(self, data=None):
        data = data or {}
        context = self.env.context
        today = fields.Date.context_today(self)
        date_from = data.get("date_from") or context.get("loyalty_points_statement_date_from")
        date_to = data.get("date_to") or context.get("loyalty_points_statement_date_to")
        date_from = fields.Date.to_date(date_from) or today.replace(day=1) - relativedelta(months=2)
        date_to = fields.Date.to_date(date_to) or today
        if date_from > date_to:
            raise UserError(self.env._("The period of the statement must start before it ends."))
        return date_from, date_to

    @api.model
    def _check_statement_access(self):
        """:raises AccessError: the user (not the superuser mode: a template
        rendered with sudo() is still rendered for its user) is not a POS
        manager."""
        user = self.env.user
        if not (user._is_superuser() or user.has_group("point_of_sale.group_pos_manager")):
            raise AccessError(
                self.env._("Only Point of Sale managers can print or send loyalty statements.")
            )

    @api.model
    def _get_report_values(self, docids, data=None):
        self._check_statement_access()
        accounts = self.env["loyalty.points.account"].browse(docids)
        accounts.check_access("read")
        date_from, date_to = self._statement_period(data)
        start, end = self.env["loyalty.points.rollforward"]._period_bounds(date_from, date_to)
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT account_id, SUM(points) FROM loyalty_points_entry
                 WHERE account_id = ANY(%s) AND date < %s
              GROUP BY account_id
                """,
                accounts.ids,
                start,
            )
        )
        openings = {account_id: float(points) for account_id, points in self.env.cr.fetchall()}
        entries = Entry.search(
            [("account_id", "in", accounts.ids), ("date", ">=", start), ("date", "<", end)],
            order="date, id",
        )
        entries_of = entries.grouped("account_id")
        # an expiry is one entry per account and run: the lots it closed
        # show with their expiry dates
        expired_after = defaultdict(set)
        for allocation in entries.filtered(lambda e: e.kind == "expire").debit_allocation_ids:
            if allocation.credit_expiry_date:
                expired_after[allocation.debit_entry_id.id].add(allocation.credit_expiry_date)
        today = fields.Date.context_today(self)
        expiring = self.env["loyalty.points.entry"]._read_group(
            [
                ("account_id", "in", accounts.ids),
                ("remaining", ">", 0),
                ("expiry_date", "!=", False),
                ("expiry_date", "<=", today + relativedelta(days=STATEMENT_EXPIRY_DAYS)),
            ],
            ["account_id", "expiry_date:day"],
            ["remaining:sum"],
            order="expiry_date:day",
        )
        statements = {}
        for account in accounts:
            opening = openings.get(account.id, 0.0)
            running = opening
            lines = []
            for entry in entries_of.get(account, Entry):
                running = round(running + entry.points, 2)
                lines.append(
                    {
                        "entry": entry,
                        "balance": running,
                        "expired_after": sorted(expired_after.get(entry.id, ())),
                    }
                )
            statements[account.id] = {
                "opening": opening,
                "lines": lines,
                "closing": running,
                "expiring": [
                    {"date": day, "points": points}
                    for lot_account, day, points in expiring
                    if lot_account == account
                ],
            }
        return {
            "doc_ids": accounts.ids,
            "doc_model": "loyalty.points.account",
            "docs": accounts,
            "statements": statements,
            "date_from": date_from,
            "date_to": date_to,
            "expiry_days": STATEMENT_EXPIRY_DAYS,
        }
