import logging

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import birthday_in, birthdays_due

_logger = logging.getLogger(__name__)

SMS_TEMPLATE_BIRTHDAY = "loyalty_points.sms_template_birthday"
# A run this many days late still gives the birthday bonus of those days.
BIRTHDAY_LATE_DAYS = 7
# A birthday entered or changed fewer days than this before it falls pays no
# bonus that year (a cashier cannot type today's date to get one at once).
BIRTHDAY_NOTICE_DAYS = 30


class LoyaltyPointsAccount(models.Model):
    """Bonuses of loyalty accounts: welcome and referral bonuses on a
    customer's first paid sale, taken back by the refunds that undo it, and the
    birthday bonus. Each says what it is owed; the ledger builds the entries
    (``loyalty.points.entry._prepare_bonus_vals``)."""

    _inherit = "loyalty.points.account"

    # ------------------------------------------------------------------
    # welcome and referral bonuses

    def _sale_bonus_vals(self, source, partner, day, sale_amount, available_date):
        """The bonuses ``source``, a paid sale of ``sale_amount`` (company
        currency) to ``partner`` on ``day``, gives when it is the customer's
        first paid sale in the company: the welcome bonus, and the referral
        bonuses (to the referrer and to the new customer) when it reaches the
        company's minimum amount. Once each, whatever happens later (keys
        ``welcome:<account>``, ``referral:<account>:referrer|new``). They are
        spendable from ``available_date``, like the sale: a refund within its
        return window takes them back. No query when the company gives no
        bonus the sale could get.

        :return: the entries' values (this account's, and the referrer's)
        """
        self.ensure_one()
        company = self.company_id
        if sale_amount <= 0:
            return []
        customer = partner.commercial_partner_id.sudo()
        referrer = customer.loyalty_points_referrer_id.commercial_partner_id
        referral = referrer and company._loyalty_points_referral_reached(sale_amount)
        excluded = customer.loyalty_points_excluded
        candidates = []  # (account or None: the referrer's, bonus type, points, key parts, note)
        if company.loyalty_points_welcome_points > 0 and not excluded:
            candidates.append(
                (
                    self,
                    "welcome",
                    company.loyalty_points_welcome_points,
                    (self.id,),
                    self.env._("Welcome bonus"),
                )
            )
        if referral and company.loyalty_points_referral_new_points > 0 and not excluded:
            candidates.append(
                (
                    self,
                    "referral",
                    company.loyalty_points_referral_new_points,
                    (self.id, "new"),
                    self.env._("Referred by %(referrer)s", referrer=referrer.display_name),
                )
            )
        if (
            referral
            and company.loyalty_points_referral_points > 0
            and not referrer.loyalty_points_excluded
        ):
            candidates.append(
                (
                    None,
                    "referral",
                    company.loyalty_points_referral_points,
                    (self.id, "referrer"),
                    self.env._("Referral of %(customer)s", customer=customer.display_name),
                )
            )
        if not candidates:
            return []
        Entry = self.env["loyalty.points.entry"]
        keys = [Entry._key(bonus_type, *parts) for _a, bonus_type, _p, parts, _n in candidates]
        booked = self._first_sale_booked_keys(source, keys)
        if booked is None:
            return []
        vals_list = []
        for account, bonus_type, points, parts, note in candidates:
            if Entry._key(bonus_type, *parts) in booked:
                continue
            vals_list += Entry._prepare_bonus_vals(
                account or self._get_or_create(referrer, company),
                bonus_type,
                points,
                parts,
                day,
                note,
                available_date=available_date,
                source=source,
            )
        return vals_list

    def _first_sale_booked_keys(self, source, keys):
        """The keys of ``keys`` already booked, or None if ``source`` is not
        the first paid sale of this account's customer in its company (any
        other paid sale of the customer or its contacts counts, booked by the
        loyalty or not: see :meth:`_earlier_sale_sql`). One query."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model(["idempotency_key"])
        self.env.cr.execute(
            SQL(
                """
                SELECT %(earlier)s,
                       ARRAY(SELECT idempotency_key FROM loyalty_points_entry
                              WHERE idempotency_key = ANY(%(keys)s))
                """,
                earlier=self._earlier_sale_sql(source),
                keys=keys,
            )
        )
        earlier, booked = self.env.cr.fetchone()
        return None if earlier else set(booked)

    def _earlier_sale_sql(self, source):
        """SQL: whether this account's customer had a paid sale in its company
        other than ``source``: a paid POS order, or a paid customer invoice when
        the company's invoices earn. Hook: a channel that sells adds its
        documents."""
        self.env["pos.order"].flush_model(["partner_id", "company_id", "state", "amount_total"])
        pos_sale = SQL(
            """
            EXISTS(SELECT 1 FROM pos_order AS o
                     JOIN res_partner AS p ON p.id = o.partner_id
                    WHERE p.commercial_partner_id = %(partner)s
                      AND o.company_id = %(company)s
                      AND o.id <> %(order)s
                      AND o.state IN ('paid', 'done', 'invoiced')
                      AND o.amount_total > 0)
            """,
            partner=self.partner_id.id,
            company=self.company_id.id,
            order=source.id if source._name == "pos.order" else 0,
        )
        if not self.company_id.loyalty_points_invoice_earning:
            return pos_sale
        self.env["account.move"].flush_model(
            ["commercial_partner_id", "company_id", "move_type", "state", "payment_state"]
        )
        return SQL(
            """
            (%(pos_sale)s
             OR EXISTS(SELECT 1 FROM account_move AS m
                        WHERE m.commercial_partner_id = %(partner)s
                          AND m.company_id = %(company)s
                          AND m.id <> %(invoice)s
                          AND m.move_type IN ('out_invoice', 'out_receipt')
                          AND m.state = 'posted'
                          AND m.payment_state IN ('in_payment', 'paid')
                          AND m.amount_total > 0))
            """,
            pos_sale=pos_sale,
            partner=self.partner_id.id,
            company=self.company_id.id,
            invoice=source.id if source._name == "account.move" else 0,
        )

    @api.model
    def _bonus_takeback_vals(self, source, company, sales):
        """Take back the bonuses of ``sales`` that refunds undid, for the
        refund ``source``: all of a sale's bonuses (welcome, referral) once it
        is fully refunded; its referral bonuses, for the referrer too, once
        what is left of it falls below the company's referral minimum. What is
        left of each bonus to reverse (key ``unbonus:<source>:<bonus>``).

        :param sales: {sale (a document of the ledger's SOURCES): (fully
            refunded, amount left in the company currency)}
        """
        Entry = self.env["loyalty.points.entry"]
        if not sales:
            return []
        field = Entry._source_vals(next(iter(sales)))
        bonuses = Entry.search(
            [
                (next(iter(field)), "in", [sale.id for sale in sales]),
                ("kind", "=", "bonus"),
                ("company_id", "=", company.id),
            ],
            order="id",
        )
        vals_list = []
        for sale, (fully_refunded, amount_left) in sales.items():
            entries = bonuses.filtered(lambda e, s=sale: e[next(iter(field))] == s)
            if not fully_refunded:
                if company._loyalty_points_referral_reached(amount_left):
                    continue
                entries = entries.filtered(lambda e: e.bonus_type == "referral")
            for entry, points in entries._reversible_points().items():
                if points > 0:
                    vals_list += entry._prepare_reversal_vals(
                        points,
                        source,
                        event="unbonus",
                        note=self.env._(
                            "Bonus taken back, %(sale)s refunded", sale=sale.display_name
                        ),
                    )
        return vals_list

    # ------------------------------------------------------------------
    # the birthday bonus

    def _birthday_due_query(self, today):
        """SQL of (account id, year) whose birthday bonus is due on ``today``:
        the customer's birthday fell within the last ``BIRTHDAY_LATE_DAYS``
        days, was entered at least ``BIRTHDAY_NOTICE_DAYS`` days before it
        fell, the company gives a birthday bonus, the customer is not excluded
        and did not get this year's bonus (its key ``birthday:<account>:<year>``)."""
        due = birthdays_due(today, BIRTHDAY_LATE_DAYS)
        celebrated = [
            birthday_in(year, fields.Date.to_date(f"2000-{month:02d}-{day:02d}"))
            for month, day, year in due
        ]
        Entry = self.env["loyalty.points.entry"]
        return SQL(
            """
            SELECT account.id, due.year
              FROM loyalty_points_account AS account
              JOIN res_company AS company ON company.id = account.company_id
              JOIN res_partner AS partner ON partner.id = account.partner_id
              JOIN (SELECT unnest(%(months)s::int[]) AS month, unnest(%(days)s::int[]) AS day,
                           unnest(%(years)s::int[]) AS year,
                           unnest(%(celebrated)s::date[]) AS celebrated) AS due
                ON EXTRACT(MONTH FROM partner.loyalty_points_birthday) = due.month
               AND EXTRACT(DAY FROM partner.loyalty_points_birthday) = due.day
             WHERE company.loyalty_points_birthday_points > 0
               AND partner.active
               AND NOT COALESCE(partner.loyalty_points_excluded, FALSE)
               AND (partner.loyalty_points_birthday_entered IS NULL
                    OR partner.loyalty_points_birthday_entered
                       <= due.celebrated - %(notice)s::int)
               AND NOT EXISTS (
                       SELECT 1 FROM loyalty_points_entry AS entry
                        WHERE entry.idempotency_key = %(key)s)
            """,
            months=[month for month, _day, _year in due],
            days=[day for _month, day, _year in due],
            years=[year for _month, _day, year in due],
            celebrated=celebrated,
            notice=BIRTHDAY_NOTICE_DAYS,
            key=Entry._key_sql("birthday", SQL("account.id"), SQL("due.year")),
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
        Entry = self.env["loyalty.points.entry"]
        entries = Entry._post(
            [
                vals
                for account, (_account_id, year) in zip(accounts, rows, strict=True)
                for vals in Entry._prepare_bonus_vals(
                    account,
                    "birthday",
                    account.company_id.loyalty_points_birthday_points,
                    (account.id, year),
                    today,
                    self.env._("Birthday bonus %(year)s", year=year),
                )
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
