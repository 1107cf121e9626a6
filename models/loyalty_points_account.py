import logging
from collections import Counter

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_amount

from ..tools.phone import mobile_e164
from ..tools.points import POINTS_DIGITS

_logger = logging.getLogger(__name__)

SMS_TEMPLATE_EARNED = "loyalty_points.sms_template_points_earned"
SMS_TEMPLATE_EXPIRING = "loyalty_points.sms_template_points_expiring"
SMS_TEMPLATE_TIER = "loyalty_points.sms_template_tier_changed"


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
        help="The pricelist chosen for the customer before a tier's discount card replaced it.",
    )
    entry_ids = fields.One2many("loyalty.points.entry", "account_id", string="Journal")
    entry_count = fields.Integer(compute="_compute_entry_count")
    expiring_points = fields.Float(
        digits=POINTS_DIGITS,
        compute="_compute_expiring",
        help="Points that expire within the company's warning period.",
    )
    next_expiry_date = fields.Date(compute="_compute_expiring")
    expiry_warned_date = fields.Date(
        string="Expiry Warned Until",
        readonly=True,
        copy=False,
        help="The customer was warned about the points expiring up to this day: "
        "the expiry warning announces only lots expiring later.",
    )

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
                self.env._(
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
            "name": self.env._("Adjust Points"),
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
                    body=self.env._(
                        "Tier changed from %(old)s to %(new)s (turnover %(turnover)s).",
                        old=old_tier.name or self.env._("none"),
                        new=tier.name or self.env._("none"),
                        turnover=format_amount(self.env, turnover, account.currency_id),
                    )
                )
                account._apply_tier_pricelist(old_tier)
                account._notify_tier_changed(old_tier)

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
            summary=self.env._("Loyalty points overdrawn"),
            note=self.env._(
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
        accounts = self.filtered("company_id.loyalty_points_sms_earned")
        accounts._loyalty_points_sms_queue_safely(
            SMS_TEMPLATE_EARNED,
            {account: {"order": pos_order, "points": points} for account in accounts},
        )

    def _notify_tier_changed(self, old_tier):
        """Queue the "tier changed" SMS."""
        accounts = self.filtered("company_id.loyalty_points_sms_tier")
        accounts._loyalty_points_sms_queue_safely(
            SMS_TEMPLATE_TIER, {account: {"old_tier": old_tier} for account in accounts}
        )

    # ------------------------------------------------------------------
    # SMS

    @api.model
    def _cron_warn_expiring_points(self, batch_size=500):
        """Daily: one SMS per customer whose points expire within the company's
        warning period, with their total and the first expiry date.

        Each lot is announced once: an account's ``expiry_warned_date`` is the
        last expiry date it was warned about, and only lots expiring after it
        are announced. The SMS are queued and that date written in the same
        transaction, batch after batch (the cron framework commits between
        them), so a killed run leaves whole batches only and a re-run never
        warns about the same points twice. Customers who cannot get an SMS
        (opted out, blacklisted, no mobile number) are marked as handled too.
        """
        today = fields.Date.context_today(self)
        self.env.flush_all()
        due = self._expiry_warning_query(today)
        self.env.cr.execute(SQL("%s ORDER BY lot.account_id LIMIT %s", due, batch_size))
        rows = {account_id: row for account_id, *row in self.env.cr.fetchall()}
        accounts = self.browse(rows).sudo()
        counts = accounts._loyalty_points_sms_queue(
            SMS_TEMPLATE_EXPIRING,
            {
                account: {"points": float(rows[account.id][0]), "expiry_date": rows[account.id][1]}
                for account in accounts
            },
        )
        for last_date, warned in accounts.grouped(lambda a: rows[a.id][2]).items():
            warned.write({"expiry_warned_date": last_date})
        self.env.flush_all()
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM (%s) AS due", due))
        left = self.env.cr.fetchone()[0]
        if accounts:
            _logger.info(
                "Loyalty points expiry warnings: %s accounts, %s SMS queued, %s opted out, "
                "%s blacklisted, %s without a number, %s without a valid mobile number; "
                "%s accounts left",
                len(accounts),
                counts["queued"],
                counts["opted_out"],
                counts["blacklisted"],
                counts["no_number"],
                counts["not_mobile"],
                left,
            )
        self.env["ir.cron"]._notify_progress(done=len(accounts), remaining=left)
        return left

    @api.model
    def _expiry_warning_query(self, today):
        """(account id, points, first expiry date, last expiry date) of the open
        lots not announced yet that expire within the warning period of the
        companies that send the expiry warning."""
        return SQL(
            """
            SELECT lot.account_id, SUM(lot.remaining), MIN(lot.expiry_date),
                   MAX(lot.expiry_date)
              FROM loyalty_points_entry AS lot
              JOIN loyalty_points_account AS account ON account.id = lot.account_id
              JOIN res_company AS company ON company.id = account.company_id
             WHERE lot.remaining > 0
               AND company.loyalty_points_sms_expiring
               AND lot.expiry_date >= %(today)s
               AND lot.expiry_date <= %(today)s::date + company.loyalty_points_warning_days
               AND (account.expiry_warned_date IS NULL
                    OR lot.expiry_date > account.expiry_warned_date)
          GROUP BY lot.account_id
            """,
            today=today,
        )

    def _loyalty_points_sms_numbers(self):
        """The numbers to send the SMS of these accounts to.

        :return: ({account id: E.164 mobile number}, Counter of the accounts
            skipped by reason: ``opted_out``, ``no_number``, ``not_mobile``
            (invalid or landline), ``blacklisted``)
        """
        numbers = {}
        skipped = Counter()
        for account in self:
            partner = account.partner_id
            if partner.loyalty_points_sms_optout:
                skipped["opted_out"] += 1
                continue
            candidates = [number for number in (partner.mobile, partner.phone) if number]
            if not candidates:
                skipped["no_number"] += 1
                continue
            country = partner.country_id.code or account.company_id.country_id.code
            number = next(
                filter(None, (mobile_e164(candidate, country) for candidate in candidates)), None
            )
            if number:
                numbers[account.id] = number
            else:
                skipped["not_mobile"] += 1
        if numbers:
            blacklisted = set(
                self.env["phone.blacklist"]
                .sudo()
                .search([("number", "in", list(set(numbers.values())))])
                .mapped("number")
            )
            for account_id, number in list(numbers.items()):
                if number in blacklisted:
                    del numbers[account_id]
                    skipped["blacklisted"] += 1
        return numbers, skipped

    def _loyalty_points_sms_queue(self, template_xmlid, render_values):
        """Queue one SMS per account from the template ``template_xmlid``, in
        the customer's language, to the customer's mobile number, and log it in
        the account's chatter. Nothing is sent here: Odoo's SMS queue sends it.

        :param render_values: {account: {variable: value}}, the variables the
            template uses besides ``object`` (see ``sms.template``).
        :return: Counter of the accounts by outcome: ``queued`` or the reasons
            of ``_loyalty_points_sms_numbers``.
        """
        accounts = self.sudo()
        template = self.env.ref(template_xmlid, raise_if_not_found=False)
        if not accounts or not template:
            return Counter(no_template=len(accounts)) if accounts else Counter()
        numbers, counts = accounts._loyalty_points_sms_numbers()
        template = template.sudo()
        for account in accounts.filtered(lambda a: a.id in numbers):
            body = template._render_field(
                "body",
                account.ids,
                compute_lang=True,
                add_context=render_values.get(account, {}),
            )[account.id]
            partner = account.partner_id
            account._message_sms(
                body,
                partner_ids=partner.ids,
                sms_pid_to_number={partner.id: numbers[account.id]},
                put_in_queue=True,
            )
            counts["queued"] += 1
        return counts

    def _loyalty_points_sms_queue_safely(self, template_xmlid, render_values):
        """``_loyalty_points_sms_queue`` that never raises, for the order sync
        and the tier job: an SMS problem is logged and rolled back, it never
        blocks a sale. Concurrency errors propagate for Odoo to retry."""
        if not self:
            return Counter()
        try:
            with self.env.cr.savepoint():
                counts = self._loyalty_points_sms_queue(template_xmlid, render_values)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except Exception:
            _logger.exception(
                "Loyalty SMS %s of accounts %s could not be queued", template_xmlid, self.ids
            )
            return Counter(failed=len(self))
        skipped = {reason: count for reason, count in counts.items() if reason != "queued"}
        if skipped:
            _logger.info(
                "Loyalty SMS %s of accounts %s: %s queued, skipped %s",
                template_xmlid,
                self.ids,
                counts["queued"],
                skipped,
            )
        return counts
