from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount

from ..tools.points import POINTS_DIGITS


class LoyaltyPointsAccount(models.Model):
    _name = "loyalty.points.account"
    _description = "Loyalty Points Account"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _rec_name = "partner_id"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    balance = fields.Float(digits=POINTS_DIGITS, readonly=True, default=0.0)
    tier_id = fields.Many2one(
        "loyalty.points.tier",
        string="Tier",
        readonly=True,
        index=True,
        check_company=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    turnover = fields.Monetary(
        currency_field="currency_id",
        readonly=True,
        help="Paid POS orders net of refunds within the company's tier window.",
    )
    tier_checked_date = fields.Date(readonly=True, copy=False)
    previous_pricelist_id = fields.Many2one(
        "product.pricelist",
        readonly=True,
        help="The customer's pricelist before a tier's discount card replaced it.",
    )
    entry_ids = fields.One2many("loyalty.points.entry", "account_id", string="Journal")
    entry_count = fields.Integer(compute="_compute_entry_count")
    expiring_points = fields.Float(
        digits=POINTS_DIGITS,
        compute="_compute_expiring",
        help="Points that expire within the company's warning period.",
    )
    next_expiry_date = fields.Date(compute="_compute_expiring")

    _sql_constraints = [
        (
            "partner_company_uniq",
            "UNIQUE(partner_id, company_id)",
            "A customer has one loyalty account per company.",
        ),
    ]

    def _compute_entry_count(self):
        counts = dict(
            self.env["loyalty.points.entry"]._read_group(
                [("account_id", "in", self.ids)], ["account_id"], ["__count"]
            )
        )
        for account in self:
            account.entry_count = counts.get(account, 0)

    def _compute_expiring(self):
        today = fields.Date.context_today(self)
        self.expiring_points = 0.0
        self.next_expiry_date = False
        for company, accounts in self.grouped("company_id").items():
            limit = fields.Date.add(today, days=company.loyalty_points_warning_days)
            groups = self.env["loyalty.points.entry"]._read_group(
                [
                    ("account_id", "in", accounts.ids),
                    ("remaining", ">", 0),
                    ("expiry_date", "!=", False),
                    ("expiry_date", "<=", limit),
                ],
                ["account_id"],
                ["remaining:sum", "expiry_date:min"],
            )
            for account, points, first_date in groups:
                account.expiring_points = points
                account.next_expiry_date = first_date

    def write(self, vals):
        self.check_access("write")
        if {"partner_id", "company_id", "balance"} & set(vals):
            raise UserError(
                _(
                    "The customer, the company and the balance of a loyalty account "
                    "cannot be changed: book journal entries instead."
                )
            )
        return super().write(vals)

    def action_open_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_entry_action"
        )
        action["domain"] = [("account_id", "=", self.id)]
        action["context"] = {"default_account_id": self.id}
        return action

    def action_adjust(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Adjust Points"),
            "res_model": "loyalty.points.adjust",
            "view_mode": "form",
            "target": "new",
            "context": {"default_account_id": self.id},
        }

    @api.model
    def _get_or_create(self, partners, company):
        """The accounts of the commercial partners of ``partners`` in ``company``.

        Missing accounts are inserted with ON CONFLICT DO NOTHING, so two
        transactions creating the same account never both succeed: the second
        waits for the first and then gets a serialization failure, which Odoo
        retries.
        """
        commercial = partners.commercial_partner_id
        if not commercial:
            return self.browse()
        accounts = self.sudo().search(
            [("partner_id", "in", commercial.ids), ("company_id", "=", company.id)]
        )
        missing = commercial - accounts.partner_id
        if missing:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """
                    INSERT INTO loyalty_points_account
                        (partner_id, company_id, balance, create_uid, create_date,
                         write_uid, write_date)
                    SELECT partner, %(company)s, 0, %(uid)s, NOW() AT TIME ZONE 'UTC',
                           %(uid)s, NOW() AT TIME ZONE 'UTC'
                      FROM unnest(%(partners)s) AS partner
                    ON CONFLICT (partner_id, company_id) DO NOTHING
                    RETURNING id
                    """,
                    company=company.id,
                    uid=self.env.uid,
                    partners=missing.ids,
                )
            )
            accounts |= self.sudo().browse(row[0] for row in self.env.cr.fetchall())
        return accounts.with_env(self.env)

    def _lock_for_update(self):
        """Lock the rows of these accounts (in id order, so two transactions
        never deadlock) and drop their cached balance: what follows reads and
        changes the balance under the lock."""
        if not self:
            return
        self.env.cr.execute(
            SQL(
                "SELECT id FROM loyalty_points_account WHERE id IN %s "
                "ORDER BY id FOR NO KEY UPDATE",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset(["balance"])

    def _add_to_balance(self, deltas):
        """Add ``deltas`` ({account id: points}) to the stored balances, in SQL."""
        deltas = {account_id: delta for account_id, delta in deltas.items() if delta}
        if not deltas:
            return
        self.env.cr.execute(
            SQL(
                """
                UPDATE loyalty_points_account AS account
                   SET balance = account.balance + delta.points,
                       write_uid = %(uid)s,
                       write_date = NOW() AT TIME ZONE 'UTC'
                  FROM (SELECT unnest(%(ids)s) AS id,
                               unnest(%(points)s::numeric[]) AS points) AS delta
                 WHERE account.id = delta.id
                """,
                uid=self.env.uid,
                ids=list(deltas),
                points=list(deltas.values()),
            )
        )
        self.browse(deltas).invalidate_recordset(["balance", "write_uid", "write_date"])

    def _open_lots(self, exclude_ids=()):
        """{lot id: [expiry date, remaining]} of the open lots of this account."""
        self.ensure_one()
        self.env["loyalty.points.entry"].flush_model(["remaining"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, expiry_date, remaining
                  FROM loyalty_points_entry
                 WHERE account_id = %(account)s AND remaining > 0
                   AND NOT id = ANY(%(exclude)s)
                """,
                account=self.id,
                exclude=list(exclude_ids),
            )
        )
        return {
            lot_id: [expiry_date, float(left)]
            for lot_id, expiry_date, left in self.env.cr.fetchall()
        }

    def _uncovered_debits(self, exclude_ids=()):
        """[[debit id, uncovered points]] of this account, oldest first: the
        negative entries that no lot covered when they were booked."""
        self.ensure_one()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT debit.id, -debit.points - COALESCE(SUM(alloc.points), 0)
                  FROM loyalty_points_entry AS debit
             LEFT JOIN loyalty_points_allocation AS alloc
                    ON alloc.debit_entry_id = debit.id
                 WHERE debit.account_id = %(account)s AND debit.points < 0
                   AND NOT debit.id = ANY(%(exclude)s)
              GROUP BY debit.id
                HAVING -debit.points - COALESCE(SUM(alloc.points), 0) > 0
              ORDER BY debit.id
                """,
                account=self.id,
                exclude=list(exclude_ids),
            )
        )
        return [[debit_id, float(left)] for debit_id, left in self.env.cr.fetchall()]

    # ------------------------------------------------------------------
    # turnover and tiers

    def _compute_turnovers(self):
        """{account id: turnover}: paid POS orders of the customer (and its
        contacts) in the account's company, net of refunds, within the
        company's tier window (0 months: the whole history)."""
        self.env.flush_all()
        turnovers = {}
        now = fields.Datetime.now()
        for company, accounts in self.grouped("company_id").items():
            months = company.loyalty_points_tier_months
            since = fields.Datetime.subtract(now, months=months) if months else None
            self.env.cr.execute(
                SQL(
                    """
                    SELECT account.id, COALESCE(SUM(pos.amount_total), 0)
                      FROM loyalty_points_account AS account
                      JOIN res_partner AS contact
                        ON contact.commercial_partner_id = account.partner_id
                      JOIN pos_order AS pos
                        ON pos.partner_id = contact.id
                       AND pos.company_id = account.company_id
                       AND pos.state IN ('paid', 'done', 'invoiced')
                       AND (%(since)s::timestamp IS NULL OR pos.date_order >= %(since)s)
                     WHERE account.id IN %(accounts)s
                  GROUP BY account.id
                    """,
                    since=since,
                    accounts=tuple(accounts.ids),
                )
            )
            turnovers.update(dict.fromkeys(accounts.ids, 0.0))
            turnovers.update(
                (account_id, float(total)) for account_id, total in self.env.cr.fetchall()
            )
        return turnovers

    def _update_tiers(self):
        """Recompute turnover and tier of these accounts; apply tier changes:
        the discount card (pricelist), the chatter (tracking) and the SMS."""
        if not self:
            return
        turnovers = self._compute_turnovers()
        Tier = self.env["loyalty.points.tier"].sudo()
        tiers_of = {
            company: Tier.search([("company_id", "=", company.id)]) for company in self.company_id
        }
        for account in self:
            turnover = turnovers.get(account.id, 0.0)
            tier = Tier._tier_for_turnover(tiers_of[account.company_id], turnover)
            vals = {}
            if account.currency_id.compare_amounts(account.turnover, turnover):
                vals["turnover"] = turnover
            old_tier = account.tier_id
            if tier != old_tier:
                vals["tier_id"] = tier.id
            if not vals:
                continue
            account.write(vals)
            if tier != old_tier:
                account.message_post(
                    body=_(
                        "Tier changed from %(old)s to %(new)s (turnover %(turnover)s).",
                        old=old_tier.name or _("none"),
                        new=tier.name or _("none"),
                        turnover=format_amount(self.env, turnover, account.currency_id),
                    )
                )
                account._apply_tier_pricelist(old_tier)
                account._notify_tier_changed(old_tier)

    def _apply_tier_pricelist(self, old_tier):
        """Give the customer the new tier's pricelist in this company, or give
        back the pricelist it had before a tier's discount card."""
        self.ensure_one()
        partner = self.partner_id.with_company(self.company_id).sudo()
        new_pricelist = self.tier_id.pricelist_id
        if new_pricelist:
            if not old_tier.pricelist_id:
                self.previous_pricelist_id = partner.property_product_pricelist
            partner.property_product_pricelist = new_pricelist
        elif old_tier.pricelist_id:
            if partner.property_product_pricelist == old_tier.pricelist_id:
                partner.property_product_pricelist = self.previous_pricelist_id
            self.previous_pricelist_id = False

    @api.model
    def _cron_recompute_tiers(self, batch_size=1000):
        """Daily: turnover windows slide, so tiers are recomputed for every
        account, ``batch_size`` accounts a run, oldest check first."""
        today = fields.Date.context_today(self)
        domain = ["|", ("tier_checked_date", "=", False), ("tier_checked_date", "<", today)]
        accounts = self.search(domain, order="id", limit=batch_size)
        accounts._update_tiers()
        accounts.write({"tier_checked_date": today})
        left = self.search_count(domain)
        self.env["ir.cron"]._notify_progress(done=len(accounts), remaining=left)
        return left

    # ------------------------------------------------------------------
    # notifications

    def _loyalty_points_manager(self):
        """The user who handles this account's problems: a POS manager of its company."""
        self.ensure_one()
        manager = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref("point_of_sale.group_pos_manager").id),
                    ("company_ids", "in", self.company_id.id),
                    ("share", "=", False),
                ],
                order="id",
                limit=1,
            )
        )
        return manager or self.env.ref("base.user_admin")

    def _notify_overdraft(self, pos_order, balance_before):
        """An order took more points than the account had (a race between
        tills, or a refund of spent points): a manager gets an activity."""
        self.ensure_one()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Loyalty points overdrawn"),
            note=_(
                "Order %(order)s left %(partner)s with %(balance)s points (%(before)s "
                "before). Later earnings pay the shortfall back first.",
                order=pos_order.name,
                partner=self.partner_id.display_name,
                balance=self.balance,
                before=balance_before,
            ),
            user_id=self._loyalty_points_manager().id,
        )

    def _notify_points_earned(self, pos_order, points):
        """Queue the "points earned" SMS of ``pos_order`` (never sent in the sync)."""
        # TODO(sms): implemented with the SMS notifications.

    def _notify_tier_changed(self, old_tier):
        """Queue the "tier changed" SMS."""
        # TODO(sms): implemented with the SMS notifications.
