import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import birthdays_due

_logger = logging.getLogger(__name__)

SMS_TEMPLATE_BIRTHDAY = "loyalty_points.sms_template_birthday"
# A run this many days late still gives the birthday bonus of those days.
BIRTHDAY_LATE_DAYS = 7


class LoyaltyPointsAccount(models.Model):
    """The birthday bonus of loyalty accounts."""

    _inherit = "loyalty.points.account"

    def _birthday_due_query(self, today):
        """SQL of (account id, year) whose birthday bonus is due on ``today``:
        the customer's birthday fell within the last ``BIRTHDAY_LATE_DAYS``
        days, the company gives a birthday bonus, the customer is not excluded
        and did not get this year's bonus (its key ``birthday:<account>:<year>``)."""
        due = birthdays_due(today, BIRTHDAY_LATE_DAYS)
        return SQL(
            """
            SELECT account.id, due.year
              FROM loyalty_points_account AS account
              JOIN res_company AS company ON company.id = account.company_id
              JOIN res_partner AS partner ON partner.id = account.partner_id
              JOIN (SELECT unnest(%(months)s::int[]) AS month, unnest(%(days)s::int[]) AS day,
                           unnest(%(years)s::int[]) AS year) AS due
                ON EXTRACT(MONTH FROM partner.loyalty_points_birthday) = due.month
               AND EXTRACT(DAY FROM partner.loyalty_points_birthday) = due.day
             WHERE company.loyalty_points_birthday_points > 0
               AND partner.active
               AND NOT COALESCE(partner.loyalty_points_excluded, FALSE)
               AND NOT EXISTS (
                       SELECT 1 FROM loyalty_points_entry AS entry
                        WHERE entry.idempotency_key = 'birthday:' || account.id || ':' || due.year)
            """,
            months=[month for month, _day, _year in due],
            days=[day for _month, day, _year in due],
            years=[year for _month, _day, year in due],
        )

    @api.model
    def _cron_birthday_bonus(self, batch_size=1000):
        """Daily: the birthday bonus of the customers whose birthday it is (or
        was, within ``BIRTHDAY_LATE_DAYS`` days: a late run still gives it),
        once a year (29 February: on 28 February in non-leap years), with the
        birthday SMS when the company sends it. ``batch_size`` accounts a run;
        the cron framework commits between runs, a re-run gives nothing twice.

        :return: the number of accounts left
        """
        today = fields.Date.context_today(self)
        self.env.flush_all()
        due = self._birthday_due_query(today)
        self.env.cr.execute(SQL("%s ORDER BY account.id LIMIT %s", due, batch_size))
        rows = self.env.cr.fetchall()
        accounts = self.browse(account_id for account_id, _year in rows).sudo()
        Entry = self.env["loyalty.points.entry"].sudo()
        entries = Entry.create(
            [
                {
                    "account_id": account.id,
                    "kind": "bonus",
                    "bonus_type": "birthday",
                    "points": account.company_id.loyalty_points_birthday_points,
                    "expiry_date": account.company_id._loyalty_points_default_expiry(today),
                    "note": self.env._("Birthday bonus %(year)s", year=year),
                    "idempotency_key": Entry._idempotency_key("birthday", account.id, year),
                }
                for account, (_account_id, year) in zip(accounts, rows, strict=True)
            ]
        )
        texted = accounts.filtered("company_id.loyalty_points_sms_birthday")
        texted._loyalty_points_sms_queue_safely(
            SMS_TEMPLATE_BIRTHDAY,
            {
                account: {"points": account.company_id.loyalty_points_birthday_points}
                for account in texted
            },
        )
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM (%s) AS due", due))
        left = self.env.cr.fetchone()[0]
        if entries:
            _logger.info("Loyalty points: %s birthday bonuses, %s left", len(entries), left)
        self.env["ir.cron"]._notify_progress(done=len(entries), remaining=left)
        return left
