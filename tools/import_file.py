"""Reading another system's export of loyalty balances (CSV or XLSX), pure
Python (no ORM): the file's format and encoding, its header and the column
each field is in, the rows one by one (never all at once), and the values of
a cell (numbers, dates, card numbers) as the exports of YCLIENTS, Sycret,
GnomGuru, a spreadsheet or Odoo write them.

Errors are :class:`ImportFileError` with a ``code`` (and ``params``): the
wizard words them, translated.
"""

import codecs
import csv
import functools
import io
import math
import re
import zipfile
from datetime import date, datetime

import phonenumbers

from odoo.exceptions import UserError
from odoo.tools import email_normalize

from odoo.addons.phone_validation.tools.phone_validation import phone_parse

# The fields a file can hold, in the order of the template.
FIELDS = (
    "customer_ref",
    "email",
    "phone",
    "name",
    "points",
    "expiry_date",
    "card_number",
    "turnover",
    "visits",
)
# The fields that find the customer: a row needs one of them.
MATCH_FIELDS = ("customer_ref", "email", "phone")

# Headers each field is found under, besides its own name: what the systems
# people switch from write, in English, Russian and Bulgarian. Compared after
# ``normalize_header`` (case, "ё", spaces and punctuation do not count).
HEADER_ALIASES = {
    "customer_ref": (
        "ref",
        "reference",
        "customer id",
        "client id",
        "customer code",
        "client code",
        "код клиента",
        "id клиента",
        "номер клиента",
        "код",
        "код на клиент",
        "клиентски номер",
        "номер на клиент",
    ),
    "email": (
        "e-mail",
        "mail",
        "email address",
        "почта",
        "эл. почта",
        "электронная почта",
        "e-mail клиента",
        "имейл",
        "ел. поща",
        "електронна поща",
    ),
    "phone": (
        "mobile",
        "telephone",
        "phone number",
        "mobile phone",
        "телефон",
        "мобильный",
        "мобильный телефон",
        "номер телефона",
        "тел",
        "мобилен",
        "мобилен телефон",
        "телефонен номер",
    ),
    "name": (
        "customer",
        "client",
        "full name",
        "customer name",
        "имя",
        "фио",
        "клиент",
        "имя клиента",
        "име",
        "имена",
        "име на клиент",
    ),
    "points": (
        "balance",
        "points balance",
        "bonus",
        "bonuses",
        "баллы",
        "бонусы",
        "баланс",
        "бонусный баланс",
        "баланс баллов",
        "остаток баллов",
        "точки",
        "бонус точки",
        "бонуси",
        "баланс точки",
    ),
    "expiry_date": (
        "expiry",
        "expires",
        "expiration date",
        "valid until",
        "дата сгорания",
        "сгорают",
        "срок действия",
        "действительны до",
        "дата на изтичане",
        "изтичат",
        "валидни до",
        "валидност",
    ),
    "card_number": (
        "card",
        "card no",
        "card code",
        "номер карты",
        "карта",
        "код карты",
        "номер на карта",
        "карта номер",
    ),
    "turnover": (
        "total spent",
        "sales",
        "оборот",
        "сумма покупок",
        "сумма продаж",
        "выручка",
        "оборот лв",
        "сума покупки",
        "продажби",
    ),
    "visits": (
        "visit count",
        "orders",
        "визиты",
        "посещения",
        "количество визитов",
        "визити",
        "брой посещения",
    ),
}

XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (and other OLE2 files)
CSV_DELIMITERS = (",", ";")
# Encodings of CSV files, tried in this order (a BOM says UTF-8 at once).
CSV_ENCODINGS = ("utf-8", "cp1251")

_PUNCTUATION = re.compile(r"[\W_]+")
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_NUMBER = re.compile(r"[+-]?[\d.,]+")
_EXCEL_INTEGER = re.compile(r"(\d+)\.0*")


def clean_text(value):
    """A cell as text, stripped; numbers as Excel shows them (no ".0")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value).replace("\ufeff", "").strip()


class ImportFileError(ValueError):
    """The file cannot be imported. ``code`` says why:

    - ``empty``: no bytes, or no cell with anything in it;
    - ``not_table``: neither a CSV text nor an XLSX workbook;
    - ``xls``: an Excel 97-2003 workbook (``.xls``): save it as XLSX or CSV;
    - ``xlsx``: a ZIP file that openpyxl cannot read (``params['error']``);
    - ``csv``: a CSV file the csv module cannot read (``params['error']``).
    """

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


class Table:
    """A file read lazily: ``headers`` (the first row that has something in
    it), ``header_row`` (its number, from 1 as a spreadsheet counts), and
    ``rows()``, an iterator of ``(row number, [cell values])`` over the rows
    after it, empty rows left out. ``kind`` is "csv" or "xlsx"; a CSV also
    has its ``encoding`` and ``delimiter``; ``size_hint`` is about how many
    rows the file has (for progress)."""

    kind = None
    encoding = None
    delimiter = None

    def __init__(self, records, size_hint):
        self._records = records  # a callable: an iterator of (row number, values)
        self.size_hint = size_hint
        self.headers = []
        self.header_row = 0
        for number, values in self._records():
            if _has_values(values):
                self.headers = [clean_text(value) for value in values]
                self.header_row = number
                break
        # trailing empty header cells are no columns
        while self.headers and not self.headers[-1]:
            self.headers.pop()
        if not self.headers:
            raise ImportFileError("empty")

    def rows(self):
        for number, values in self._records():
            if number > self.header_row and _has_values(values):
                yield number, list(values)


def _has_values(values):
    return any(value is not None and str(value).strip() for value in values)


def read_table(data, filename=None):
    """The :class:`Table` of ``data`` (the file's bytes): an XLSX workbook
    (its first sheet) or a CSV text (``,`` or ``;``, UTF-8 with or without
    BOM, or cp1251). ``filename`` is only used to say what a file is not.

    :raises ImportFileError: see its codes
    """
    if not data or not data.strip():
        raise ImportFileError("empty")
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data)
    if data.startswith(XLS_MAGIC) or (filename or "").lower().endswith(".xls"):
        raise ImportFileError("xls")
    return _read_csv(data)


def _read_xlsx(data):
    try:
        import openpyxl  # noqa: PLC0415 -- Odoo requires it; only XLSX files need it

        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise ImportFileError("xlsx", error=str(error) or type(error).__name__) from error
    if not book.worksheets:
        raise ImportFileError("empty")
    sheet = book.worksheets[0]
    first = sheet.min_row or 1

    def records():
        yield from enumerate(sheet.iter_rows(values_only=True), start=first)

    try:
        size = max((sheet.max_row or 0) - first, 0)
    except (TypeError, ValueError):
        size = 0
    table = Table(records, size)
    table.kind = "xlsx"
    return table


def _encoding(data):
    """The encoding of a CSV file's bytes: UTF-8 (with a BOM or valid as
    such), else cp1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        view = memoryview(data)
        try:
            # checked a megabyte at a time: no decoded copy of the whole file
            for start in range(0, len(data), 1 << 20):
                decoder.decode(view[start : start + (1 << 20)])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFileError("not_table")


def _read_csv(data):
    if b"\x00" in data[:4096]:
        # binary (a PDF, an image, UTF-16...): not a text we read
        raise ImportFileError("not_table")
    encoding = _encoding(data)
    head = data[:65536].decode(encoding, errors="ignore")
    if any(ord(char) < 32 and char not in "\t\r\n" for char in head[:4096]):
        raise ImportFileError("not_table")
    delimiter = _sniff_delimiter(head)

    def records():
        # decoded as read: the file's text is never held whole
        stream = io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            yield from enumerate(reader, start=1)
        except csv.Error as error:
            raise ImportFileError("csv", error=str(error)) from error

    table = Table(records, data.count(b"\n"))
    table.kind = "csv"
    table.encoding = encoding
    table.delimiter = delimiter
    return table


def _sniff_delimiter(text):
    """``;`` or ``,``: the one the header line (the first line with
    something in it) has more of, outside quotes; ``,`` when even."""
    for line in text.splitlines():
        if line.strip():
            counts = {
                delimiter: len(next(csv.reader([line], delimiter=delimiter)))
                for delimiter in CSV_DELIMITERS
            }
            return max(CSV_DELIMITERS, key=lambda delimiter: counts[delimiter])
    return ","


# ----------------------------------------------------------------------
# headers


def normalize_header(text):
    """``text`` compared without case, spaces or punctuation, "ё" as "е"."""  # noqa: RUF002
    return _PUNCTUATION.sub("", clean_text(text).casefold().replace("\u0451", "\u0435"))


_FIELD_OF_HEADER = {
    normalize_header(alias): field
    for field in FIELDS
    for alias in (field, *HEADER_ALIASES.get(field, ()))
}


def guess_field(header):
    """The field a column of ``header`` holds (one of ``FIELDS``), or None."""
    return _FIELD_OF_HEADER.get(normalize_header(header))


def auto_mapping(headers):
    """[field or None] for ``headers``: each column's field by its header;
    a field already taken by an earlier column is not given twice."""
    taken = set()
    mapping = []
    for header in headers:
        field = guess_field(header)
        if field in taken:
            field = None
        if field:
            taken.add(field)
        mapping.append(field)
    return mapping


# ----------------------------------------------------------------------
# cells


def parse_number(value):
    """A number from a cell: ``1234.5``, ``1 234,50``, ``1,234.50``,
    ``1.234,50``, ``12 500 ₽``, ``250 лв.``; an empty cell is None. A single
    comma is the decimal separator (as Russian and Bulgarian exports write
    it), as is the last of a comma and a dot when both appear.

    :raises ValueError: not a number
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = _SPACES.sub("", str(value))
        # currency signs and words before or after the figures
        text = re.sub(r"^[^\d+\-.,]+|(?<=\d)[^\d]+$", "", text)
        if not text:
            if str(value).strip():
                raise ValueError(value)
            return None
        if not _NUMBER.fullmatch(text):
            raise ValueError(value)
        number = float(_normalize_separators(text))
    if math.isnan(number) or math.isinf(number):
        raise ValueError(value)
    return number


def _normalize_separators(text):
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        text = text.replace(thousands, "")
        if text.count(decimal) > 1:
            raise ValueError(text)
        return text.replace(",", ".")
    if commas > 1 or dots > 1:
        separator = "," if commas else "."
        groups = text.lstrip("+-").split(separator)
        if not all(len(group) == 3 for group in groups[1:]):
            raise ValueError(text)
        return text.replace(separator, "")
    return text.replace(",", ".")


def parse_whole(value):
    """A whole number from a cell (visits): ``12``, ``12.0``; empty: None.

    :raises ValueError: not a whole number
    """
    number = parse_number(value)
    if number is None:
        return None
    if not float(number).is_integer():
        raise ValueError(value)
    return int(number)


_DAY_FIRST = re.compile(r"(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})")
_YEAR_FIRST = re.compile(r"(\d{4})[./-](\d{1,2})[./-](\d{1,2})")


def parse_date(value):
    """A date from a cell: a date of the workbook, or ``2025-12-31``,
    ``31.12.2025``, ``31/12/2025``, ``31-12-2025``, ``2025/12/31``,
    ``31.12.25`` (day first, as the exports people switch from write it), a
    time after the date being ignored; an empty cell is None.

    :raises ValueError: not a date
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value)
    if not text:
        return None
    text = re.split(r"[ T]", text, maxsplit=1)[0]
    match = _YEAR_FIRST.fullmatch(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
    else:
        match = _DAY_FIRST.fullmatch(text)
        if not match:
            raise ValueError(value)
        day, month, year = (int(part) for part in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
    return date(year, month, day)  # ValueError when there is no such day


_SIMPLE_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def normalize_email(value):
    """The e-mail of a cell as ``res.partner.email_normalized`` holds it
    (lower case), or None when it is no e-mail address."""
    text = clean_text(value)
    if _SIMPLE_EMAIL.fullmatch(text):
        return text.lower()  # what email_normalize gives, without its parsing
    return (email_normalize(text) or None) if text else None


def parse_card_number(value):
    """A card number from a cell: its text, without the spaces a printed
    card puts between groups of digits, nor the ".0" a spreadsheet adds to a
    number; empty: None. Whether it is valid is the card model's business."""
    text = re.sub(r"\s+", "", clean_text(value))
    match = _EXCEL_INTEGER.fullmatch(text)
    if match:
        text = match.group(1)
    return text or None


def phone_keys(number, country_code=None):
    """``(e164, forms)`` of a phone number of a file, or ``(None, ())`` when
    it is no valid number: its E.164 form, as ``phone_validation`` normalises
    it (``phone_parse``) in ``country_code`` when it has no international
    prefix ("088 123 4567" in "BG": "+359881234567"), and the forms a
    contact's phone may be stored in once spaces, dots, dashes, slashes and
    brackets are taken out (E.164, "00" and the country code, national with
    and without its trunk prefix): "+359881234567", "00359881234567",
    "0881234567", "881234567"."""
    text = clean_text(number)
    if not text:
        return None, ()
    try:
        parsed = phone_parse(text, country_code or None)
    except UserError:
        return None, ()
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    significant = phonenumbers.national_significant_number(parsed)
    forms = dict.fromkeys(
        (e164, "00" + e164[1:], _national_prefix(parsed.country_code) + significant, significant)
    )
    return e164, tuple(form for form in forms if len(form) >= 6)


@functools.cache
def _national_prefix(country_code):
    """The trunk prefix dialled before a national number of ``country_code``
    (the country's calling code): "0" in Bulgaria, "8" in Russia, "1" in the US."""
    region = phonenumbers.region_code_for_country_code(country_code)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (metadata.national_prefix or "") if metadata else ""
