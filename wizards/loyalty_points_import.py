import base64
import binascii
import hashlib
import logging
import time

import odoo
from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tools import SQL, format_amount, formatLang

from ..tools import POINTS_DIGITS, check_protected_fields
from ..tools.import_file import (
    MATCH_FIELDS,
    ImportFileError,
    auto_mapping,
    clean_text,
    read_table,
)

_logger = logging.getLogger(__name__)

# Problems a refused import names (Check lists them all).
RAISED_PROBLEMS = 20
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
    # Rows parsed, then booked, per batch: memory holds one batch, never the file's rows.
    _import_batch_rows = 5000
    # Files with more rows are imported by the background job (ir_cron_import).
    _import_background_rows = 20000
    # Problems kept for the owner to read (all are counted).
    _import_listed_problems = 1000
    # Fields computed from the file, never set (tools.guard.check_protected_fields):
    # the digest makes the keys that recognise a file imported before.
    _loyalty_points_protected_fields = ("file_digest",)

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    source = fields.Selection(
        selection="_selection_source",
        required=True,
        default="file",
        help="A file exported from another system, or the cards of Odoo's own loyalty program.",
    )
    file = fields.Binary(attachment=False, help="A CSV (comma or semicolon) or XLSX file.")
    filename = fields.Char()
    file_digest = fields.Char(
        compute="_compute_file_digest",
        store=True,
        help="What the keys of the file's rows start with: a digest of its content.",
    )
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

    @api.depends("file")
    def _compute_file_digest(self):
        for wizard in self:
            data = wizard._file_bytes()
            wizard.file_digest = hashlib.sha256(data).hexdigest()[:20] if data else False

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
        "value_total",
        "card_count",
        "matched_ref_count",
        "matched_email_count",
        "matched_phone_count",
        "matched_odoo_count",
        "left_out_count",
        "ignored_columns",
    )
    def _compute_summary(self):
        for wizard in self:
            wizard.summary = wizard._summary_text() if wizard.state != "draft" else False

    @api.constrains("source")
    def _check_source(self):
        # a forged value gets past create(), which does not check selections
        sources = dict(self._selection_source())
        if any(wizard.source not in sources for wizard in self):
            raise ValidationError(self.env._("Import from a file or from Odoo's Loyalty app."))

    @api.constrains("conversion_rate")
    def _check_conversion_rate(self):
        if any(wizard.conversion_rate <= 0 for wizard in self):
            raise ValidationError(self.env._("The conversion rate must be positive."))

    @api.model_create_multi
    def create(self, vals_list):
        check_protected_fields(self, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_protected_fields(self, [vals])
        return super().write(vals)

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
    # one run: load and check (loyalty_points_import_check.py), book (loyalty_points_import_book.py)

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
            return problems[: self._import_listed_problems], len(problems)
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
        they made; the missing customers are created only by one who may
        create contacts (Odoo's Contact Creation right)."""
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
        if self.create_missing and self.source == "file":
            try:
                self.env["res.partner"].check_access("create")
            except AccessError as error:
                raise AccessError(
                    self.env._(
                        "You cannot create contacts, so the import cannot create the missing "
                        "customers: ask for the Contact Creation right, or untick Create "
                        "Missing Customers."
                    )
                ) from error

    def _goes_to_background(self):
        if self.env.context.get("loyalty_points_import_now"):
            return False
        if self.source == "odoo_loyalty":
            program = self._get_odoo_program()
            return program.sudo().coupon_count > self._import_background_rows
        table = self._read_table()
        self._column_fields(table)  # a file that cannot be mapped is refused now
        return table.size_hint > self._import_background_rows

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
        if [column.header or "" for column in columns] != table.headers:
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

    def _source_label(self):
        if self.source == "odoo_loyalty":
            program = self.env["loyalty.program"].browse(self.odoo_program_id)
            return self.env._("Odoo loyalty program %(program)s", program=program.sudo().name)
        return self.filename or self.env._("a file")

    def _import_ref(self):
        """The <import> part of the keys of this run's lots."""
        return ODOO_CARD_IMPORT if self.source == "odoo_loyalty" else self.file_digest

    def _row_key_sql(self):
        return self.env["loyalty.points.entry"]._key_sql(
            "import", SQL("%s", self._import_ref()), SQL("row.line::text")
        )

    # ------------------------------------------------------------------
    # the rows of a run

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

    def _fetch(self, query, **params):
        self.env.cr.execute(SQL(query, table=SQL.identifier(ROWS_TABLE), **params))
        return self.env.cr.fetchall()

    # ------------------------------------------------------------------
    # result, progress, summary

    def _write_figures(self, figures, state):
        self.write({**figures, "state": state})

    def _write_problems(self, problems, count):
        self.problem_ids.unlink()
        self.env["loyalty.points.import.problem"].create(
            [
                {"wizard_id": self.id, "line": line, "message": message}
                for line, message in problems[: self._import_listed_problems]
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
                    "… and %(count)s more: the Check button lists them all.",
                    count=count - RAISED_PROBLEMS,
                )
            )
        return "\n".join(
            [
                self.env._(
                    "Nothing was imported: %(count)s problems in %(file)s.",
                    count=count,
                    file=self._source_label(),
                ),
                *lines,
            ]
        )

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
        def number(value):
            return formatLang(self.env, value, digits=0)

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
