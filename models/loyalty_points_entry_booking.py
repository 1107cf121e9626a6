from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import POINTS_DIGITS, round_points


class LoyaltyPointsEntry(models.Model):
    """The ledger's booking API: what documents call. A document (a POS
    order, an invoice, a payment, an import, a reward, a job, a wizard) says
    what happened through these builders and books their values at once with
    ``_post`` (``loyalty_points_entry.py``): the values, keys, reversals and
    give-backs are built here only. See readme/DEVELOP.md."""

    _inherit = "loyalty.points.entry"

    @api.model
    def _prepare_earn_vals(self, account, source, day, earnings, available_date=False):
        """The lots a sale of ``day`` earns: one per program, expiring after the
        program's validity, spendable from ``available_date`` (pending until
        then; False: at once).

        :param earnings: {program (record or spec): points}
        """
        return [
            {
                "account_id": account.id,
                "kind": "earn",
                "points": points,
                "expiry_date": fields.Date.add(day, days=program.validity_days)
                if program.validity_days
                else False,
                "available_date": available_date,
                "program_id": program.id,
                "idempotency_key": self._key("earn", self._source_ref(source), program.id),
                **self._source_vals(source),
            }
            for program, points in earnings.items()
            if points > 0
        ]

    @api.model
    def _prepare_redeem_vals(self, account, source, points, note=False, earlier=None):
        """The entry of ``points`` (> 0) paid with by ``account`` for ``source``;
        ``earlier``: the redeem of ``source`` given back before this one (a
        points payment posted again)."""
        parts = (earlier.id,) if earlier else ()
        return [
            {
                "account_id": account.id,
                "kind": "redeem",
                "points": -points,
                "note": note,
                "idempotency_key": self._key("redeem", self._source_ref(source), *parts),
                **self._source_vals(source),
            }
        ]

    @api.model
    def _prepare_reward_vals(self, account, source, line_ref, reward, points, note=False):
        """The redeem of ``points`` (> 0) that ``account`` spends on ``reward``,
        taken on the line ``line_ref`` (its id) of ``source``: once per line.
        A refund gives it back with :meth:`_prepare_reversal_vals` ("giveback")."""
        return [
            {
                "account_id": account.id,
                "kind": "redeem",
                "points": -points,
                "reward_id": reward.id,
                "note": note,
                "idempotency_key": self._key("reward", self._source_ref(source), line_ref),
                **self._source_vals(source),
            }
        ]

    @api.model
    def _reward_redeems(self, claims):
        """{(source, line ref): redeem entry} of the rewards booked for
        ``claims``, pairs (source document, line ref) as given to
        :meth:`_prepare_reward_vals` (claims that booked nothing are left out)."""
        keys = {
            self._key("reward", self._source_ref(source), line_ref): (source, line_ref)
            for source, line_ref in claims
        }
        if not keys:
            return {}
        entries = self.search([("idempotency_key", "in", list(keys))])
        return {keys[entry.idempotency_key]: entry for entry in entries}

    def _prepare_reversal_vals(self, points, source, event="reversal", note=False):
        """Values of the entries that reverse ``points`` (> 0) of these entries,
        in order, never more than is left of each to reverse, for ``source``.

        A lot (positive entry) is reversed by one negative ``reversal``, taken
        first from the lot itself (``event`` "reversal": earned points of a
        refunded line; "unbonus": a bonus taken back). A debit (a redeem) is
        given back (``event`` "giveback"): one positive ``reversal`` per lot it
        was taken from, with that lot's expiry (a give-back never extends a
        lot's life), the latest-expiring first; points it took from no lot (an
        overdraft) come back with the company's default validity.
        """
        left = round_points(points)
        vals_list = []
        rooms = self._reversible_points()
        ref = self._source_ref(source)
        for entry in self:
            back = min(rooms[entry], left)
            if back <= 0:
                continue
            left = round_points(left - back)
            common = {
                "account_id": entry.account_id.id,
                "kind": "reversal",
                "reversed_entry_id": entry.id,
                "program_id": entry.program_id.id,
                "reward_id": entry.reward_id.id,
                "note": note,
                **self._source_vals(source),
            }
            if entry.points > 0:
                vals_list.append(
                    {**common, "points": -back, "idempotency_key": self._key(event, ref, entry.id)}
                )
                continue
            for lot_id, expiry, part in entry._giveback_parts(back):
                vals_list.append(
                    {
                        **common,
                        "points": part,
                        "expiry_date": expiry,
                        "idempotency_key": self._key(event, ref, entry.id, lot_id),
                    }
                )
        return vals_list

    @api.model
    def _prepare_return_vals(self, account, source, earnings, note=False):
        """Goods returned without their receipt take back what they would have
        earned ({program: points}), never more than ``account`` ever earned
        net (earned points, less what reversals of earnings took back)."""
        if not earnings:
            return []
        self.flush_model(["points", "kind", "reversed_entry_id", "account_id"])
        self.env.cr.execute(
            SQL(
                """
                SELECT COALESCE(SUM(entry.points), 0)
                  FROM loyalty_points_entry AS entry
             LEFT JOIN loyalty_points_entry AS origin ON origin.id = entry.reversed_entry_id
                 WHERE entry.account_id = %s
                   AND (entry.kind = 'earn'
                        OR (entry.kind = 'reversal'
                            AND (origin.id IS NULL OR origin.kind = 'earn')))
                """,
                account.id,
            )
        )
        earned = float(self.env.cr.fetchone()[0])
        vals_list = []
        for program, points in earnings.items():
            points = min(points, round_points(earned))
            if points <= 0:
                break
            earned -= points
            vals_list.append(
                {
                    "account_id": account.id,
                    "kind": "reversal",
                    "points": -points,
                    "program_id": program.id,
                    "note": note,
                    "idempotency_key": self._key("return", self._source_ref(source), program.id),
                    **self._source_vals(source),
                }
            )
        return vals_list

    @api.model
    def _prepare_bonus_vals(
        self, account, bonus_type, points, key_parts, day, note, available_date=False, source=None
    ):
        """A bonus lot of ``points`` for ``bonus_type`` (its key: the bonus
        type and ``key_parts``), expiring after the company's default validity
        from ``day``, spendable from ``available_date``."""
        return [
            {
                "account_id": account.id,
                "kind": "bonus",
                "bonus_type": bonus_type,
                "points": points,
                "expiry_date": account.company_id._loyalty_points_default_expiry(day),
                "available_date": available_date,
                "note": note,
                "idempotency_key": self._key(bonus_type, *key_parts),
                **self._source_vals(source),
            }
        ]

    @api.model
    def _prepare_adjust_vals(self, account, points, reason, expiry_date=False):
        """A manual adjustment of ``points`` (either sign), with its reason;
        added points expire after ``expiry_date`` (False: never)."""
        return [
            {
                "account_id": account.id,
                "kind": "adjust",
                "points": points,
                "expiry_date": expiry_date if points > 0 else False,
                "note": reason,
            }
        ]

    @api.model
    def _post_opening_lots(self, lots, note, locked=None):
        """Book the opening lots of customers switching in from another system
        (or from Odoo's own loyalty program), in set-based SQL: the bulk path
        of :meth:`_post` for an import of many rows.

        :param lots: an SQL query of rows ``(account_id, points, expiry_date,
            import, line)``: ``points`` > 0 that ``account_id`` brings in,
            expiring after ``expiry_date`` (NULL: never), spendable at once;
            ``import`` (text) and ``line`` (integer) make the lot's key,
            ``import:<import>:<line>``, so a lot already booked is skipped
        :param note: the note of the lots (the file they come from)
        :param locked: accounts the caller has locked already (or created in
            this transaction: nobody else sees them yet)
        :return: [(entry id, account id, points, key)] of the lots booked now

        The lots are ``adjust`` entries (an opening balance is a manual
        change of the balance, in the roll-forward and the liability posting
        like any other). The accounts are locked first (in id order); the
        entries and the balances are written in one statement
        (``_add_to_balance_sql``). A new account has no debt; an existing
        overdrawn account's lot pays its uncovered debits back first, as
        :meth:`_book` does for any new lot.
        """
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL("SELECT DISTINCT account_id FROM (%s) AS lot", lots))
        accounts = self.env["loyalty.points.account"].browse(row[0] for row in cr.fetchall())
        if not accounts:
            return []
        (accounts - (locked or accounts.browse()))._lock_for_update()
        overdrawn = accounts.filtered(lambda account: account.balance < 0)
        now = fields.Datetime.now()
        cr.execute(
            SQL(
                """
                WITH lot AS (%(lots)s), booked AS (
                    INSERT INTO loyalty_points_entry
                        (account_id, partner_id, company_id, date, kind, points, remaining,
                         expiry_date, pending, note, user_id, idempotency_key,
                         create_uid, create_date, write_uid, write_date)
                    SELECT lot.account_id, account.partner_id, account.company_id, %(now)s,
                           'adjust', ROUND(lot.points::numeric, %(digits)s),
                           ROUND(lot.points::numeric, %(digits)s), lot.expiry_date, FALSE,
                           %(note)s, %(uid)s, %(key)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM lot
                      JOIN loyalty_points_account AS account ON account.id = lot.account_id
                     WHERE ROUND(lot.points::numeric, %(digits)s) > 0
                     ORDER BY lot.account_id, lot.line
                    ON CONFLICT (idempotency_key) DO NOTHING
                    RETURNING id, account_id, points, expiry_date, idempotency_key
                ), balances AS (%(balances)s)
                SELECT id, account_id, points, expiry_date, idempotency_key FROM booked
                """,
                lots=lots,
                now=now,
                digits=POINTS_DIGITS[1],
                note=note,
                uid=self.env.uid,
                key=self._key_sql("import", SQL("lot.import"), SQL("lot.line::text")),
                balances=accounts._add_to_balance_sql(
                    SQL(
                        "SELECT account_id AS id, SUM(points) AS points, 0 AS pending "
                        "FROM booked GROUP BY account_id"
                    )
                ),
            )
        )
        booked = [
            (entry_id, account_id, float(points), expiry, key)
            for entry_id, account_id, points, expiry, key in cr.fetchall()
        ]
        accounts.invalidate_recordset(["balance", "pending_points", "write_date", "write_uid"])
        if overdrawn and booked:
            self._pay_back_with_released(
                overdrawn,
                [
                    (entry_id, account_id, points, expiry)
                    for entry_id, account_id, points, expiry, _key in booked
                ],
            )
        return [
            (entry_id, account_id, points, key)
            for entry_id, account_id, points, _expiry, key in booked
        ]
