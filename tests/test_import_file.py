import io
from datetime import date, datetime

from odoo.tests import BaseCase, tagged

from ..tools.import_file import (
    FIELDS,
    ImportFileError,
    auto_mapping,
    guess_field,
    normalize_email,
    parse_card_number,
    parse_date,
    parse_number,
    parse_whole,
    phone_keys,
    read_table,
)


def xlsx_bytes(rows):
    import openpyxl  # noqa: PLC0415 -- only these tests write workbooks

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@tagged("at_install", "-post_install")
class TestImportFile(BaseCase):
    """Reading the files of the import wizard, without a database."""

    def _rows(self, table):
        return list(table.rows())

    def test_csv_comma_utf8(self):
        table = read_table(b"customer_ref,points\nC1,100\n\nC2,50.5\n")
        self.assertEqual((table.kind, table.delimiter, table.encoding), ("csv", ",", "utf-8"))
        self.assertEqual(table.headers, ["customer_ref", "points"])
        # row numbers as a spreadsheet shows them: the empty line 3 counts
        self.assertEqual(self._rows(table), [(2, ["C1", "100"]), (4, ["C2", "50.5"])])

    def test_csv_semicolon_bom_and_cp1251(self):
        text = "Телефон;Баллы;Дата сгорания\n088 123 4567;1 234,50;31.12.2030\n"
        table = read_table(b"\xef\xbb\xbf" + text.encode("utf-8"))
        self.assertEqual((table.delimiter, table.encoding), (";", "utf-8-sig"))
        self.assertEqual(table.headers, ["Телефон", "Баллы", "Дата сгорания"])
        self.assertEqual(auto_mapping(table.headers), ["phone", "points", "expiry_date"])
        table = read_table(text.encode("cp1251"))
        self.assertEqual((table.delimiter, table.encoding), (";", "cp1251"))
        self.assertEqual(table.headers[0], "Телефон")
        self.assertEqual(self._rows(table), [(2, ["088 123 4567", "1 234,50", "31.12.2030"])])

    def test_csv_quoted_delimiters(self):
        table = read_table(b'name;points\n"Ivanova; Anna";"1,5"\n')
        self.assertEqual(self._rows(table), [(2, ["Ivanova; Anna", "1,5"])])

    def test_xlsx(self):
        data = xlsx_bytes(
            [
                ["Имя", "Номер карты", "Бонусы", "Срок действия"],
                ["Анна", 4006381333931, 120, datetime(2030, 1, 31)],
                [None, None, None, None],
                ["Борис", "5901234123457", 7.5, "31.12.2030"],
            ]
        )
        table = read_table(data, "clients.xlsx")
        self.assertEqual(table.kind, "xlsx")
        self.assertEqual(
            auto_mapping(table.headers), ["name", "card_number", "points", "expiry_date"]
        )
        rows = self._rows(table)
        self.assertEqual([number for number, _values in rows], [2, 4])
        self.assertEqual(parse_card_number(rows[0][1][1]), "4006381333931")
        self.assertEqual(parse_date(rows[0][1][3]), date(2030, 1, 31))
        self.assertEqual(parse_number(rows[1][1][2]), 7.5)

    def test_bad_files(self):
        for data, code in (
            (b"", "empty"),
            (b"  \n\n", "empty"),
            (b"%PDF-1.4\x00\x01\x02", "not_table"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old excel", "xls"),
            (b"PK\x03\x04 not really a workbook", "xlsx"),
        ):
            with self.subTest(code=code), self.assertRaises(ImportFileError) as caught:
                read_table(data)
            self.assertEqual(caught.exception.code, code)
        with self.assertRaises(ImportFileError) as caught:
            read_table(xlsx_bytes([[None, None]]))
        self.assertEqual(caught.exception.code, "empty")

    def test_headers(self):
        self.assertEqual(guess_field(" E-Mail "), "email")
        self.assertEqual(guess_field("Customer_Ref"), "customer_ref")
        self.assertEqual(guess_field("Дата сгорания"), "expiry_date")
        self.assertEqual(guess_field("ФИО"), "name")
        self.assertEqual(guess_field("Визиты"), "visits")
        self.assertEqual(guess_field("Оборот"), "turnover")
        self.assertEqual(guess_field("Име"), "name")
        self.assertEqual(guess_field("Точки"), "points")
        self.assertEqual(guess_field("Карта"), "card_number")
        self.assertEqual(guess_field("Бонусы"), "points")
        self.assertIsNone(guess_field("Favourite colour"))
        self.assertEqual(auto_mapping(list(FIELDS)), list(FIELDS))
        # a field is given once: the second "balance" column stays unmapped
        self.assertEqual(auto_mapping(["points", "Баланс", "x"]), ["points", None, None])

    def test_numbers(self):
        for text, number in (
            ("100", 100.0),
            ("1 234,50", 1234.5),
            ("1\u00a0234,5", 1234.5),
            ("1,234.50", 1234.5),
            ("1.234,50", 1234.5),
            ("1.234.567", 1234567.0),
            ("12,5", 12.5),
            ("-3", -3.0),
            ("12 500 ₽", 12500.0),
            ("250 лв.", 250.0),
            ("$99.90", 99.9),
            (42, 42.0),
            (7.25, 7.25),
        ):
            with self.subTest(text=text):
                self.assertEqual(parse_number(text), number)
        self.assertIsNone(parse_number(""))
        self.assertIsNone(parse_number(None))
        for text in ("abc", "1,2,3", "12..5", "-", "1.2.3,4,5", "nan", True):
            with self.subTest(text=text), self.assertRaises(ValueError):
                parse_number(text)
        self.assertEqual(parse_whole("12"), 12)
        self.assertEqual(parse_whole(12.0), 12)
        with self.assertRaises(ValueError):
            parse_whole("1,5")

    def test_dates(self):
        for text in (
            "2030-12-31",
            "31.12.2030",
            "31/12/2030",
            "31-12-2030",
            "2030/12/31",
            "31.12.30",
            "2030-12-31 00:00:00",
            "2030-12-31T10:00",
            datetime(2030, 12, 31, 10, 0),
            date(2030, 12, 31),
        ):
            with self.subTest(text=text):
                self.assertEqual(parse_date(text), date(2030, 12, 31))
        self.assertIsNone(parse_date(" "))
        for text in ("31.13.2030", "soon", "2030-02-30"):
            with self.subTest(text=text), self.assertRaises(ValueError):
                parse_date(text)

    def test_card_numbers(self):
        self.assertEqual(parse_card_number("4006 3813 3393 1"), "4006381333931")
        self.assertEqual(parse_card_number(4006381333931.0), "4006381333931")
        self.assertEqual(parse_card_number("4006381333931.0"), "4006381333931")
        self.assertEqual(parse_card_number("AB-12"), "AB-12")
        self.assertIsNone(parse_card_number(""))

    def test_phone_keys(self):
        e164, forms = phone_keys("088 123 4567", "BG")
        self.assertEqual(e164, "+359881234567")
        self.assertEqual(forms, ("+359881234567", "00359881234567", "0881234567", "881234567"))
        self.assertEqual(phone_keys("+359 88 123 4567", "RU")[0], "+359881234567")
        self.assertEqual(phone_keys("8 (916) 123-45-67", "RU")[0], "+79161234567")
        self.assertEqual(phone_keys("not a phone", "BG"), (None, ()))
        self.assertEqual(phone_keys("", "BG"), (None, ()))

    def test_emails(self):
        self.assertEqual(
            normalize_email(" Anna.Petrova+vip@Example.COM "), "anna.petrova+vip@example.com"
        )
        self.assertEqual(normalize_email('"Anna" <Anna@Example.com>'), "anna@example.com")
        self.assertIsNone(normalize_email("not an e-mail"))
        self.assertIsNone(normalize_email(""))
