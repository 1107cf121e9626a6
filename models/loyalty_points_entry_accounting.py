from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

# Journal entries of the points liability, by origin (account.move.loyalty_points_posting).
POSTINGS = [
    ("posting", "Points movements"),
    ("opening", "Opening"),
    ("revaluation", "Revaluation"),
]


class LoyaltyPointsEntry(models.Model):
    """Posting the points journal to accounting (points liability accounting).

    Each entry is posted once: the job ``_cron_post_liability`` records on it
    the journal entry (``move_id``) that booked its value, in the same
    transaction as that journal entry, through a controlled SQL update (the
    points journal is immutable for everyone). Points paid at the till are not
    posted by the job: the session closing settles them against the liability
    (the points payment method's outstanding account) and records its move.
    """

    _inherit = "loyalty.points.entry"

    # ------------------------------------------------------------------
    # hooks

    @api.model
    def _loyalty_points_kind_roles(self):
        """The account that faces the liability, per entry kind: ``issue`` or
        ``breakage``. Positive points credit the liability, negative points
        debit it. A reversal takes the role of the entry it reverses.
        Hook: one line per new kind."""
        return {
            "earn": "issue",
            "bonus": "issue",
            "adjust": "issue",
            "redeem": "issue",
            "expire": "breakage",
            "reversal": "issue",
        }

    @api.model
    def _loyalty_points_role_accounts(self, company):
        return {
            "liability": company.loyalty_points_liability_account_id,
            "issue": company.loyalty_points_issue_account_id,
            "breakage": company.loyalty_points_breakage_account_id,
        }

    @api.model
    def _loyalty_points_pos_settled_sql(self, entry, reversed_entry):
        """SQL condition: the entry is a points payment (or its refund) that the
        POS session closing settles, not the job. Rewards (``reward_id``) have
        no payment: the job posts them, as redemptions."""
        return SQL(
            "(%(entry)s.pos_order_id IS NOT NULL AND %(entry)s.reward_id IS NULL AND "
            "(%(entry)s.kind = 'redeem' OR "
            "(%(entry)s.kind = 'reversal' AND %(reversed)s.kind = 'redeem')))",
            entry=SQL.identifier(entry),
            reversed=SQL.identifier(reversed_entry),
        )

    # ------------------------------------------------------------------
    # the job

    @api.model
    def _cron_post_liability(self, batch_size=5000, today=None):
        """Post the points movements of complete periods, about ``batch_size``
        entries a run, as journal entries (one per company and period).

        Entries and their journal entries are written in one transaction; the
        cron framework commits between batches and runs the job again while
        work remains. A killed run rolls back whole batches; a re-run only
        finds entries without ``move_id``: nothing is posted twice.

        :return: the number of entries left to post
        """
        today = today or fields.Date.context_today(self)
        done = self._post_liability_moves(batch_size, today)
        left = self._loyalty_points_unposted_count(today)
        self.env["ir.cron"]._notify_progress(done=done, remaining=left)
        return left

    @api.model
    def _loyalty_points_unposted_sql(self, today, columns, where=None, tail=None):
        """Entries the job posts: companies with the option on, no move yet,
        not settled by the POS, in a period (day or month, ``period`` in SQL)
        complete before ``today``."""
        return SQL(
            """
            SELECT %(columns)s
              FROM loyalty_points_entry AS entry
              JOIN res_company AS company
                ON company.id = entry.company_id
               AND company.loyalty_points_liability_accounting
              LEFT JOIN loyalty_points_entry AS reversed ON reversed.id = entry.reversed_entry_id
             CROSS JOIN LATERAL (
                SELECT CASE WHEN company.loyalty_points_accounting_period = 'month'
                            THEN 'month' ELSE 'day' END AS unit
             ) AS period_unit
             CROSS JOIN LATERAL (
                SELECT date_trunc(period_unit.unit, entry.date) AS start
             ) AS period
             WHERE entry.move_id IS NULL
               AND period.start + ('1 ' || period_unit.unit)::interval <= %(today)s
               AND NOT %(pos_settled)s
               AND %(where)s
             %(tail)s
            """,
            columns=columns,
            today=fields.Datetime.to_datetime(today),
            pos_settled=self._loyalty_points_pos_settled_sql("entry", "reversed"),
            where=where or SQL("TRUE"),
            tail=tail or SQL(),
        )

    @api.model
    def _loyalty_points_unposted_count(self, today):
        self.flush_model()
        return self.env.execute_query(self._loyalty_points_unposted_sql(today, SQL("COUNT(*)")))[0][
            0
        ]

    @api.model
    def _post_liability_moves(self, batch_size, today):
        """Post the unposted entries of whole periods (company, day or month),
        the first periods adding up to about ``batch_size`` entries (at least
        one period); return how many entries were posted."""
        self.flush_model()
        self.env["res.company"].flush_model()
        periods = self.env.execute_query(
            self._loyalty_points_unposted_sql(
                today,
                SQL("entry.company_id, period.start, COUNT(*)"),
                tail=SQL("GROUP BY 1, 2 ORDER BY 1, 2"),
            )
        )
        if not periods:
            return 0
        total = 0
        for company_id, start, count in periods:
            last = (company_id, start)
            total += count
            if total >= batch_size:
                break
        rows = self.env.execute_query(
            self._loyalty_points_unposted_sql(
                today,
                SQL(
                    "entry.id, entry.company_id, period.start, entry.kind, reversed.kind, "
                    "entry.points"
                ),
                where=SQL("(entry.company_id, period.start) <= (%s, %s)", *last),
                tail=SQL("ORDER BY entry.id FOR NO KEY UPDATE OF entry SKIP LOCKED"),
            )
        )
        roles = self._loyalty_points_kind_roles()
        companies = self.env["res.company"].sudo().browse({row[1] for row in rows})
        first_dates = {
            company.id: company._loyalty_points_first_open_date() for company in companies
        }
        # {(company id, move date): {"ids": [...], "amounts": {(role, increase): amount}}}
        groups = defaultdict(lambda: {"ids": [], "amounts": defaultdict(float)})
        for entry_id, company_id, start, kind, reversed_kind, points in rows:
            company = companies.browse(company_id)
            day = max(company._loyalty_points_period_end(start.date()), first_dates[company_id])
            role = roles.get(reversed_kind if kind == "reversal" and reversed_kind else kind)
            amount = company.currency_id.round(points * company.loyalty_points_value)
            group = groups[company_id, day]
            group["ids"].append(entry_id)
            group["amounts"][role or "issue", amount > 0] += amount
        for (company_id, day), group in sorted(groups.items()):
            company = companies.browse(company_id)
            label = self.env._("Loyalty points movements")
            lines = self._loyalty_points_move_lines(company, group["amounts"], label)
            move = self._loyalty_points_create_move(company, day, lines, label, "posting")
            self._set_move(group["ids"], move)
        return len(rows)

    def _set_move(self, entry_ids, move):
        """Record ``move`` on the entries it posted (ids), bypassing write():
        with ``remaining``, the only change a posted entry ever gets."""
        self.env.execute_query(
            SQL(
                "UPDATE loyalty_points_entry SET move_id = %(move)s"
                " WHERE id = ANY(%(ids)s) AND move_id IS NULL",
                move=move.id,
                ids=list(entry_ids),
            )
        )
        self.browse(entry_ids).invalidate_recordset(["move_id"])

    @api.model
    def _loyalty_points_move_lines(self, company, amounts, label):
        """Journal items for signed amounts: ``{role or (role, increase): amount}``;
        a positive amount raises the liability (debit the role's account,
        credit the liability), a negative one releases it. Aggregated per
        account and direction."""
        accounts = self._loyalty_points_role_accounts(company)
        totals = defaultdict(float)  # {(account, debit?): amount}
        for key, amount in amounts.items():
            role = key[0] if isinstance(key, tuple) else key
            amount = company.currency_id.round(amount)
            if company.currency_id.is_zero(amount):
                continue
            raise_liability = amount > 0
            totals[accounts[role], raise_liability] += abs(amount)
            totals[accounts["liability"], not raise_liability] += abs(amount)
        lines = [
            {
                "name": label,
                "account_id": account.id,
                "debit": company.currency_id.round(total) if is_debit else 0.0,
                "credit": 0.0 if is_debit else company.currency_id.round(total),
            }
            for (account, is_debit), total in totals.items()
        ]
        # a move needs a line; a period whose movements cancel out gets an empty one
        return lines or [{"name": label, "account_id": accounts["liability"].id}]

    @api.model
    def _loyalty_points_create_move(self, company, day, lines, label, posting):
        move = (
            self.env["account.move"]
            .sudo()
            .with_company(company)
            .create(
                {
                    "move_type": "entry",
                    "journal_id": company.loyalty_points_accounting_journal_id.id,
                    "company_id": company.id,
                    "date": day,
                    "ref": label,
                    "loyalty_points_posting": posting,
                    "line_ids": [fields.Command.create(vals) for vals in lines],
                }
            )
        )
        move.action_post()
        return move
