import logging
from collections import Counter

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import ledger_context, never_block, points_paid
from ..tools.phone import mobile_e164

_logger = logging.getLogger(__name__)

SMS_TEMPLATE_EARNED = "loyalty_points.sms_template_points_earned"
SMS_TEMPLATE_EXPIRING = "loyalty_points.sms_template_points_expiring"
SMS_TEMPLATE_TIER = "loyalty_points.sms_template_tier_changed"


class LoyaltyPointsAccount(models.Model):
    """Notifications of loyalty accounts: manager activities and SMS."""

    _inherit = "loyalty.points.account"

    @api.model
    def _loyalty_points_manager(self, company=None):
        """The user who handles loyalty problems of ``company`` (default: this
        account's): a POS manager of that company, else the administrator."""
        company = company or self.company_id
        manager = (
            self.env["res.users"]
            .sudo()
            .search(
                [
                    ("groups_id", "in", self.env.ref("point_of_sale.group_pos_manager").id),
                    ("company_ids", "in", company.id),
                    ("share", "=", False),
                ],
                order="id",
                limit=1,
            )
        )
        return manager or self.env.ref("base.user_admin")

    def _notify_overdraft(self, pos_order, balance_before):
        """An order took more points than the account had (a race between
        tills, or a refund of spent points): a manager gets a to-do."""
        self.ensure_one()
        self._loyalty_points_alert(
            self,
            self.company_id,
            self.env._("Loyalty points overdrawn"),
            self.env._(
                "Order %(order)s left %(partner)s with %(balance)s points (%(before)s "
                "before). Later earnings pay the shortfall back first.",
                order=pos_order.name,
                partner=self.partner_id.display_name,
                balance=self.company_id._loyalty_points_format(self.balance),
                before=self.company_id._loyalty_points_format(balance_before),
            ),
        )

    @api.model
    def _loyalty_points_alert(self, target, company, summary, note):
        """A to-do for a manager of ``company`` on ``target`` (an account, or a
        POS session when there is no customer), about the cause ``summary``.
        One open to-do per target and cause: while it is open, a new alert of
        the same cause adds its ``note`` to it, so a misconfigured till cannot
        bury the manager under to-dos. Never blocks a sale."""
        with never_block(self.env.cr, f"loyalty alert on {target}"):
            todo = self.env.ref("mail.mail_activity_data_todo")
            target = target.sudo()
            open_todo = target.activity_ids.filtered(
                lambda activity: activity.activity_type_id == todo and activity.summary == summary
            )[:1]
            if open_todo:
                open_todo.note = Markup("%s<p>%s</p>") % (open_todo.note or "", note)
            else:
                target.activity_schedule(
                    activity_type_id=todo.id,
                    summary=summary,
                    note=note,
                    user_id=self._loyalty_points_manager(company).id,
                )

    @api.model
    def _notify_booking_failed(self, pos_order, error):
        """The points of ``pos_order`` could not be booked: the sale stands,
        a manager books them by hand."""
        self._loyalty_points_alert(
            pos_order.session_id,
            pos_order.session_id.config_id.company_id or pos_order.company_id,
            self.env._("Loyalty points not booked"),
            self.env._(
                "The loyalty points of order %(order)s could not be booked "
                "(%(error)s). The sale is recorded; book the points by hand.",
                order=pos_order.name,
                error=error,
            ),
        )

    @api.model
    def _notify_points_payment(self, pos_order, account, paid, sale_total, balance_before):
        """Points payments the till should have refused (``paid``, in the
        company currency, on an order that sold for ``sale_total``) are
        recorded all the same (a sale is never lost), and a manager is told
        which case it was: no customer, beyond the balance the account had
        (``balance_before``), or beyond the company's share."""
        company = pos_order.session_id.config_id.company_id or pos_order.company_id
        value = company.currency_id
        if not account:
            self._loyalty_points_alert(
                pos_order.session_id,
                company,
                self.env._("Points payment without a customer"),
                self.env._(
                    "Order %(order)s was paid %(amount)s with loyalty points but has no "
                    "customer: no account was charged.",
                    order=pos_order.name,
                    amount=value.round(paid),
                ),
            )
            return
        points = points_paid(paid, company.loyalty_points_value)
        share = company.loyalty_points_max_redeem_share
        total = max(sale_total, 0.0)
        if points > max(balance_before, 0.0):
            self._loyalty_points_alert(
                account,
                company,
                self.env._("Points payment beyond the balance"),
                self.env._(
                    "Order %(order)s paid %(points)s points but %(partner)s had %(balance)s: "
                    "the account is overdrawn. Either two tills spent the same points at "
                    "once, or the till skipped the balance check. Later earnings pay the "
                    "shortfall back first.",
                    order=pos_order.name,
                    points=company._loyalty_points_format(points),
                    partner=account.partner_id.display_name,
                    balance=company._loyalty_points_format(balance_before),
                ),
            )
        elif value.compare_amounts(paid, total * share / 100.0) > 0:
            self._loyalty_points_alert(
                account,
                company,
                self.env._("Points payment beyond the allowed share"),
                self.env._(
                    "Order %(order)s paid %(amount)s of %(total)s with points, more than "
                    "the %(share)s %% allowed: the till skipped the check.",
                    order=pos_order.name,
                    amount=value.round(paid),
                    total=value.round(total),
                    share=share,
                ),
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
            warned.with_context(**ledger_context()).write({"expiry_warned_date": last_date})
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
        with never_block(self.env.cr, f"SMS {template_xmlid} of accounts {self.ids}") as outcome:
            counts = self._loyalty_points_sms_queue(template_xmlid, render_values)
        if outcome.failed:
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
