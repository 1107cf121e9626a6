"""Booking an import: customers and accounts made, then batch by batch
the opening lots (through the ledger's bulk path), the opening figures, the
cards, the tiers and the chatter notes (see :class:`LoyaltyPointsImport`)."""

from collections import defaultdict

from markupsafe import Markup, escape

from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..tools import POINTS_DIGITS
from .loyalty_points_import import ROWS_TABLE


class LoyaltyPointsImport(models.TransientModel):
    _inherit = "loyalty.points.import"

    def _book_rows(self, total):
        """Book the checked rows batch after batch: the missing customers and
        accounts, the opening lots (through the ledger), the opening figures,
        the cards, the tiers and a chatter note per account. Nothing of a
        booked batch stays in memory."""
        done = last = 0
        while True:
            batch = [
                row[0]
                for row in self._fetch(
                    """
                    SELECT line FROM %(table)s WHERE line > %(last)s AND NOT done
                  ORDER BY line LIMIT %(limit)s
                    """,
                    last=last,
                    limit=self._import_batch_rows,
                )
            ]
            if not batch:
                return
            self._book_batch(batch)
            done += len(batch)
            last = batch[-1]
            self._progress(self.env._("Importing"), done, total)
            self.env.invalidate_all()

    def _create_customers(self, lines):
        """Create the customers no row of ``lines`` found (``create_missing``),
        with the user's own rights (:meth:`_check_rights`)."""
        if not self.create_missing or self.source != "file":
            return
        rows = self._fetch(
            """
            SELECT line, name, email_raw, phone_raw, ref FROM %(table)s
             WHERE line = ANY(%(lines)s) AND candidates IS NULL ORDER BY line
            """,
            lines=lines,
        )
        if not rows:
            return
        partners = (
            self.env["res.partner"]
            .with_context(
                tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
            )
            .create(
                [
                    {
                        "name": name or email or phone or ref,
                        "email": email or False,
                        "phone": phone or False,
                        "ref": ref or False,
                    }
                    for _line, name, email, phone, ref in rows
                ]
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s AS row SET partner_id = new.partner_id, matched_by = 'new'
                  FROM unnest(%(lines)s::int[], %(partners)s::int[]) AS new(line, partner_id)
                 WHERE row.line = new.line
                """,
                table=SQL.identifier(ROWS_TABLE),
                lines=[row[0] for row in rows],
                partners=partners.ids,
            )
        )

    def _link_accounts(self, lines):
        """Give each row of ``lines`` its customer's account in the company.

        :return: the accounts created now (nobody else sees them before the
            commit: they need no lock)
        """
        missing = self._fetch(
            """
            SELECT DISTINCT row.partner_id FROM %(table)s AS row
             WHERE row.line = ANY(%(lines)s) AND NOT EXISTS (
                   SELECT 1 FROM loyalty_points_account AS account
                    WHERE account.partner_id = row.partner_id
                      AND account.company_id = %(company)s)
            """,
            lines=lines,
            company=self.company_id.id,
        )
        partners = self.env["res.partner"].sudo().browse(row[0] for row in missing)
        partners.fetch(["commercial_partner_id"])  # what _get_or_create reads, nothing more
        created = self.env["loyalty.points.account"]._get_or_create(partners, self.company_id)
        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s AS row SET account_id = account.id
                  FROM loyalty_points_account AS account
                 WHERE row.line = ANY(%(lines)s) AND account.partner_id = row.partner_id
                   AND account.company_id = %(company)s
                """,
                table=SQL.identifier(ROWS_TABLE),
                lines=lines,
                company=self.company_id.id,
            )
        )
        return created

    def _book_batch(self, lines):
        """Book the rows ``lines``: their customers and accounts, their
        opening lots through the ledger, their opening figures, cards,
        tiers and chatter notes."""
        self._create_customers(lines)
        created = self._link_accounts(lines)
        Entry = self.env["loyalty.points.entry"]
        source = self._source_label()
        Entry._post_opening_lots(
            SQL(
                """
                SELECT row.account_id, row.points, row.expiry_date, %(import)s AS import, row.line
                  FROM %(table)s AS row
                 WHERE row.line = ANY(%(lines)s) AND row.points > 0
                """,
                table=SQL.identifier(ROWS_TABLE),
                lines=lines,
                **{"import": self._import_ref()},
            ),
            self.env._("Opening balance imported from %(origin)s", origin=source),
            locked=created,
        )
        self._insert_openings(lines, source)
        self._issue_cards(lines)
        rows = self._fetch(
            """
            SELECT row.account_id, row.line, entry.points, entry.expiry_date, row.card_number,
                   row.turnover, row.visits
              FROM %(table)s AS row
         LEFT JOIN loyalty_points_entry AS entry ON entry.idempotency_key = %(key)s
             WHERE row.line = ANY(%(lines)s)
          ORDER BY row.line
            """,
            key=self._row_key_sql(),
            lines=lines,
        )
        accounts = self.env["loyalty.points.account"].sudo().browse({row[0] for row in rows})
        tiers = self.env["loyalty.points.opening"]._apply_tiers(accounts)
        self._log_on_accounts(rows, tiers, source)

    def _insert_openings(self, lines, source):
        """The opening figures of the rows (``loyalty.points.opening``), linked
        to their lots, in one statement: a row imported before (its key)
        is skipped."""
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO loyalty_points_opening
                    (account_id, partner_id, company_id, date, points, entry_id, turnover,
                     visits, card_number, source, line, import_key, user_id,
                     create_uid, create_date, write_uid, write_date)
                SELECT row.account_id, account.partner_id, account.company_id, %(today)s,
                       COALESCE(entry.points, 0), entry.id, row.turnover, row.visits,
                       row.card_number, %(source)s, row.line, %(key)s, %(uid)s,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM %(table)s AS row
                  JOIN loyalty_points_account AS account ON account.id = row.account_id
             LEFT JOIN loyalty_points_entry AS entry ON entry.idempotency_key = %(key)s
                 WHERE row.line = ANY(%(lines)s)
                ON CONFLICT (import_key) DO NOTHING
                """,
                table=SQL.identifier(ROWS_TABLE),
                today=today,
                source=source,
                key=self._row_key_sql(),
                uid=self.env.uid,
                now=now,
                lines=lines,
            )
        )

    def _issue_cards(self, lines):
        """The cards of the rows, when their customer does not have them
        already: the rows ``_loyalty_points_issue_cards`` would create for a
        pre-printed number (checked as it checks them: :meth:`_parse_row`,
        :meth:`_problems_cards`), in one statement, with the accounts' card
        number; the import's chatter note names the card."""
        self.env["loyalty.points.card"].flush_model()
        self.env["loyalty.points.account"].flush_model(["card_number"])
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """
                WITH issued AS (
                    INSERT INTO loyalty_points_card
                        (number, account_id, company_id, state, issue_date,
                         create_uid, create_date, write_uid, write_date)
                    SELECT row.card_number, row.account_id, %(company)s, 'active', %(today)s,
                           %(uid)s, %(now)s, %(uid)s, %(now)s
                      FROM %(table)s AS row
                     WHERE row.line = ANY(%(lines)s) AND row.card_number IS NOT NULL
                       AND NOT EXISTS (SELECT 1 FROM loyalty_points_card AS card
                                        WHERE card.company_id = %(company)s
                                          AND card.number = row.card_number)
                 RETURNING account_id, number
                )
                UPDATE loyalty_points_account AS account SET card_number = issued.number
                  FROM issued WHERE account.id = issued.account_id
                """,
                table=SQL.identifier(ROWS_TABLE),
                lines=lines,
                company=self.company_id.id,
                today=fields.Date.context_today(self),
                uid=self.env.uid,
                now=now,
            )
        )
        self.env["loyalty.points.card"].invalidate_model()
        self.env["loyalty.points.account"].invalidate_model(["card_number", "card_ids"])

    def _log_on_accounts(self, rows, tiers, source):
        """One chatter note per account of ``rows``: what it brought in.

        The notes are written in one statement, as ``mail.thread``'s
        ``_message_log_batch`` would write them (same author, subtype and
        values), without its per-message overhead: this runs for every
        customer of a file of any size."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        currency = self.company_id.currency_id
        separators = str.maketrans({",": lang.thousands_sep or "", ".": lang.decimal_point})

        def number(value, digits):
            # res.lang's separators (its format() is too slow for 100,000 notes)
            return f"{value:,.{digits}f}".translate(separators)

        def money(value):
            amount = number(value, currency.decimal_places)
            if currency.position == "before":
                return f"{currency.symbol}\N{NO-BREAK SPACE}{amount}"
            return f"{amount}\N{NO-BREAK SPACE}{currency.symbol}"

        texts = {
            "odoo": self.env._("Odoo loyalty card %(card)s: %(what)s"),
            "file": self.env._("Row %(row)s: %(what)s"),
            "expiring": self.env._("%(points)s points expiring after %(date)s"),
            "lasting": self.env._("%(points)s points that never expire"),
            "card": self.env._("card %(card)s"),
            "turnover": self.env._("turnover %(amount)s"),
            "visits": self.env._("%(visits)s visits"),
        }
        lines = defaultdict(list)
        for account_id, line, points, expiry, card, turnover, visits in rows:
            parts = []
            if points:
                points = number(points, POINTS_DIGITS[1])
                parts.append(
                    texts["expiring"]
                    % {"points": points, "date": expiry.strftime(lang.date_format)}
                    if expiry
                    else texts["lasting"] % {"points": points}
                )
            if card:
                parts.append(texts["card"] % {"card": card})
            if turnover:
                parts.append(texts["turnover"] % {"amount": money(turnover)})
            if visits:
                parts.append(texts["visits"] % {"visits": visits})
            what = ", ".join(parts) or "-"
            if self.source == "odoo_loyalty":
                lines[account_id].append(texts["odoo"] % {"card": line, "what": what})
            else:
                lines[account_id].append(texts["file"] % {"row": line, "what": what})
        title = self.env._("Opening figures imported from %(origin)s.", origin=source)
        tier_text = self.env._("Tier: %(tier)s")
        bodies = {}
        for account_id, notes in lines.items():
            body = Markup("<br/>").join(escape(text) for text in (title, *notes))
            tier = tiers.get(account_id)
            if tier:
                body += Markup("<br/>") + escape(tier_text % {"tier": tier.name})
            bodies[account_id] = body
        Account = self.env["loyalty.points.account"]
        author_id, email_from = Account._message_compute_author(raise_on_email=False)
        self.env["mail.message"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_message
                    (model, res_id, body, message_type, subtype_id, is_internal, author_id,
                     email_from, reply_to, message_id, email_add_signature, date,
                     create_uid, create_date, write_uid, write_date)
                SELECT %(model)s, note.res_id, note.body, 'notification', %(subtype)s, TRUE,
                       %(author)s, %(email_from)s, %(reply_to)s, %(message_id)s, FALSE,
                       %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(ids)s::int[], %(bodies)s::text[]) AS note(res_id, body)
                """,
                model=Account._name,
                subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
                author=author_id or None,
                email_from=email_from or None,
                reply_to=self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False]
                or None,
                message_id=generate_tracking_message_id("message-notify"),
                now=fields.Datetime.now(),
                uid=self.env.uid,
                ids=list(bodies),
                bodies=[str(body) for body in bodies.values()],
            )
        )
