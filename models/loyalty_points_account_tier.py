from odoo import api, fields, models
from odoo.tools import SQL, format_amount

from ..tools import ledger_context


class LoyaltyPointsAccount(models.Model):
    """Tiers and turnover of loyalty accounts."""

    _inherit = "loyalty.points.account"

    def _window_totals(self):
        """{account id: (turnover, visits)} over the company's tier window (0
        months: the whole history), from the POS orders and the paid customer
        invoices booked to the account as the server valued them in the
        company currency (``loyalty_points_amount``, on their loyalty date):
        the turnover is their sum, refunds and credit notes taken off; the
        visits count the sales that added to it. Opening figures imported from
        another system (``loyalty.points.opening``) add theirs. Two queries per
        company."""
        sale_fields = [
            "loyalty_points_account_id",
            "loyalty_points_amount",
            "loyalty_points_date",
            "loyalty_points_refunded",
        ]
        self.env["pos.order"].flush_model(sale_fields)
        self.env["account.move"].flush_model(sale_fields)
        totals = dict.fromkeys(self.ids, (0.0, 0))
        today = fields.Date.context_today(self)
        for company, accounts in self.grouped("company_id").items():
            months = company.loyalty_points_tier_months
            since = fields.Date.subtract(today, months=months) if months else None
            self.env.cr.execute(
                SQL(
                    """
                    SELECT sale.loyalty_points_account_id,
                           COALESCE(SUM(sale.loyalty_points_amount), 0),
                           COUNT(*) FILTER (WHERE sale.loyalty_points_amount > 0
                                              AND NOT COALESCE(sale.loyalty_points_refunded, FALSE))
                      FROM (SELECT loyalty_points_account_id, loyalty_points_amount,
                                   loyalty_points_date, loyalty_points_refunded
                              FROM pos_order
                             WHERE loyalty_points_account_id IN %(accounts)s
                         UNION ALL
                            SELECT loyalty_points_account_id, loyalty_points_amount,
                                   loyalty_points_date, loyalty_points_refunded
                              FROM account_move
                             WHERE loyalty_points_account_id IN %(accounts)s) AS sale
                     WHERE %(since)s::date IS NULL OR sale.loyalty_points_date >= %(since)s
                  GROUP BY sale.loyalty_points_account_id
                    """,
                    since=since,
                    accounts=tuple(accounts.ids),
                )
            )
            totals.update(
                (account_id, (float(turnover), visits))
                for account_id, turnover, visits in self.env.cr.fetchall()
            )
            # figures brought in by an import count from the import day
            openings = self.env["loyalty.points.opening"]._window_totals(accounts, since)
            for account_id, (turnover, visits) in openings.items():
                totals[account_id] = (
                    totals[account_id][0] + turnover,
                    totals[account_id][1] + visits,
                )
        return totals

    def _add_sale_to_tier(self, day, amount):
        """A sale (or a refund, negative) of ``amount`` on ``day`` was just
        booked to this account and is not written yet: add it to the
        turnover and the visits, and move the tier. Nothing when the sale is
        outside the tier window."""
        self.ensure_one()
        if not self._in_tier_window(day):
            return
        visits = None
        if self.env["loyalty.points.tier"]._tier_needs_visits(self.company_id):
            visits = self._compute_visits()
            visits[self.id] += int(amount > 0)
        self._update_tiers({self.id: self.turnover + amount}, visits)

    def _compute_turnovers(self):
        """{account id: turnover} (see :meth:`_window_totals`)."""
        return {account_id: total[0] for account_id, total in self._window_totals().items()}

    def _compute_visits(self):
        """{account id: visits} (see :meth:`_window_totals`)."""
        return {account_id: total[1] for account_id, total in self._window_totals().items()}

    def _in_tier_window(self, day):
        """Whether an order of ``day`` counts in this account's turnover today."""
        self.ensure_one()
        months = self.company_id.loyalty_points_tier_months
        today = fields.Date.context_today(self)
        return not months or day >= fields.Date.subtract(today, months=months)

    def _update_tiers(self, turnovers=None, visits=None):
        """Set turnover, visits and tier of these accounts; apply tier changes:
        the discount card (pricelist), the chatter and the SMS.

        :param turnovers: {account id: turnover}, when the caller knows them
            (a booking adds its order to the stored turnover); by default they
            are recomputed over the company's window.
        :param visits: {account id: visits}, likewise; by default they are
            counted, for the companies with a tier that asks for visits only.
        """
        if not self:
            return
        Tier = self.env["loyalty.points.tier"].sudo()
        counted = self.filtered(lambda account: Tier._tier_needs_visits(account.company_id))
        if turnovers is None:
            totals = self._window_totals()
            turnovers = {account_id: total[0] for account_id, total in totals.items()}
            if visits is None:
                visits = {account.id: totals[account.id][1] for account in counted}
        if visits is None:
            visits = counted._compute_visits()
        for account in self.with_context(**ledger_context()):
            turnover = turnovers.get(account.id, 0.0)
            visit_count = visits.get(account.id)  # None: no tier asks for visits
            tier = Tier._tier_for_turnover(account.company_id, turnover, visit_count or 0)
            vals = {}
            if account.currency_id.compare_amounts(account.turnover, turnover):
                vals["turnover"] = turnover
            if visit_count is not None and visit_count != account.visit_count:
                vals["visit_count"] = visit_count
            old_tier = account.tier_id
            if tier != old_tier:
                vals["tier_id"] = tier.id
            if not vals:
                continue
            account.write(vals)
            if tier != old_tier:
                account.message_post(
                    body=self.env._(
                        "Tier changed from %(old)s to %(new)s (turnover %(turnover)s).",
                        old=old_tier.name or self.env._("none"),
                        new=tier.name or self.env._("none"),
                        turnover=format_amount(self.env, turnover, account.currency_id),
                    )
                )
                account._apply_tier_pricelist(old_tier)
                account._record_tier_move(old_tier)
                account._notify_tier_changed(old_tier)

    def _record_tier_move(self, old_tier):
        """Record the move of these accounts from ``old_tier`` to their tier,
        for the tier moves analysis."""
        self.env["loyalty.points.tier.move"].sudo().create(
            [
                {
                    "account_id": account.id,
                    "old_tier_id": old_tier.id,
                    "new_tier_id": account.tier_id.id,
                }
                for account in self
                if account.tier_id != old_tier
            ]
        )

    def _apply_tier_pricelist(self, old_tier):
        """Give the customer (and its contacts) the new tier's pricelist in this
        company, or give back the pricelist chosen for it before a tier's
        discount card replaced it (none: Odoo's default rules apply again)."""
        self.ensure_one()
        contacts = (
            self.env["res.partner"]
            .sudo()
            .with_company(self.company_id)
            .search([("commercial_partner_id", "=", self.partner_id.id)])
        )
        new_pricelist = self.tier_id.pricelist_id
        if new_pricelist:
            if not old_tier.pricelist_id:
                self.previous_pricelist_id = (
                    self.partner_id.with_company(self.company_id)
                    .sudo()
                    .specific_property_product_pricelist
                )
            contacts.specific_property_product_pricelist = new_pricelist
        elif old_tier.pricelist_id:
            contacts.filtered(
                lambda c: c.specific_property_product_pricelist == old_tier.pricelist_id
            ).specific_property_product_pricelist = self.previous_pricelist_id
            self.previous_pricelist_id = False

    @api.model
    def _cron_recompute_tiers(self, batch_size=1000):
        """Daily: turnover windows slide, so tiers are recomputed for every
        account, ``batch_size`` accounts a run, oldest check first."""
        today = fields.Date.context_today(self)
        domain = ["|", ("tier_checked_date", "=", False), ("tier_checked_date", "<", today)]
        accounts = self.search(domain, order="id", limit=batch_size)
        accounts._update_tiers()
        accounts.with_context(**ledger_context()).write({"tier_checked_date": today})
        left = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(accounts), remaining=left)
        return left
