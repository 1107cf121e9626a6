import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools.revenue import allocated_to_points, standalone_price

_logger = logging.getLogger(__name__)

# Journal entries of the points liability, by origin (account.move.loyalty_points_posting).
POSTINGS = [
    ("posting", "Points movements"),
    ("opening", "Opening"),
    ("revaluation", "Revaluation"),
    ("release", "Revenue released"),
    ("remeasurement", "Re-measurement"),
]


class LoyaltyPointsEntry(models.Model):
    """Posting the points journal to accounting (points liability accounting).

    Each entry is posted once: the job ``_cron_post_liability`` records on it
    the journal entry (``move_id``) that booked its value, in the same
    transaction as that journal entry, through a controlled SQL update (the
    points journal is immutable for everyone). Points paid at the till are not
    posted by the job: the session closing settles them against the liability
    (the points payment method's outstanding account) and records its move.

    Under the deferred revenue method (IFRS 15), the job posts the points
    issued at the part of their sale's price allocated to them (points without
    a sale: at their stand-alone selling price, as a marketing expense), makes
    one pool of them per journal entry (``loyalty.points.revenue.pool``), and
    releases the pools as their points are redeemed or expire.
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
            "deferral": company.loyalty_points_deferral_account_id,
            "revenue_adjustment": company.loyalty_points_revenue_adjustment_account_id,
        }

    def _loyalty_points_source(self):
        """The sale document this entry's points were earned on, or None: the
        document that asked the ledger for it (``_source``: any document of
        the ledger's ``SOURCES``)."""
        self.ensure_one()
        return self._source()

    def _loyalty_points_sale_prices(self):
        """{sale document: price} for the sources of these entries: the untaxed
        amount the customer paid for the sale by other means than points, in
        the company currency, as the document's booking valued it (its
        ``_loyalty_points_sale_price``: a POS order, an invoice). The deferred
        revenue method allocates it between the goods and the points. Hook:
        another channel adds its documents::

            def _loyalty_points_sale_prices(self):
                prices = super()._loyalty_points_sale_prices()
                for document in self.my_document_id:
                    prices[document] = ...  # untaxed, less what points paid
                return prices
        """
        sources = {entry._loyalty_points_source() for entry in self.sudo()}
        return {
            source: source._loyalty_points_sale_price()
            for source in sources
            if source is not None and hasattr(source, "_loyalty_points_sale_price")
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
        finds entries without ``move_id``: nothing is posted twice. Once no
        entry is left, the deferred revenue pools are released
        (``_post_revenue_release``).

        :return: the number of entries left to post
        """
        today = today or fields.Date.context_today(self)
        done = self._post_liability_moves(batch_size, today)
        left = self._loyalty_points_unposted_count(today)
        if not left:
            self._post_revenue_release(today)
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
            group = groups[company_id, day]
            group["ids"].append(entry_id)
            if company.loyalty_points_accounting_method == "deferred_revenue":
                continue  # valued per sale below
            role = roles.get(reversed_kind if kind == "reversal" and reversed_kind else kind)
            amount = company.currency_id.round(points * company.loyalty_points_value)
            group["amounts"][role or "issue", amount > 0] += amount
        for (company_id, day), group in sorted(groups.items()):
            company = companies.browse(company_id)
            deferred = {}
            if company.loyalty_points_accounting_method == "deferred_revenue":
                entries = self.sudo().browse(group["ids"])
                deferred = entries._loyalty_points_deferred_amounts(company)
                group["amounts"] = entries._loyalty_points_deferred_roles(deferred)
            label = self.env._("Loyalty points movements")
            lines = self._loyalty_points_move_lines(company, group["amounts"], label)
            move = self._loyalty_points_create_move(company, day, lines, label, "posting")
            self._set_move(group["ids"], move)
            if deferred:
                self._loyalty_points_open_pool(company, move, deferred)
        return len(rows)

    # ------------------------------------------------------------------
    # deferred revenue (IFRS 15)

    def _loyalty_points_is_giveback(self):
        """A lot that gives back the points of a debit (a refunded points
        payment): it belongs to the pools of the lots that debit took."""
        self.ensure_one()
        return self.points > 0 and self.kind == "reversal" and self.reversed_entry_id.points < 0

    def _loyalty_points_deferred_amounts(self, company):
        """{entry id: amount} the liability takes for these entries (a period's
        batch) under the deferred revenue method.

        Points earned on a sale: price x SSP / (price + SSP) per sale document
        (``_loyalty_points_sale_prices``), shared among its lots by points.
        Other points issued (bonuses, adjustments, earned without a sale): at
        their stand-alone selling price. A refund's reversal of issued points
        takes back their share of what their lot took. Debits (redemptions,
        expiries) take nothing here: the pools release them
        (``_post_revenue_release``).
        """
        value = company.loyalty_points_value
        rate = company.loyalty_points_expected_redemption / 100.0
        lots = self.filtered(lambda e: e.points > 0 and not e._loyalty_points_is_giveback())
        earned = lots.filtered(lambda e: e.kind == "earn" and e._loyalty_points_source())
        prices = earned._loyalty_points_sale_prices()
        amounts = {}
        for source, source_lots in earned.grouped(lambda e: e._loyalty_points_source()).items():
            points = sum(source_lots.mapped("points"))
            allocated = allocated_to_points(prices.get(source, 0.0), points, value, rate)
            for lot in source_lots:
                amounts[lot.id] = allocated * lot.points / points
        for lot in lots - earned:
            amounts[lot.id] = standalone_price(lot.points, value, rate)
        reversals = self.filtered(lambda e: e.points < 0 and e.reversed_entry_id.points > 0)
        issued = (
            self.env["loyalty.points.revenue.pool"]
            .sudo()
            .search(
                [("move_id", "in", reversals.reversed_entry_id.move_id.ids), ("kind", "=", "issue")]
            )
            .move_id
        )
        for entry in reversals:
            lot = entry.reversed_entry_id
            if lot.move_id in issued:
                amounts[entry.id] = (lot.deferred_amount or 0.0) * entry.points / lot.points
            else:  # points of an opening pool: at their stand-alone selling price
                amounts[entry.id] = standalone_price(entry.points, value, rate)
        return amounts

    def _loyalty_points_deferred_roles(self, amounts):
        """The journal amounts ``{(role, increase): amount}`` of ``amounts``
        ({entry id: amount}): points earned on a sale defer revenue (the
        deferral account), other points are a marketing expense (the issue
        account); a reversal goes back where its lot went."""
        totals = defaultdict(float)
        for entry in self.filtered(lambda e: e.id in amounts):
            lot = entry.reversed_entry_id if entry.points < 0 else entry
            sale = lot.kind == "earn" and lot._loyalty_points_source()
            totals["deferral" if sale else "issue", amounts[entry.id] > 0] += amounts[entry.id]
        return totals

    @api.model
    def _loyalty_points_open_pool(self, company, move, amounts):
        """Record the deferred amounts of the entries ``move`` posted and make
        the pool of the points it issued."""
        self._set_deferred_amounts(amounts)
        lots = self.sudo().browse(amounts).filtered(lambda e: e.points > 0)
        if not lots:
            return self.env["loyalty.points.revenue.pool"]
        currency = company.currency_id
        deferred = sum(
            currency.round(total)
            for (_role, increase), total in lots._loyalty_points_deferred_roles(amounts).items()
            if increase
        )
        return (
            self.env["loyalty.points.revenue.pool"]
            .sudo()
            .create(
                {
                    "company_id": company.id,
                    "kind": "issue",
                    "date": move.date,
                    "move_id": move.id,
                    "issued_points": sum(lots.mapped("points")),
                    "point_value": company.loyalty_points_value,
                    "issue_redemption": company.loyalty_points_expected_redemption,
                    "expected_redemption": company.loyalty_points_expected_redemption,
                    "deferred_amount": deferred,
                    "liability_amount": deferred,
                }
            )
        )

    def _set_deferred_amounts(self, amounts):
        """Record ``amounts`` ({entry id: amount}) on the entries the job just
        posted, bypassing write(), as ``_set_move`` does."""
        if not amounts:
            return
        self.env.execute_query(
            SQL(
                """
                UPDATE loyalty_points_entry AS entry SET deferred_amount = amount.value
                  FROM (SELECT unnest(%(ids)s) AS id,
                               unnest(%(values)s::float8[]) AS value) AS amount
                 WHERE entry.id = amount.id
                """,
                ids=list(amounts),
                values=list(amounts.values()),
            )
        )
        self.browse(amounts).invalidate_recordset(["deferred_amount"])

    @api.model
    def _post_revenue_release(self, today):
        """Release the deferred revenue of the pools (deferred revenue method):
        per company, one journal entry that brings the liability to what its
        pools call for now (``loyalty.points.revenue.pool._loyalty_points_figures``).

        The session closings debited the liability with the face value of the
        points paid; the difference to the revenue released goes to the revenue
        adjustment account, as does the catch-up of a changed estimate; the
        release that expiries bring goes to breakage. Cumulative: a re-run
        finds nothing to post.
        """
        companies = (
            self.env["res.company"]
            .sudo()
            .search(
                [
                    ("loyalty_points_liability_accounting", "=", True),
                    ("loyalty_points_accounting_method", "=", "deferred_revenue"),
                ]
            )
        )
        Pool = self.env["loyalty.points.revenue.pool"]
        moves = self.env["account.move"]
        for company in companies:
            figures = Pool._loyalty_points_figures(company)
            if not figures:
                continue
            currency = company.currency_id
            liability = currency.round(sum(figure["liability"] for figure in figures.values()))
            released = currency.round(sum(figure["released"] for figure in figures.values()))
            deferred = currency.round(sum(figure["deferred"] for figure in figures.values()))
            breakage = currency.round(sum(figure["breakage"] for figure in figures.values()))
            catch_up = currency.round(liability - company._loyalty_points_liability_book())
            before = currency.round(sum(pool.released_amount for pool in figures))
            _logger.info(
                "Loyalty points deferred revenue of %s: deferred %.2f, released %.2f "
                "(%+.2f), liability %.2f at %s %% expected redemption",
                company.name,
                deferred,
                released,
                released - before,
                liability,
                company.loyalty_points_expected_redemption,
            )
            if not currency.is_zero(catch_up) or not currency.is_zero(breakage):
                label = self.env._(
                    "Loyalty points revenue released: %(released)s in all, liability "
                    "%(liability)s",
                    released=currency.format(released),
                    liability=currency.format(liability),
                )
                lines = self._loyalty_points_move_lines(
                    company,
                    {"breakage": -breakage, "revenue_adjustment": catch_up + breakage},
                    label,
                )
                day = max(
                    min(today, fields.Date.context_today(self)),
                    company._loyalty_points_first_open_date(),
                )
                moves |= self._loyalty_points_create_move(company, day, lines, label, "release")
            Pool._loyalty_points_store_figures(figures, company.loyalty_points_expected_redemption)
        return moves

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
