"""Checking an import: the rows of the source parsed into the run's table,
their customers found, their problems listed, all in SQL but the parsing of
each cell (see :class:`LoyaltyPointsImport`)."""

from collections import defaultdict

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date

from odoo.addons.phone_validation.models.mail_thread_phone import PHONE_REGEX_PATTERN

from ..models.loyalty_points_account_card import CARD_NUMBER_RE
from ..tools import round_points
from ..tools.ean import EAN13_LENGTH, is_valid_ean13
from ..tools.import_file import (
    clean_text,
    normalize_email,
    parse_card_number,
    parse_date,
    parse_number,
    parse_whole,
    phone_keys,
)
from .loyalty_points_import import ODOO_CARD_IMPORT, ROW_COLUMNS, ROWS_TABLE


class LoyaltyPointsImport(models.TransientModel):
    _inherit = "loyalty.points.import"

    # ------------------------------------------------------------------
    # loading the rows

    def _insert_rows(self, rows):
        """Add parsed rows (tuples in ``ROW_COLUMNS`` order) to the table."""
        if not rows:
            return
        arrays = list(zip(*rows, strict=True))
        self.env.cr.execute(
            SQL(
                "INSERT INTO %(table)s (%(names)s) SELECT * FROM unnest(%(arrays)s)",
                table=SQL.identifier(ROWS_TABLE),
                names=SQL(", ").join(SQL.identifier(name) for name, _type in ROW_COLUMNS),
                arrays=SQL(", ").join(
                    SQL("%s::%s[]", list(values), SQL(sql_type))
                    for values, (_name, sql_type) in zip(arrays, ROW_COLUMNS, strict=True)
                ),
            )
        )

    def _load_file(self):
        """Parse the file's rows into the table, batch by batch.

        :return: [(row, message)] of the values that cannot be read
        """
        table = self._read_table()
        mapping = self._column_fields(table)
        today = fields.Date.context_today(self)
        context = {
            "mapping": mapping,
            "today": today,
            "default_expiry": self.company_id._loyalty_points_default_expiry(today) or None,
            "region": self.company_id.country_id.code,
        }
        problems = []
        batch = []
        count = 0
        for line, values in table.rows():
            row, row_problems = self._parse_row(line, values, context)
            batch.append(row)
            problems += row_problems
            count += 1
            if len(batch) >= self._import_batch_rows:
                self._insert_rows(batch)
                batch = []
                self._progress(self.env._("Checking"), count, table.size_hint)
        self._insert_rows(batch)
        if not count:
            raise UserError(
                self.env._(
                    "%(file)s has a header but no rows: there is nothing to import.",
                    file=self.filename or self.env._("The file"),
                )
            )
        return problems

    def _parse_row(self, line, values, context):
        """The row ``line`` of the file as a tuple of ``ROW_COLUMNS``, and its
        problems [(line, message)]."""
        mapping = context["mapping"]

        def cell(field):
            index = mapping.get(field)
            return values[index] if index is not None and index < len(values) else None

        problems = []

        def problem(message):
            problems.append((line, message))

        ref = clean_text(cell("customer_ref")) or None
        email_raw = clean_text(cell("email")) or None
        email = normalize_email(email_raw)
        phone_raw = clean_text(cell("phone")) or None
        phone, forms = phone_keys(phone_raw, context["region"])
        if not (ref or email or phone):
            problem(
                self.env._(
                    "Nothing to find the customer by: no reference, no valid e-mail, "
                    "no valid phone number."
                )
            )
        points = self._parse_amount(cell("points"), "points", problem) or 0.0
        expiry = None
        try:
            expiry = parse_date(cell("expiry_date"))
        except ValueError:
            if points:
                problem(
                    self.env._(
                        "The expiry date «%(value)s» is not a date: write it as 31.12.2026 "
                        "or 2026-12-31.",
                        value=clean_text(cell("expiry_date")),
                    )
                )
        if points and expiry and expiry < context["today"]:
            problem(
                self.env._(
                    "The expiry date %(date)s is in the past: these points have expired.",
                    date=format_date(self.env, expiry),
                )
            )
        turnover = self._parse_amount(cell("turnover"), "turnover", problem)
        visits = None
        try:
            visits = parse_whole(cell("visits"))
            if visits is not None and visits < 0:
                raise ValueError(visits)
        except ValueError:
            visits = None
            problem(
                self.env._(
                    "The visits «%(value)s» are not a whole number of zero or more.",
                    value=clean_text(cell("visits")),
                )
            )
        card = parse_card_number(cell("card_number"))
        if card:
            card_problem = self._card_number_problem(card)
            if card_problem:
                problem(card_problem)
        row = (
            line,
            ref,
            email,
            email_raw,
            phone,
            phone_raw,
            " ".join(forms) or None,
            clean_text(cell("name")) or None,
            round_points(points),
            expiry or context["default_expiry"],
            card,
            turnover,
            visits,
        )
        return row, problems

    def _parse_amount(self, value, field, problem):
        """A number of zero or more from a cell of ``field`` (points,
        turnover); None when empty or wrong (then ``problem`` is told)."""
        try:
            number = parse_number(value)
        except ValueError:
            text = clean_text(value)
            problem(
                self.env._("The points «%(value)s» are not a number.", value=text)
                if field == "points"
                else self.env._("The turnover «%(value)s» is not a number.", value=text)
            )
            return None
        if number is not None and number < 0:
            text = clean_text(value)
            problem(
                self.env._("The points cannot be negative (%(value)s).", value=text)
                if field == "points"
                else self.env._("The turnover cannot be negative (%(value)s).", value=text)
            )
            return None
        return number

    def _card_number_problem(self, number):
        """What is wrong with the form of a card number, as the card model
        checks it (``_loyalty_points_check_card_number``), or None. Whether it
        is taken is checked for all rows at once (:meth:`_find_problems`)."""
        if not CARD_NUMBER_RE.match(number):
            return self.env._(
                "The card number %(number)s is not valid: use 4 to 32 letters, digits or "
                "dashes.",
                number=number,
            )
        if number.isdigit() and len(number) == EAN13_LENGTH and not is_valid_ean13(number):
            return self.env._(
                "The card number %(number)s has a wrong check digit: it is not a valid "
                "EAN-13 barcode.",
                number=number,
            )
        return None

    def _mark_imported_rows(self):
        """Rows whose key is booked already are done: imported before, never
        again (and not checked again)."""
        self.env["loyalty.points.opening"].flush_model(["import_key"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s AS row SET done = TRUE
                 WHERE EXISTS (SELECT 1 FROM loyalty_points_opening AS opening
                                WHERE opening.import_key = %(key)s)
                """,
                table=SQL.identifier(ROWS_TABLE),
                key=self._row_key_sql(),
            )
        )

    def _drop_imported(self, problems):
        """``problems`` without those of rows imported before."""
        if not problems:
            return problems
        self.env.cr.execute(SQL("SELECT line FROM %s WHERE done", SQL.identifier(ROWS_TABLE)))
        done = {row[0] for row in self.env.cr.fetchall()}
        return [problem for problem in problems if problem[0] not in done]

    # ------------------------------------------------------------------
    # matching the customers

    def _partner_visible_sql(self):
        return SQL(
            "partner.active AND (partner.company_id IS NULL OR partner.company_id = %s)",
            self.company_id.id,
        )

    def _match_customers(self):
        """Find each row's customer: by reference, else by e-mail (case does
        not count), else by phone (normalised against the customer's country,
        else the company's). The first of these that finds someone decides:
        one commercial partner is the row's customer, several are a problem.
        Set-based: one statement per way (and one for the contacts' other
        phone numbers)."""
        if self.source == "odoo_loyalty":
            return
        self.env["res.partner"].flush_model(
            [
                "ref",
                "email_normalized",
                "phone_sanitized",
                "phone",
                "mobile",
                "active",
                "company_id",
                "commercial_partner_id",
            ]
        )
        for matched_by, condition in (
            ("ref", SQL("partner.ref = row.ref")),
            ("email", SQL("partner.email_normalized = row.email")),
            ("phone", SQL("partner.phone_sanitized = row.phone")),
        ):
            self.env.cr.execute(
                SQL(
                    """
                    WITH found AS (
                        SELECT row.line,
                               array_agg(DISTINCT partner.commercial_partner_id) AS partners
                          FROM %(table)s AS row
                          JOIN res_partner AS partner ON %(condition)s
                         WHERE NOT row.done AND row.candidates IS NULL AND %(visible)s
                      GROUP BY row.line
                    )
                    UPDATE %(table)s AS row
                       SET candidates = found.partners, matched_by = %(matched_by)s,
                           partner_id = CASE WHEN cardinality(found.partners) = 1
                                             THEN found.partners[1] END
                      FROM found
                     WHERE found.line = row.line
                    """,
                    table=SQL.identifier(ROWS_TABLE),
                    condition=condition,
                    visible=self._partner_visible_sql(),
                    matched_by=matched_by,
                )
            )
        self._match_other_phones()

    def _match_other_phones(self):
        """The contacts a row's phone finds besides their sanitized number
        (``phone_sanitized`` holds one of a contact's phone and mobile): those
        whose phone or mobile, once spaces and punctuation are out, is one of
        the row's forms (the indexes of ``phone_validation``), confirmed by
        normalising their number against their own country, else the
        company's. They join the customers the row's phone found."""
        self.env.cr.execute(
            SQL(
                """
                WITH wanted AS (
                    SELECT row.line, row.phone,
                           unnest(string_to_array(row.phone_forms, ' ')) AS form
                      FROM %(table)s AS row
                     WHERE NOT row.done AND row.phone IS NOT NULL
                       AND (row.candidates IS NULL OR row.matched_by = 'phone')
                )
                SELECT wanted.line, wanted.phone, partner.id, partner.commercial_partner_id
                  FROM wanted
                  JOIN res_partner AS partner
                    ON regexp_replace(partner.phone, %(pattern)s, '', 'g') = wanted.form
                 WHERE partner.phone IS NOT NULL AND %(visible)s
                   AND partner.phone_sanitized IS DISTINCT FROM wanted.phone
                 UNION
                SELECT wanted.line, wanted.phone, partner.id, partner.commercial_partner_id
                  FROM wanted
                  JOIN res_partner AS partner
                    ON regexp_replace(partner.mobile, %(pattern)s, '', 'g') = wanted.form
                 WHERE partner.mobile IS NOT NULL AND %(visible)s
                   AND partner.phone_sanitized IS DISTINCT FROM wanted.phone
                """,
                table=SQL.identifier(ROWS_TABLE),
                visible=self._partner_visible_sql(),
                pattern=PHONE_REGEX_PATTERN,
            )
        )
        candidates = self.env.cr.fetchall()
        confirmed = self._confirm_phones(
            {row[2] for row in candidates}, {row[1] for row in candidates}
        )
        pairs = {
            (line, commercial_id)
            for line, phone, partner_id, commercial_id in candidates
            if phone in confirmed.get(partner_id, ())
        }
        if not pairs:
            return
        lines, partners = zip(*pairs, strict=True)
        self.env.cr.execute(
            SQL(
                """
                WITH found AS (
                    SELECT line, array_agg(partner) AS partners
                      FROM unnest(%(lines)s::int[], %(partners)s::int[]) AS pair(line, partner)
                  GROUP BY line
                ), merged AS (
                    SELECT found.line, ARRAY(
                               SELECT DISTINCT unnest(COALESCE(row.candidates, '{}')
                                                      || found.partners)
                           ) AS partners
                      FROM found JOIN %(table)s AS row ON row.line = found.line
                )
                UPDATE %(table)s AS row
                   SET candidates = merged.partners, matched_by = 'phone',
                       partner_id = CASE WHEN cardinality(merged.partners) = 1
                                         THEN merged.partners[1] END
                  FROM merged
                 WHERE merged.line = row.line
                """,
                table=SQL.identifier(ROWS_TABLE),
                lines=list(lines),
                partners=list(partners),
            )
        )

    def _confirm_phones(self, partner_ids, numbers):
        """{partner id: {E.164 numbers of its phone and mobile}} among
        ``numbers``, normalised against the partner's country, else the
        company's."""
        confirmed = defaultdict(set)
        partners = self.env["res.partner"].sudo().with_company(self.company_id).browse(partner_ids)
        for partner in partners:
            for fname in ("phone", "mobile"):
                if partner[fname]:
                    number = partner._phone_format(fname=fname)
                    if number in numbers:
                        confirmed[partner.id].add(number)
        return confirmed

    # ------------------------------------------------------------------
    # the problems of the rows

    def _find_problems(self):
        """[(row, message)]: what is wrong with the rows, found in SQL: no
        customer (unless they are created), several, the same one twice, a
        card number twice or taken, a customer imported from another file."""
        problems = []
        problems += self._problems_unknown_customers()
        problems += self._problems_ambiguous_customers()
        if self.source == "file":
            problems += self._problems_same_customer()
            problems += self._problems_cards()
            problems += self._problems_imported_elsewhere()
        return problems

    def _problems_unknown_customers(self):
        if self.create_missing or self.source != "file":
            return []
        rows = self._fetch(
            """
            SELECT line, ref, email_raw, phone_raw FROM %(table)s
             WHERE NOT done AND candidates IS NULL
               AND (ref IS NOT NULL OR email IS NOT NULL OR phone IS NOT NULL)
            """
        )
        problems = []
        for line, ref, email, phone in rows:
            keys = []
            if ref:
                keys.append(self.env._("reference «%(ref)s»", ref=ref))
            if email:
                keys.append(self.env._("e-mail «%(email)s»", email=email))
            if phone:
                keys.append(self.env._("phone «%(phone)s»", phone=phone))
            problems.append(
                (line, self.env._("No customer found by %(keys)s.", keys=", ".join(keys)))
            )
        return problems

    def _problems_ambiguous_customers(self):
        rows = self._fetch(
            """
            SELECT line, matched_by, candidates FROM %(table)s
             WHERE NOT done AND cardinality(candidates) > 1
            """
        )
        names = self._partner_names({pid for _l, _m, ids in rows for pid in ids[:3]})
        problems = []
        for line, matched_by, ids in rows:
            customers = ", ".join(names[pid] for pid in ids[:3]) + (", …" if len(ids) > 3 else "")
            if matched_by == "ref":
                message = self.env._(
                    "%(count)s customers have this reference: %(customers)s. Merge them, or "
                    "give them their own references.",
                    count=len(ids),
                    customers=customers,
                )
            elif matched_by == "email":
                message = self.env._(
                    "%(count)s customers have this e-mail: %(customers)s. Give the row a "
                    "reference, or merge the customers.",
                    count=len(ids),
                    customers=customers,
                )
            else:
                message = self.env._(
                    "%(count)s customers have this phone number: %(customers)s. Give the row "
                    "a reference, or merge the customers.",
                    count=len(ids),
                    customers=customers,
                )
            problems.append((line, message))
        return problems

    def _problems_same_customer(self):
        """A customer in two rows: found twice, or to be created twice (the
        same reference, e-mail or phone)."""
        rows = self._fetch(
            """
            SELECT line, MIN(first_line) FROM (
                SELECT line, MIN(line) OVER (PARTITION BY partner_id) AS first_line
                  FROM %(table)s WHERE NOT done AND partner_id IS NOT NULL
                 UNION ALL
                SELECT line, MIN(line) OVER (PARTITION BY ref) FROM %(table)s
                 WHERE %(create)s AND NOT done AND candidates IS NULL AND ref IS NOT NULL
                 UNION ALL
                SELECT line, MIN(line) OVER (PARTITION BY email) FROM %(table)s
                 WHERE %(create)s AND NOT done AND candidates IS NULL AND email IS NOT NULL
                 UNION ALL
                SELECT line, MIN(line) OVER (PARTITION BY phone) FROM %(table)s
                 WHERE %(create)s AND NOT done AND candidates IS NULL AND phone IS NOT NULL
            ) AS twice
             WHERE first_line < line
          GROUP BY line
            """,
            create=self.create_missing,
        )
        if not rows:
            return []
        partners = dict(
            self._fetch(
                "SELECT line, partner_id FROM %(table)s WHERE line = ANY(%(lines)s)",
                lines=[line for line, _first in rows],
            )
        )
        names = self._partner_names(set(partners.values()) - {None})
        return [
            (
                line,
                self.env._(
                    "The same customer as row %(row)s: %(customer)s.",
                    row=first,
                    customer=names[partners[line]],
                )
                if partners[line]
                else self.env._("The same customer as row %(row)s.", row=first),
            )
            for line, first in rows
        ]

    def _problems_cards(self):
        """A card number twice in the file, of someone else (active or
        blocked), blocked, or the customer has another active card."""
        problems = [
            (
                line,
                self.env._(
                    "The card number %(number)s is in row %(row)s too.", number=number, row=first
                ),
            )
            for line, number, first in self._fetch(
                """
                SELECT line, card_number, first_line FROM (
                    SELECT line, card_number,
                           MIN(line) OVER (PARTITION BY card_number) AS first_line
                      FROM %(table)s WHERE NOT done AND card_number IS NOT NULL
                ) AS card WHERE first_line < line
                """
            )
        ]
        self.env["loyalty.points.card"].flush_model(["number", "company_id", "state", "account_id"])
        taken = self._fetch(
            """
            SELECT row.line, card.number, card.state, account.partner_id,
                   account.partner_id IS NOT DISTINCT FROM row.partner_id
              FROM %(table)s AS row
              JOIN loyalty_points_card AS card
                ON card.number = row.card_number AND card.company_id = %(company)s
              JOIN loyalty_points_account AS account ON account.id = card.account_id
             WHERE NOT row.done
            """,
            company=self.company_id.id,
        )
        names = self._partner_names({row[3] for row in taken})
        for line, number, state, partner_id, own in taken:
            if not own:
                problems.append(
                    (
                        line,
                        self.env._(
                            "The card number %(number)s belongs to %(customer)s.",
                            number=number,
                            customer=names[partner_id],
                        ),
                    )
                )
            elif state != "active":
                problems.append(
                    (
                        line,
                        self.env._(
                            "The card %(number)s of this customer is blocked.", number=number
                        ),
                    )
                )
        other = self._fetch(
            """
            SELECT row.line, card.number
              FROM %(table)s AS row
              JOIN loyalty_points_account AS account
                ON account.partner_id = row.partner_id AND account.company_id = %(company)s
              JOIN loyalty_points_card AS card
                ON card.account_id = account.id AND card.state = 'active'
             WHERE NOT row.done AND row.card_number IS NOT NULL AND card.number <> row.card_number
            """,
            company=self.company_id.id,
        )
        problems += [
            (
                line,
                self.env._(
                    "The customer already has the loyalty card %(card)s: block it first, or "
                    "leave the card number empty.",
                    card=number,
                ),
            )
            for line, number in other
        ]
        return problems

    def _problems_imported_elsewhere(self):
        """A customer who got opening figures from another file already."""
        self.env["loyalty.points.opening"].flush_model(["import_key", "account_id", "source"])
        Entry = self.env["loyalty.points.entry"]
        rows = self._fetch(
            """
            SELECT DISTINCT ON (row.line) row.line, opening.source, opening.date
              FROM %(table)s AS row
              JOIN loyalty_points_account AS account
                ON account.partner_id = row.partner_id AND account.company_id = %(company)s
              JOIN loyalty_points_opening AS opening ON opening.account_id = account.id
             WHERE NOT row.done AND opening.import_key NOT LIKE %(own)s
               AND opening.import_key NOT LIKE %(odoo)s
          ORDER BY row.line, opening.id
            """,
            company=self.company_id.id,
            # the keys of this file's rows and of Odoo cards
            own=Entry._key("import", self._import_ref(), "%"),
            odoo=Entry._key("import", ODOO_CARD_IMPORT, "%"),
        )
        return [
            (
                line,
                self.env._(
                    "The customer's balance was imported from %(file)s on %(date)s already.",
                    file=source,
                    date=format_date(self.env, day),
                ),
            )
            for line, source, day in rows
        ]

    def _partner_names(self, partner_ids):
        partners = self.env["res.partner"].sudo().browse(partner_ids)
        return {partner.id: partner.display_name for partner in partners}

    def _read_figures(self):
        (
            row_count,
            skipped,
            by_ref,
            by_email,
            by_phone,
            by_odoo,
            to_create,
            points,
            cards,
        ) = self._fetch(
            """
            SELECT COUNT(*) FILTER (WHERE NOT done),
                   COUNT(*) FILTER (WHERE done),
                   COUNT(partner_id) FILTER (WHERE NOT done AND matched_by = 'ref'),
                   COUNT(partner_id) FILTER (WHERE NOT done AND matched_by = 'email'),
                   COUNT(partner_id) FILTER (WHERE NOT done AND matched_by = 'phone'),
                   COUNT(partner_id) FILTER (WHERE NOT done AND matched_by = 'odoo'),
                   COUNT(*) FILTER (WHERE NOT done AND candidates IS NULL
                                     AND partner_id IS NULL),
                   COALESCE(SUM(points) FILTER (WHERE NOT done), 0),
                   COUNT(card_number) FILTER (WHERE NOT done)
              FROM %(table)s
            """
        )[0]
        return {
            "row_count": row_count,
            "skipped_count": skipped,
            "matched_ref_count": by_ref,
            "matched_email_count": by_email,
            "matched_phone_count": by_phone,
            "matched_odoo_count": by_odoo,
            "create_count": to_create if self.create_missing else 0,
            "points_total": float(points),
            "value_total": self.company_id.currency_id.round(
                float(points) * self.company_id.loyalty_points_value
            ),
            "card_count": cards,
        }
