import base64
import binascii
import hashlib
import logging
import time
from collections import defaultdict

from markupsafe import Markup, escape

import odoo
from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_amount, format_date, formatLang
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.phone_validation.models.mail_thread_phone import PHONE_REGEX_PATTERN

from ..models.loyalty_points_account_card import CARD_NUMBER_RE
from ..tools import POINTS_DIGITS, round_points
from ..tools.ean import EAN13_LENGTH, is_valid_ean13
from ..tools.import_file import (
    MATCH_FIELDS,
    ImportFileError,
    auto_mapping,
    clean_text,
    normalize_email,
    parse_card_number,
    parse_date,
    parse_number,
    parse_whole,
    phone_keys,
    read_table,
)

_logger = logging.getLogger(__name__)

# Rows parsed, then booked, per batch: memory holds one batch, never the file's rows.
BATCH_ROWS = 5000
# Problems kept for the owner to read (all are counted), and named by a refused import.
LISTED_PROBLEMS = 1000
RAISED_PROBLEMS = 20
# Files with more rows are imported by the background job (ir_cron_import).
BACKGROUND_ROWS = 20000
# Where the rows of one run wait (a temporary table, dropped at the end of the transaction).
ROWS_TABLE = "loyalty_points_import_row"
# The <import> part of the keys of lots converted from Odoo's loyalty cards.
ODOO_CARD_IMPORT = "odoo-card"
TEMPLATE_URL = "/loyalty_points/static/import/loyalty_points_import_template.csv"
# The columns of ROWS_TABLE a parsed row fills, and their SQL types.
ROW_COLUMNS = (
    ("line", "int"),
    ("ref", "varchar"),
    ("email", "varchar"),
    ("email_raw", "varchar"),
    ("phone", "varchar"),
    ("phone_raw", "varchar"),
    ("phone_forms", "varchar"),
    ("name", "varchar"),
    ("points", "numeric"),
    ("expiry_date", "date"),
    ("card_number", "varchar"),
    ("turnover", "numeric"),
    ("visits", "int"),
)


def column_letter(index):
    """The spreadsheet letter of the column at ``index`` (0: "A", 26: "AA")."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class LoyaltyPointsImport(models.TransientModel):
    """Switching in: the balances, expiry dates, cards, turnover and visits of
    customers, from another system's export (CSV or XLSX) or from Odoo's own
    loyalty program (``loyalty``, when installed), booked once.

    **Check** (:meth:`action_check`) is a dry run that lists every row's
    problem; **Import** (:meth:`action_import`) books all rows or none. Both
    work set-based: the rows are parsed batch by batch into a temporary
    table, the customers are matched and the rows checked in SQL, and each
    batch is booked through the ledger's bulk path
    (``loyalty.points.entry._post_opening_lots``), so memory holds one batch
    whatever the file's size.
    """

    _name = "loyalty.points.import"
    _description = "Import Loyalty Balances"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    source = fields.Selection(
        selection="_selection_source",
        required=True,
        default="file",
        help="A file exported from another system, or the cards of Odoo's own loyalty " "program.",
    )
    file = fields.Binary(attachment=False, help="A CSV (comma or semicolon) or XLSX file.")
    filename = fields.Char()
    create_missing = fields.Boolean(
        string="Create Missing Customers",
        help="Create the customers no row matches, with the row's name, e-mail, phone "
        "and reference. Otherwise such a row is a problem.",
    )
    odoo_program_model = fields.Char(default="loyalty.program", readonly=True)
    odoo_program_id = fields.Many2oneReference(
        string="Odoo Loyalty Program",
        model_field="odoo_program_model",
        help="The loyalty program of Odoo's Loyalty app whose cards' points are converted.",
    )
    conversion_rate = fields.Float(
        default=1.0,
        digits=(16, 4),
        help="Points given for one point of Odoo's program (1: one for one).",
    )
    archive_odoo_program = fields.Boolean(
        string="Archive Odoo's Program",
        help="Archive Odoo's program once its points are converted, so that the till "
        "shows one loyalty system.",
    )
    column_ids = fields.One2many(
        "loyalty.points.import.column",
        "wizard_id",
        string="Columns",
        compute="_compute_column_ids",
        store=True,
        readonly=False,
    )
    ignored_columns = fields.Char(compute="_compute_ignored_columns")

    state = fields.Selection(
        [
            ("draft", "New"),
            ("checked", "Checked"),
            ("queued", "Importing in the Background"),
            ("done", "Imported"),
            ("failed", "Refused"),
        ],
        required=True,
        default="draft",
        readonly=True,
    )
    problem_ids = fields.One2many(
        "loyalty.points.import.problem", "wizard_id", string="Problems", readonly=True
    )
    problem_count = fields.Integer(readonly=True)
    row_count = fields.Integer(string="Rows", readonly=True)
    skipped_count = fields.Integer(string="Imported Before", readonly=True)
    matched_ref_count = fields.Integer(string="Found by Reference", readonly=True)
    matched_email_count = fields.Integer(string="Found by E-mail", readonly=True)
    matched_phone_count = fields.Integer(string="Found by Phone", readonly=True)
    matched_odoo_count = fields.Integer(string="Odoo Cards", readonly=True)
    create_count = fields.Integer(string="New Customers", readonly=True)
    points_total = fields.Float(string="Points", digits=POINTS_DIGITS, readonly=True)
    value_total = fields.Monetary(string="Value", currency_field="currency_id", readonly=True)
    card_count = fields.Integer(string="Cards", readonly=True)
    left_out_count = fields.Integer(
        string="Cards Left Out",
        readonly=True,
        help="Cards of Odoo's program with points but without a customer, or expired.",
    )
    summary = fields.Text(compute="_compute_summary")

    @api.model
    def _selection_source(self):
        sources = [("file", self.env._("A file (CSV or XLSX)"))]
        if "loyalty.program" in self.env:
            sources.append(("odoo_loyalty", self.env._("Odoo's Loyalty program")))
        return sources

    @api.depends("file", "source")
    def _compute_column_ids(self):
        for wizard in self:
            commands = [Command.clear()]
            table = wizard._read_table(quiet=True) if wizard.source == "file" else None
            if table:
                first = next(table.rows(), (0, []))[1]
                mapping = auto_mapping(table.headers)
                commands += [
                    Command.create(
                        {
                            "index": index,
                            "letter": column_letter(index),
                            "header": header,
                            "sample": clean_text(first[index])[:60] if index < len(first) else "",
                            "field": field or False,
                        }
                    )
                    for index, (header, field) in enumerate(
                        zip(table.headers, mapping, strict=True)
                    )
                ]
            wizard.column_ids = commands

    @api.depends("column_ids.field", "column_ids.header")
    def _compute_ignored_columns(self):
        for wizard in self:
            ignored = wizard.column_ids.filtered(lambda column: column.field == "ignore")
            wizard.ignored_columns = ", ".join(
                f"{column.letter} «{column.header}»" for column in ignored
            )

    @api.depends(
        "state",
        "row_count",
        "skipped_count",
        "problem_count",
        "create_count",
        "points_total",
        "card_count",
    )
    def _compute_summary(self):
        for wizard in self:
            wizard.summary = wizard._summary_text() if wizard.state != "draft" else False

    @api.constrains("conversion_rate")
    def _check_conversion_rate(self):
        if any(wizard.conversion_rate <= 0 for wizard in self):
            raise ValidationError(self.env._("The conversion rate must be positive."))

    # ------------------------------------------------------------------
    # actions

    def action_check(self):
        """Dry run: match, check and count every row; book nothing."""
        self.ensure_one()
        self._run(book=False)
        return self._action_reopen()

    def action_import(self):
        """Book every row, or none: any problem refuses the whole file and
        names its rows. Large files go to the background job."""
        self.ensure_one()
        self._check_rights()
        if self._goes_to_background():
            self.write({"state": "queued"})
            self.env.ref("loyalty_points.ir_cron_import").sudo()._trigger()
            return self._action_reopen()
        problems, count = self._run(book=True)
        if count:
            raise UserError(self._problems_error(problems, count))
        return self._action_reopen()

    def action_download_template(self):
        return {"type": "ir.actions.act_url", "url": TEMPLATE_URL, "target": "download"}

    def action_open_openings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "loyalty_points.loyalty_points_opening_action"
        )
        action["domain"] = [("company_id", "=", self.company_id.id)]
        return action

    def _action_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "views": [(False, "form")],
            "target": "new",
            "name": self.env._("Import Balances"),
        }

    @api.model
    def _cron_import(self):
        """The background job: imports one queued file (all of it or none, in
        one transaction), then says how many are left."""
        wizard = self.sudo().search([("state", "=", "queued")], order="id", limit=1)
        if wizard:
            owner = wizard.with_user(wizard.create_uid).with_company(wizard.company_id)
            try:
                with self.env.cr.savepoint():
                    problems, count = owner._run(book=True)
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise
            except Exception as error:  # refused, rolled back, told
                _logger.exception("loyalty import %s failed", wizard.id)
                problems, count = [(0, str(error))], 1
                self.env.invalidate_all()
            if count:
                wizard._write_problems(problems, count)
                wizard.write({"state": "failed"})
            owner._notify_owner_done()
        left = self.sudo().search_count([("state", "=", "queued")])
        self.env["ir.cron"]._notify_progress(done=1 if wizard else 0, remaining=left)

    # ------------------------------------------------------------------
    # one run: load, match, check, book

    def _run(self, book):
        """Check the source and, when ``book`` and nothing is wrong, import it.

        :return: ``(problems, count)``: the first problems found ([(row,
            message)], row 0 being the whole file) and how many there are
        :raises UserError: the file cannot be read or mapped, or has no rows
        """
        self.ensure_one()
        self._check_rights()
        started = time.perf_counter()
        self._create_rows_table()
        if self.source == "odoo_loyalty":
            program = self._get_odoo_program()
            problems = self._load_odoo_cards(program)
        else:
            program = None
            problems = self._load_file()
        self._mark_imported_rows()
        self._match_customers()
        problems = self._drop_imported(problems) + self._find_problems()
        figures = self._read_figures()
        problems.sort(key=lambda problem: problem[0])
        if problems or not book:
            self._write_figures(figures, "checked")
            self._write_problems(problems, len(problems))
            return problems[:LISTED_PROBLEMS], len(problems)
        self._book_rows(figures["row_count"])
        if program and self.archive_odoo_program:
            program.action_archive()
        self._write_figures(figures, "done")
        self._write_problems([], 0)
        self.env.cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(ROWS_TABLE)))
        _logger.info(
            "loyalty import %s: %s rows booked in %.1f s",
            self.filename or program.display_name,
            figures["row_count"],
            time.perf_counter() - started,
        )
        return [], 0

    def _check_rights(self):
        """Only a POS manager imports, into one of their companies, a wizard
        they made."""
        user = self.env.user
        if not self.env.su and not user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(
                self.env._("Only Point of Sale managers can import loyalty balances.")
            )
        if self.create_uid and self.create_uid != user and not self.env.su:
            raise AccessError(self.env._("This import belongs to another user."))
        if self.company_id not in user.company_ids:
            raise AccessError(
                self.env._(
                    "You cannot import loyalty balances into %(company)s.",
                    company=self.company_id.sudo().name,
                )
            )
        self.env["loyalty.points.account"].check_access("write")

    def _goes_to_background(self):
        if self.env.context.get("loyalty_points_import_now"):
            return False
        if self.source == "odoo_loyalty":
            program = self._get_odoo_program()
            return program.sudo().coupon_count > BACKGROUND_ROWS
        table = self._read_table()
        self._column_fields(table)  # a file that cannot be mapped is refused now
        return table.size_hint > BACKGROUND_ROWS

    # ------------------------------------------------------------------
    # the source

    def _file_bytes(self):
        value = self.with_context(bin_size=False).file
        if not value:
            return b""
        try:
            return base64.b64decode(value)
        except (binascii.Error, ValueError):
            return b""

    def _file_digest(self):
        """What the keys of this file's rows start with: its content's."""
        return hashlib.sha256(self._file_bytes()).hexdigest()[:20]

    def _read_table(self, quiet=False):
        """The file's table; ``quiet``: None when it cannot be read.

        :raises UserError: the file is missing, empty, or not CSV/XLSX
        """
        data = self._file_bytes()
        try:
            if not data and not quiet:
                raise ImportFileError("empty")
            return read_table(data, self.filename) if data else None
        except ImportFileError as error:
            if quiet:
                return None
            raise UserError(self._file_error(error)) from error

    def _file_error(self, error):
        name = self.filename or self.env._("The file")
        messages = {
            "empty": self.env._("%(file)s is empty: there is nothing to import.", file=name),
            "not_table": self.env._(
                "%(file)s is not a CSV or XLSX file: export the balances as CSV (comma or "
                "semicolon separated) or as an Excel workbook (.xlsx).",
                file=name,
            ),
            "xls": self.env._(
                "%(file)s is an Excel 97-2003 workbook (.xls): save it as .xlsx or .csv "
                "and import that.",
                file=name,
            ),
            "xlsx": self.env._(
                "%(file)s cannot be read as an Excel workbook (%(error)s).",
                file=name,
                error=error.params.get("error", ""),
            ),
            "csv": self.env._(
                "%(file)s cannot be read as CSV (%(error)s).",
                file=name,
                error=error.params.get("error", ""),
            ),
        }
        return messages[error.code]

    def _column_fields(self, table):
        """{field: column index} of the confirmed mapping.

        :raises UserError: a column nobody knows and the owner did not
            ignore, a field in two columns, no points column, no column to
            find the customer by
        """
        columns = self.column_ids.sorted("index")
        if [column.header for column in columns] != table.headers[: len(columns)] or len(
            columns
        ) != len(table.headers):
            # the file changed after the mapping was made: map it again
            self._compute_column_ids()
            columns = self.column_ids.sorted("index")
        unknown = columns.filtered(lambda column: not column.field)
        if unknown:
            raise UserError(
                self.env._(
                    "The import does not know what these columns hold: %(columns)s. "
                    "Choose their field in the mapping, or ignore them.",
                    columns=", ".join(
                        f"{column.letter} «{column.header or '?'}»" for column in unknown
                    ),
                )
            )
        mapping = {}
        labels = dict(
            self.env["loyalty.points.import.column"]
            ._fields["field"]
            ._description_selection(self.env)
        )
        for column in columns.filtered(lambda column: column.field != "ignore"):
            if column.field in mapping:
                raise UserError(
                    self.env._(
                        "Two columns hold the %(field)s: %(columns)s. Ignore one of them.",
                        field=labels[column.field],
                        columns=", ".join(
                            f"{other.letter} «{other.header}»"
                            for other in columns
                            if other.field == column.field
                        ),
                    )
                )
            mapping[column.field] = column.index
        if "points" not in mapping:
            raise UserError(
                self.env._(
                    "The file has no points column (its columns: %(headers)s). Name it "
                    "«points», or choose the column that holds the points in the mapping.",
                    headers=", ".join(f"«{header}»" for header in table.headers),
                )
            )
        if not any(field in mapping for field in MATCH_FIELDS):
            raise UserError(
                self.env._(
                    "The file needs a column to find the customers by: customer_ref, email "
                    "or phone."
                )
            )
        return mapping

    def _get_odoo_program(self):
        """The program of Odoo's Loyalty app to convert, checked.

        :raises UserError: the app is not installed, no program is chosen, or
            it is no loyalty program of this company the user may read
        """
        if "loyalty.program" not in self.env:
            raise UserError(self.env._("Odoo's Loyalty app is not installed."))
        program = self.env["loyalty.program"].browse(self.odoo_program_id).exists()
        if not program or self.odoo_program_model != "loyalty.program":
            raise UserError(self.env._("Choose the Odoo loyalty program to convert."))
        try:
            program.check_access("read")
        except AccessError as error:
            raise AccessError(
                self.env._("You cannot read the Odoo loyalty program you chose.")
            ) from error
        if program.company_id and program.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "%(program)s belongs to %(company)s, not to %(target)s.",
                    program=program.name,
                    company=program.company_id.name,
                    target=self.company_id.name,
                )
            )
        if program.program_type != "loyalty":
            raise UserError(
                self.env._(
                    "%(program)s is not a loyalty program: only the points of a loyalty "
                    "program's cards can be converted.",
                    program=program.name,
                )
            )
        if self.archive_odoo_program:
            program.check_access("write")
        return program

    # ------------------------------------------------------------------
    # loading the rows

    def _create_rows_table(self):
        columns = SQL(", ").join(
            SQL("%s %s", SQL.identifier(name), SQL(sql_type)) for name, sql_type in ROW_COLUMNS
        )
        self.env.cr.execute(
            SQL(
                """
                DROP TABLE IF EXISTS %(table)s;
                CREATE TEMPORARY TABLE %(table)s (
                    %(columns)s,
                    done boolean NOT NULL DEFAULT FALSE,
                    partner_id int,
                    matched_by varchar,
                    candidates int[],
                    account_id int,
                    PRIMARY KEY (line)
                ) ON COMMIT DROP
                """,
                table=SQL.identifier(ROWS_TABLE),
                columns=columns,
            )
        )

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
            if len(batch) >= BATCH_ROWS:
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

    def _parse_amount(self, value, what, problem):
        """A number of zero or more (points, turnover) from a cell; None when
        empty or wrong (then ``problem`` is told)."""
        labels = {"points": self.env._("points"), "turnover": self.env._("turnover")}
        try:
            number = parse_number(value)
        except ValueError:
            problem(
                self.env._(
                    "The %(what)s «%(value)s» is not a number.",
                    what=labels[what],
                    value=clean_text(value),
                )
            )
            return None
        if number is not None and number < 0:
            problem(
                self.env._(
                    "The %(what)s cannot be negative (%(value)s).",
                    what=labels[what],
                    value=clean_text(value),
                )
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

    def _load_odoo_cards(self, program):
        """The cards of Odoo's ``program`` with points, as rows of the table
        (the row is the card's id, its customer found already).

        :return: no problems: cards without a customer or expired are left
            out, and counted
        """
        today = fields.Date.context_today(self)
        default_expiry = self.company_id._loyalty_points_default_expiry(today)
        self.env["loyalty.card"].flush_model(
            ["program_id", "partner_id", "points", "expiration_date", "active"]
        )
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (line, partner_id, matched_by, points, expiry_date)
                SELECT card.id, partner.commercial_partner_id, 'odoo',
                       ROUND((card.points * %(rate)s)::numeric, %(digits)s),
                       COALESCE(card.expiration_date, %(default)s::date)
                  FROM loyalty_card AS card
                  JOIN res_partner AS partner ON partner.id = card.partner_id
                 WHERE card.program_id = %(program)s AND card.active
                   AND ROUND((card.points * %(rate)s)::numeric, %(digits)s) > 0
                   AND (card.expiration_date IS NULL OR card.expiration_date >= %(today)s)
                """,
                table=SQL.identifier(ROWS_TABLE),
                rate=self.conversion_rate,
                digits=POINTS_DIGITS[1],
                default=default_expiry or None,
                program=program.id,
                today=today,
            )
        )
        if not self.env.cr.rowcount:
            raise UserError(
                self.env._("No card of %(program)s has points to convert.", program=program.name)
            )
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*) FROM loyalty_card AS card
                 WHERE card.program_id = %(program)s AND card.active AND card.points > 0
                   AND (card.partner_id IS NULL OR card.expiration_date < %(today)s)
                """,
                program=program.id,
                today=today,
            )
        )
        self.left_out_count = self.env.cr.fetchone()[0]
        return []

    def _import_ref(self):
        """The <import> part of the keys of this run's lots."""
        return ODOO_CARD_IMPORT if self.source == "odoo_loyalty" else self._file_digest()

    def _row_key_sql(self):
        return self.env["loyalty.points.entry"]._key_sql(
            "import", SQL("%s", self._import_ref()), SQL("row.line::text")
        )

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
        one commercial partner is the row's customer, several are a problem."""
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
        self._match_by_phone()

    def _match_by_phone(self):
        """Rows not found yet, by phone: contacts whose sanitized number is
        the row's, or whose phone or mobile, once spaces and punctuation are
        out, is one of the row's forms (the indexes of ``phone_validation``);
        the latter are confirmed by normalising the contact's number against
        its own country, else the company's."""
        self.env.cr.execute(
            SQL(
                """
                WITH wanted AS (
                    SELECT row.line, row.phone,
                           unnest(string_to_array(row.phone_forms, ' ')) AS form
                      FROM %(table)s AS row
                     WHERE NOT row.done AND row.candidates IS NULL AND row.phone IS NOT NULL
                )
                SELECT row.line, row.phone, partner.id, partner.commercial_partner_id, TRUE
                  FROM %(table)s AS row
                  JOIN res_partner AS partner ON partner.phone_sanitized = row.phone
                 WHERE NOT row.done AND row.candidates IS NULL AND %(visible)s
                 UNION
                SELECT wanted.line, wanted.phone, partner.id, partner.commercial_partner_id, FALSE
                  FROM wanted
                  JOIN res_partner AS partner
                    ON regexp_replace(partner.phone, %(pattern)s, '', 'g') = wanted.form
                 WHERE partner.phone IS NOT NULL AND %(visible)s
                 UNION
                SELECT wanted.line, wanted.phone, partner.id, partner.commercial_partner_id, FALSE
                  FROM wanted
                  JOIN res_partner AS partner
                    ON regexp_replace(partner.mobile, %(pattern)s, '', 'g') = wanted.form
                 WHERE partner.mobile IS NOT NULL AND %(visible)s
                """,
                table=SQL.identifier(ROWS_TABLE),
                visible=self._partner_visible_sql(),
                pattern=PHONE_REGEX_PATTERN,
            )
        )
        candidates = self.env.cr.fetchall()
        to_confirm = {partner_id for _l, _p, partner_id, _c, exact in candidates if not exact}
        confirmed = self._confirm_phones(to_confirm, {row[1] for row in candidates})
        pairs = {
            (line, commercial_id)
            for line, phone, partner_id, commercial_id, exact in candidates
            if exact or phone in confirmed.get(partner_id, ())
        }
        if not pairs:
            return
        lines, partners = zip(*pairs, strict=True)
        self.env.cr.execute(
            SQL(
                """
                WITH found AS (
                    SELECT line, array_agg(DISTINCT partner) AS partners
                      FROM unnest(%(lines)s::int[], %(partners)s::int[]) AS pair(line, partner)
                  GROUP BY line
                )
                UPDATE %(table)s AS row
                   SET candidates = found.partners, matched_by = 'phone',
                       partner_id = CASE WHEN cardinality(found.partners) = 1
                                         THEN found.partners[1] END
                  FROM found
                 WHERE found.line = row.line
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
    # checking

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

    def _fetch(self, query, **params):
        self.env.cr.execute(SQL(query, table=SQL.identifier(ROWS_TABLE), **params))
        return self.env.cr.fetchall()

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
        labels = {
            "ref": self.env._("reference"),
            "email": self.env._("e-mail"),
            "phone": self.env._("phone"),
        }
        names = self._partner_names({pid for _l, _m, ids in rows for pid in ids[:3]})
        return [
            (
                line,
                self.env._(
                    "%(count)s customers have its %(key)s: %(customers)s. Give the row a "
                    "reference, or merge the customers.",
                    count=len(ids),
                    key=labels[matched_by],
                    customers=", ".join(names[pid] for pid in ids[:3])
                    + (", …" if len(ids) > 3 else ""),
                ),
            )
            for line, matched_by, ids in rows
        ]

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
        return [
            (line, self.env._("The same customer as row %(row)s.", row=first))
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
            own=f"import:{self._import_ref()}:%",
            odoo=f"import:{ODOO_CARD_IMPORT}:%",
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

    def _write_figures(self, figures, state):
        self.write({**figures, "state": state})

    def _write_problems(self, problems, count):
        self.problem_ids.unlink()
        self.env["loyalty.points.import.problem"].create(
            [
                {"wizard_id": self.id, "line": line, "message": message}
                for line, message in problems[:LISTED_PROBLEMS]
            ]
        )
        self.problem_count = count

    def _problems_error(self, problems, count):
        lines = [
            self.env._("Row %(row)s: %(problem)s", row=line, problem=message) if line else message
            for line, message in problems[:RAISED_PROBLEMS]
        ]
        if count > RAISED_PROBLEMS:
            lines.append(
                self.env._(
                    "… and %(count)s more: Check lists them all.", count=count - RAISED_PROBLEMS
                )
            )
        return "\n".join(
            [
                self.env._(
                    "Nothing was imported: %(count)s problems in %(file)s.",
                    count=count,
                    file=self.filename or self.env._("the file"),
                ),
                *lines,
            ]
        )

    # ------------------------------------------------------------------
    # booking

    def _book_rows(self, total):
        """Book the checked rows: the missing customers and accounts, then
        batch after batch the opening lots (through the ledger), the opening
        figures, the cards, the tiers and a chatter message per account."""
        self._create_customers()
        self._link_accounts()
        lines = [
            row[0] for row in self._fetch("SELECT line FROM %(table)s WHERE NOT done ORDER BY line")
        ]
        done = 0
        for start in range(0, len(lines), BATCH_ROWS):
            batch = lines[start : start + BATCH_ROWS]
            self._book_batch(batch)
            done += len(batch)
            self._progress(self.env._("Importing"), done, total)
            # memory stays flat: nothing of a booked batch is kept
            self.env.invalidate_all()

    def _create_customers(self):
        """Create the customers no row found (``create_missing``), batch by batch."""
        if not self.create_missing or self.source != "file":
            return
        rows = self._fetch(
            """
            SELECT line, name, email_raw, phone_raw, ref FROM %(table)s
             WHERE NOT done AND candidates IS NULL ORDER BY line
            """
        )
        Partner = (
            self.env["res.partner"]
            .sudo()
            .with_context(
                tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
            )
        )
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            partners = Partner.create(
                [
                    {
                        "name": name or email or phone or ref,
                        "email": email or False,
                        "phone": phone or False,
                        "ref": ref or False,
                    }
                    for _line, name, email, phone, ref in batch
                ]
            )
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE %(table)s AS row SET partner_id = new.partner_id, matched_by = 'new'
                      FROM unnest(%(lines)s::int[], %(partners)s::int[]) AS new(line, partner_id)
                     WHERE row.line = new.line
                    """,
                    table=SQL.identifier(ROWS_TABLE),
                    lines=[row[0] for row in batch],
                    partners=partners.ids,
                )
            )

    def _link_accounts(self):
        """Give each row its customer's account in the company (created when
        missing)."""
        Account = self.env["loyalty.points.account"]
        partner_ids = [
            row[0]
            for row in self._fetch(
                """
                SELECT DISTINCT row.partner_id FROM %(table)s AS row
                 WHERE NOT row.done AND NOT EXISTS (
                       SELECT 1 FROM loyalty_points_account AS account
                        WHERE account.partner_id = row.partner_id
                          AND account.company_id = %(company)s)
                """,
                company=self.company_id.id,
            )
        ]
        Partner = self.env["res.partner"].sudo()
        for start in range(0, len(partner_ids), BATCH_ROWS):
            Account._get_or_create(
                Partner.browse(partner_ids[start : start + BATCH_ROWS]), self.company_id
            )
        self.env.cr.execute(
            SQL(
                """
                UPDATE %(table)s AS row SET account_id = account.id
                  FROM loyalty_points_account AS account
                 WHERE account.partner_id = row.partner_id AND account.company_id = %(company)s
                   AND NOT row.done
                """,
                table=SQL.identifier(ROWS_TABLE),
                company=self.company_id.id,
            )
        )

    def _book_batch(self, lines):
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
        )
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

    def _source_label(self):
        if self.source == "odoo_loyalty":
            program = self.env["loyalty.program"].browse(self.odoo_program_id)
            return self.env._("Odoo loyalty program %(program)s", program=program.sudo().name)
        return self.filename or self.env._("a file")

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
        bodies = {}
        for account_id, texts in lines.items():
            tier = tiers.get(account_id)
            body = escape(
                self.env._("Opening figures imported from %(origin)s.", origin=source)
            ) + Markup("<br/>")
            body += Markup("<br/>").join(escape(text) for text in texts)
            if tier:
                body += Markup("<br/>") + escape(self.env._("Tier: %(tier)s", tier=tier.name))
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

    # ------------------------------------------------------------------
    # progress, summary

    def _progress(self, stage, done, total):
        """Tell the owner how far the run is: in the log, and on their screen,
        at once: the notification goes through its own short transaction (it
        only inserts a bus message) while this one goes on. Not in tests:
        their records are not committed."""
        total = max(total, done)
        _logger.info("loyalty import %s: %s %s/%s rows", self.id, stage, done, total)
        if self.env.registry.in_test_mode() or odoo.modules.module.current_test:
            return
        message = self.env._(
            "%(stage)s %(file)s: %(done)s of about %(total)s rows.",
            stage=stage,
            file=self.filename or self._source_label(),
            done=formatLang(self.env, done, digits=0),
            total=formatLang(self.env, total, digits=0),
        )
        payload = {"type": "info", "title": self.env._("Loyalty import"), "message": message}
        with self.env.registry.cursor() as cr:
            self.env(cr=cr)["bus.bus"]._sendone(
                self.env.user.partner_id, "simple_notification", payload
            )

    def _notify_owner_done(self):
        """The background job is done with this import: tell its owner."""
        self.env.user._bus_send(
            "simple_notification",
            {
                "type": "success" if self.state == "done" else "danger",
                "title": self.env._("Loyalty import"),
                "message": self._summary_text(),
                "sticky": True,
            },
        )

    def _summary_text(self):
        number = lambda value: formatLang(self.env, value, digits=0)  # noqa: E731
        if self.state == "queued":
            return self.env._(
                "The file is being imported in the background: you get a notification "
                "when it is done, and its result here."
            )
        lines = []
        if self.state == "done":
            lines.append(
                self.env._(
                    "Imported %(rows)s rows: %(points)s points worth %(value)s, %(cards)s "
                    "cards, %(created)s new customers.",
                    rows=number(self.row_count),
                    points=formatLang(self.env, self.points_total, digits=POINTS_DIGITS[1]),
                    value=format_amount(self.env, self.value_total, self.currency_id),
                    cards=number(self.card_count),
                    created=number(self.create_count),
                )
            )
        else:
            lines.append(
                self.env._(
                    "%(rows)s rows to import: %(points)s points worth %(value)s, %(cards)s "
                    "cards, %(created)s customers to create.",
                    rows=number(self.row_count),
                    points=formatLang(self.env, self.points_total, digits=POINTS_DIGITS[1]),
                    value=format_amount(self.env, self.value_total, self.currency_id),
                    cards=number(self.card_count),
                    created=number(self.create_count),
                )
            )
        if self.source == "odoo_loyalty":
            lines.append(
                self.env._(
                    "Odoo cards: %(cards)s converted, %(left)s left out (no customer, or "
                    "expired).",
                    cards=number(self.matched_odoo_count),
                    left=number(self.left_out_count),
                )
            )
        else:
            lines.append(
                self.env._(
                    "Customers found by reference: %(ref)s, by e-mail: %(email)s, by phone: "
                    "%(phone)s.",
                    ref=number(self.matched_ref_count),
                    email=number(self.matched_email_count),
                    phone=number(self.matched_phone_count),
                )
            )
        if self.skipped_count:
            lines.append(
                self.env._(
                    "%(rows)s rows were imported before: they are skipped.",
                    rows=number(self.skipped_count),
                )
            )
        if self.ignored_columns:
            lines.append(self.env._("Ignored columns: %(columns)s.", columns=self.ignored_columns))
        if self.problem_count:
            lines.append(
                self.env._(
                    "%(count)s problems: nothing can be imported until they are fixed.",
                    count=number(self.problem_count),
                )
            )
        elif self.state == "checked":
            lines.append(self.env._("No problem found: the file can be imported."))
        return "\n".join(lines)
