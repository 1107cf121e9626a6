import base64
import contextlib
import importlib.util
import io
import os
from datetime import date, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.modules.module import get_module_path
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged, users
from odoo.tests.common import JsonRpcException

from ..tools import ledger_context
from .common import LoyaltyPointsCase, LoyaltyPointsCommon
from .test_import_file import xlsx_bytes

HEADER = "customer_ref,email,phone,name,points,expiry_date,card_number,turnover,visits\n"


@tagged("post_install", "-at_install")
class TestImport(LoyaltyPointsCommon):
    """Switching in: balances, cards, tiers and history imported from a file
    (loyalty.points.import), as a POS manager does it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a Bulgarian shop: numbers without their country code are Bulgarian
        cls.company.country_id = cls.env.ref("base.bg")
        cls.customer.write({"ref": "C-1001", "email": "anna@example.com"})
        cls.other_customer.write({"email": "Boris.Ivanov@Example.COM"})
        cls.vera = cls.env["res.partner"].create(
            {"name": "Vera Georgieva", "phone": "+359 88 123 4567"}
        )
        cls.expiry = date(2031, 1, 31)
        # a POS manager who may also create contacts (Odoo's Contact Creation):
        # the one who may have the missing customers created
        cls.contact_manager = new_test_user(
            cls.env,
            login="lp_contact_manager",
            groups="base.group_user,point_of_sale.group_pos_manager,base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    # ------------------------------------------------------------------
    # helpers

    def _wizard(self, text, filename="clients.csv", encoding="utf-8", **vals):
        data = text if isinstance(text, bytes) else text.encode(encoding)
        return self.env["loyalty.points.import"].create(
            {"file": base64.b64encode(data), "filename": filename, **vals}
        )

    def _import(self, wizard):
        return wizard.with_context(loyalty_points_import_now=True).action_import()

    def _three_rows(self):
        return (
            HEADER + "C-1001,,,,100,31.01.2031,2900000010017,,\n"
            ",BORIS.IVANOV@example.com,,,250.5,,,,\n"
            ",,088 123 4567,,30,2031-01-31,,,\n"
        )

    def _account(self, partner):
        return self.env["loyalty.points.account"].search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    def _entries(self):
        return self.env["loyalty.points.entry"].sudo().search([("note", "like", "imported")])

    def _problems(self, wizard):
        return [(problem.line, problem.message) for problem in wizard.problem_ids]

    # ------------------------------------------------------------------
    # done when

    @users("lp_manager")
    def test_three_rows_by_ref_email_and_phone(self):
        wizard = self._wizard(self._three_rows())
        self._import(wizard)
        self.assertEqual(wizard.state, "done")
        default_expiry = self.company._loyalty_points_default_expiry(self.today)
        for partner, points, expiry in (
            (self.customer, 100, self.expiry),
            (self.other_customer, 250.5, default_expiry),
            (self.vera, 30, self.expiry),
        ):
            account = self._account(partner)
            self.assertEqual(account.balance, points, partner.name)
            self.assertRecordValues(
                account.sudo().entry_ids,
                [
                    {
                        "kind": "adjust",
                        "points": points,
                        "remaining": points,
                        "expiry_date": expiry,
                        "note": "Opening balance imported from clients.csv",
                        "user_id": self.manager.id,
                    }
                ],
            )
            self.assertIn("Opening figures imported from clients.csv", account.message_ids[0].body)
        self.assertEqual(self._account(self.customer).card_number, "2900000010017")
        self.assertIn("card 2900000010017", self._account(self.customer).message_ids[0].body)
        self.assertRecordValues(
            wizard,
            [
                {
                    "row_count": 3,
                    "matched_ref_count": 1,
                    "matched_email_count": 1,
                    "matched_phone_count": 1,
                    "points_total": 380.5,
                    "card_count": 1,
                    "problem_count": 0,
                }
            ],
        )
        self.assertIn("Imported 3 rows", wizard.summary)
        openings = self.env["loyalty.points.opening"].search([], order="line")
        self.assertEqual(openings.mapped("line"), [2, 3, 4])
        self.assertEqual(openings.entry_id, self._entries())
        self.assertLedgerConsistent(self._account(self.customer) | self._account(self.vera))
        self.assertFalse(self.env["loyalty.points.entry"]._ledger_problems())

    @users("lp_manager")
    def test_reimport_changes_nothing(self):
        self._import(self._wizard(self._three_rows()))
        entries = self._entries()
        messages = self.env["mail.message"].sudo().search_count([])
        again = self._wizard(self._three_rows(), filename="clients (copy).csv")
        self._import(again)
        self.assertEqual(self._entries(), entries)
        self.assertEqual(self._account(self.customer).balance, 100)
        self.assertEqual(self.env["mail.message"].sudo().search_count([]), messages)
        self.assertRecordValues(again, [{"state": "done", "row_count": 0, "skipped_count": 3}])
        self.assertIn("3 rows were imported before", again.summary)
        # a year later the expiry dates are past: the imported rows are still only skipped
        with freeze_time(self.expiry + timedelta(days=1)):
            later = self._wizard(self._three_rows())
            later.action_check()
            self.assertEqual(self._problems(later), [])
            self._import(later)
        self.assertEqual(self._entries(), entries)

    @users("lp_manager")
    def test_one_bad_row_books_nothing_and_names_it(self):
        text = self._three_rows().replace("250.5", "lots")
        wizard = self._wizard(text)
        with self.assertRaisesRegex(UserError, r"Row 3: The points «lots» are not a number"):
            self._import(wizard)
        self.assertFalse(self._entries())
        self.assertFalse(self.env["loyalty.points.opening"].search([]))
        self.assertFalse(self.env["loyalty.points.card"].search([]))
        self.assertFalse(self._account(self.customer).balance)
        wizard.action_check()
        self.assertEqual(self._problems(wizard), [(3, "The points «lots» are not a number.")])
        self.assertEqual(wizard.state, "checked")
        self.assertFalse(self._entries())

    def test_imported_turnover_gives_the_tier_at_once(self):
        pricelist = self.env["product.pricelist"].create({"name": "Silver Card"})
        Tier = self.env["loyalty.points.tier"]
        bronze, silver, gold = Tier.create(
            [
                {"name": "Bronze", "min_turnover": 0},
                {"name": "Silver", "min_turnover": 5000, "pricelist_id": pricelist.id},
                {"name": "Gold", "min_turnover": 20000, "min_visits": 50},
            ]
        )
        self.company.loyalty_points_tier_months = 12
        boris = self._account(self.other_customer)
        boris.with_context(**ledger_context()).write({"tier_id": bronze.id})
        text = HEADER + (
            "C-1001,,,,0,,,6000.50,12\n"
            ",boris.ivanov@example.com,,,10,,,25000,60\n"
            ",,088 123 4567,,5,,,100,1\n"
        )
        self._import(self._wizard(text))
        anna, vera = self._account(self.customer), self._account(self.vera)
        self.assertRecordValues(
            anna | boris | vera,
            [
                {"tier_id": silver.id, "turnover": 6000.5, "visit_count": 12, "balance": 0},
                {"tier_id": gold.id, "turnover": 25000, "visit_count": 60, "balance": 10},
                {"tier_id": bronze.id, "turnover": 100, "visit_count": 1, "balance": 5},
            ],
        )
        partner = self.customer.with_company(self.company)
        self.assertEqual(partner.specific_property_product_pricelist, pricelist)
        self.assertIn("Tier: Silver", anna.message_ids[0].body)
        # Boris moved; a first tier is where a customer starts, not a move
        moves = self.env["loyalty.points.tier.move"].search(
            [("account_id", "in", (anna | boris | vera).ids)]
        )
        self.assertRecordValues(
            moves, [{"account_id": boris.id, "old_tier_id": bronze.id, "new_tier_id": gold.id}]
        )
        # the opening figures count from the import day, for the window's length
        with freeze_time(self.today + timedelta(days=366)):
            (anna | boris)._update_tiers()
            self.assertRecordValues(
                anna | boris,
                [{"tier_id": bronze.id, "turnover": 0}, {"tier_id": bronze.id, "turnover": 0}],
            )
            self.assertFalse(partner.specific_property_product_pricelist)

    @users("lp_manager")
    def test_odoo_loyalty_card_becomes_points_once(self):
        program = (
            self.env["loyalty.program"]
            .sudo()
            .create({"name": "Old Club", "program_type": "loyalty", "company_id": self.company.id})
        )
        Card = self.env["loyalty.card"].sudo()
        Card.create(
            [
                {"program_id": program.id, "partner_id": self.customer.id, "points": 1234},
                {"program_id": program.id, "points": 99},  # nobody's card: left out
                {"program_id": program.id, "partner_id": self.vera.id, "points": 0},
            ]
        )

        def convert(**vals):
            wizard = self.env["loyalty.points.import"].create(
                {"source": "odoo_loyalty", "odoo_program_id": program.id, **vals}
            )
            self._import(wizard)
            return wizard

        wizard = convert()
        account = self._account(self.customer)
        self.assertEqual(account.balance, 1234)
        self.assertRecordValues(
            wizard, [{"state": "done", "row_count": 1, "left_out_count": 1, "points_total": 1234}]
        )
        self.assertIn("Odoo loyalty program Old Club", account.sudo().entry_ids.note)
        again = convert(conversion_rate=2.0, archive_odoo_program=True)
        self.assertRecordValues(again, [{"row_count": 0, "skipped_count": 1}])
        self.assertEqual(account.balance, 1234)
        self.assertFalse(program.active)
        self.assertLedgerConsistent(account)

    @users("lp_manager")
    def test_odoo_cards_of_customers_the_company_sees_once(self):
        """A program of no company: each card becomes points once, in the
        first company that converts it, and only for a customer that company
        sees (a customer of another company is left out)."""
        other_company = (
            self.env["res.company"]
            .sudo()
            .create({"name": "Second Salon", "country_id": self.env.ref("base.bg").id})
        )
        other_manager = new_test_user(
            self.env(su=True),
            login="lp_second_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        program = (
            self.env["loyalty.program"]
            .sudo()
            .create(
                {
                    "name": "Shared Club",
                    "program_type": "loyalty",
                    "company_id": False,
                    "currency_id": self.company.currency_id.id,
                }
            )
        )
        theirs = (
            self.env["res.partner"]
            .sudo()
            .create({"name": "Their Customer", "company_id": other_company.id})
        )
        self.env["loyalty.card"].sudo().create(
            [
                {"program_id": program.id, "partner_id": self.customer.id, "points": 40},
                {"program_id": program.id, "partner_id": theirs.id, "points": 70},
            ]
        )

        def convert(env):
            wizard = env["loyalty.points.import"].create(
                {"source": "odoo_loyalty", "odoo_program_id": program.id}
            )
            self._import(wizard)
            return wizard

        # this company first: its (shared) customer; the other company's is left out
        self.assertRecordValues(
            convert(self.env),
            [{"state": "done", "row_count": 1, "left_out_count": 1, "points_total": 40}],
        )
        # then the other company: its customer; the shared card was converted already
        self.assertRecordValues(
            convert(self.env(user=other_manager)),
            [{"state": "done", "row_count": 1, "skipped_count": 1, "points_total": 70}],
        )
        Account = self.env["loyalty.points.account"].sudo()
        self.assertEqual(Account.search([("partner_id", "=", theirs.id)]).company_id, other_company)
        self.assertEqual(
            Account.search([("partner_id", "=", self.customer.id)]).mapped("balance"), [40]
        )

    # ------------------------------------------------------------------
    # files, encodings, mapping

    @users("lp_manager")
    def test_cp1251_semicolon_and_russian_headers(self):
        text = (
            "Телефон;Баллы;Дата сгорания;Номер карты;Оборот;Визиты;Имя\n"
            "088 123 4567;1 234,50;31.01.2031;;12 500,00;7;Жанна\n"
        )
        wizard = self._wizard(text, encoding="cp1251")
        self.assertEqual(
            wizard.column_ids.mapped("field"),
            ["phone", "points", "expiry_date", "card_number", "turnover", "visits", "name"],
        )
        self._import(wizard)
        self.assertRecordValues(
            self._account(self.vera), [{"balance": 1234.5, "turnover": 12500, "visit_count": 7}]
        )

    @users("lp_manager")
    def test_utf8_bom_and_xlsx(self):
        text = "\ufeffcustomer_ref,points\nC-1001,5\n"
        self._import(self._wizard(text))
        self.assertEqual(self._account(self.customer).balance, 5)
        data = xlsx_bytes([["E-mail", "Бонусы"], ["boris.ivanov@example.com", 7]])
        self._import(self._wizard(data, filename="clients.xlsx"))
        self.assertEqual(self._account(self.other_customer).balance, 7)

    @users("lp_manager")
    def test_mapping_unknown_columns_and_changes(self):
        text = "Client code;Loyalty;Favourite colour\nC-1001;40;red\n"
        wizard = self._wizard(text)
        self.assertEqual(wizard.column_ids.mapped("field"), ["customer_ref", False, False])
        with self.assertRaisesRegex(UserError, "B «Loyalty», C «Favourite colour»"):
            wizard.action_check()
        wizard.column_ids[1].field = "points"
        wizard.column_ids[2].field = "ignore"
        wizard.action_check()
        self.assertEqual(wizard.ignored_columns, "C «Favourite colour»")
        self.assertIn("Ignored columns: C «Favourite colour»", wizard.summary)
        self._import(wizard)
        self.assertEqual(self._account(self.customer).balance, 40)

    @users("lp_manager")
    def test_bad_files_book_nothing(self):
        cases = (
            (b"%PDF-1.7\x00\x00binary", "report.pdf", "is not a CSV or XLSX file"),
            (b"", "empty.csv", "is empty"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "Excel 97-2003"),
            (b"customer_ref,email\nC-1001,x@example.com\n", "nopoints.csv", "no points column"),
            (b"customer_ref,points,Colour\nC-1001,1,red\n", "colour.csv", "C «Colour»"),
            (b"customer_ref,points\n\n", "header.csv", "has a header but no rows"),
            (b"name,points\nAnna,5\n", "names.csv", "a column to find the customers by"),
            (b"customer_ref,points,Points\nC-1001,1,2\n", "twice.csv", "«Points»"),
        )
        for data, filename, message in cases:
            with self.subTest(filename=filename):
                wizard = self._wizard(data, filename=filename)
                with self.assertRaisesRegex(UserError, message):
                    wizard.action_check()
                with self.assertRaisesRegex(UserError, message):
                    self._import(wizard)
        self.assertFalse(self._entries())

    @users("lp_manager")
    def test_check_lists_every_row_problem(self):
        twin = (
            self.env["res.partner"]
            .sudo()
            .create({"name": "Anna's twin", "email": "shared@example.com"})
        )
        self.env["res.partner"].sudo().create({"name": "Other", "email": "Shared@example.com"})
        taken = self.env["loyalty.points.account"].sudo()._get_or_create(twin, self.company)
        taken.action_issue_card("2900000010024")
        text = (
            HEADER
            + (
                "C-1001,,,,10,,,,\n"  # 2: fine
                "NOPE,,,,10,,,,\n"  # 3: unknown
                ",shared@example.com,,,10,,,,\n"  # 4: two customers
                ",anna@example.com,,,10,,,,\n"  # 5: the same customer as row 2
                ",boris.ivanov@example.com,,,-5,,,,\n"  # 6: negative
                ",,088 123 4567,,10,01.01.2000,,,\n"  # 7: expired
                "C-X,,,,10,soon,,,\n"  # 8: unknown, unreadable date
                ",,,Nobody,10,,,,\n"  # 9: nothing to find by
                "C-1001,,,,,,2900000010018,,\n"  # 10: bad EAN, same customer
                ",boris.ivanov@example.com,,,,,2900000010024,abc,1.5\n"  # 11: card taken, numbers
            )
        )
        wizard = self._wizard(text)
        wizard.action_check()
        problems = self._problems(wizard)
        self.assertEqual(
            [line for line, _message in problems], [3, 4, 5, 6, 7, 8, 8, 9, 10, 10, 11, 11, 11, 11]
        )
        messages = dict(problems)
        self.assertEqual(messages[3], "No customer found by reference «NOPE».")
        self.assertIn("2 customers have this e-mail", messages[4])
        self.assertEqual(messages[5], "The same customer as row 2: Anna Petrova.")
        self.assertEqual(messages[6], "The points cannot be negative (-5).")
        self.assertIn("is in the past", messages[7])
        self.assertEqual(
            [message for line, message in problems if line == 11],
            [
                "The turnover «abc» is not a number.",
                "The visits «1.5» are not a whole number of zero or more.",
                "The same customer as row 6: Boris Ivanov.",
                "The card number 2900000010024 belongs to Anna's twin.",
            ],
        )
        self.assertIn("not a valid EAN-13", " ".join(m for line, m in problems if line == 10))
        self.assertEqual(wizard.problem_count, 14)
        self.assertIn("14 problems", wizard.summary)
        with self.assertRaisesRegex(UserError, "Nothing was imported: 14 problems"):
            self._import(wizard)
        self.assertFalse(self._entries())

    @users("lp_contact_manager")
    def test_create_missing_customers(self):
        text = HEADER + (
            "N-1,nina@example.com,089 999 0000,Nina Petkova,60,,,,\n"
            ",newbie@example.com,,,5,,,,\n"
        )
        wizard = self._wizard(text, create_missing=True)
        wizard.action_check()
        self.assertEqual(wizard.create_count, 2)
        self._import(wizard)
        nina = self.env["res.partner"].search([("ref", "=", "N-1")])
        self.assertRecordValues(
            nina, [{"name": "Nina Petkova", "email": "nina@example.com", "phone": "089 999 0000"}]
        )
        self.assertEqual(self._account(nina).balance, 60)
        newbie = self.env["res.partner"].search([("email", "=", "newbie@example.com")])
        self.assertEqual(newbie.name, "newbie@example.com")
        # the same new customer twice in a file is a problem
        wizard = self._wizard(
            HEADER + ",x@example.com,,X,1,,,,\n,X@example.com,,X,2,,,,\n", create_missing=True
        )
        wizard.action_check()
        self.assertEqual(self._problems(wizard), [(3, "The same customer as row 2.")])

    @users("lp_manager")
    def test_create_missing_customers_needs_contact_creation(self):
        text = HEADER + "N-1,nina@example.com,,Nina Petkova,60,,,,\nC-1001,,,,10,,,,\n"
        partners = self.env["res.partner"].sudo().search_count([])
        wizard = self._wizard(text, create_missing=True)
        background = patch.object(
            type(self.env["loyalty.points.import"]), "_import_background_rows", 1
        )
        with self.assertRaisesRegex(AccessError, "Contact Creation"):
            wizard.action_check()
        with self.assertRaisesRegex(AccessError, "Contact Creation"):
            self._import(wizard)
        # nor is it queued for the background job
        with background, self.assertRaisesRegex(AccessError, "Contact Creation"):
            wizard.action_import()
        self.assertEqual(wizard.state, "draft")
        self.assertFalse(self._entries())
        self.assertFalse(self.env["loyalty.points.opening"].search([]))
        self.assertEqual(self.env["res.partner"].sudo().search_count([]), partners)
        # without creating customers, the same manager imports what the file finds
        self._import(self._wizard(HEADER + "C-1001,,,,10,,,,\n"))
        self.assertEqual(self._account(self.customer).balance, 10)

    @users("lp_manager")
    def test_phone_finds_mobile_and_landline(self):
        Partner = self.env["res.partner"].sudo()
        galina = Partner.create(
            {"name": "Galina", "mobile": "+359 87 000 1111", "phone": "02 987 6543"}
        )
        dimitar = Partner.create(
            {"name": "Dimitar", "mobile": "+359 87 000 2222", "phone": "02 111 2222"}
        )
        Partner.create({"name": "Elena", "phone": "+359 2 111 2222"})
        text = HEADER + ",,+359 2 987 6543,,7,,,,\n,,0870002222,,8,,,,\n,,021112222,,9,,,,\n"
        wizard = self._wizard(text)
        wizard.action_check()
        problems = self._problems(wizard)
        # the landline of Dimitar is also Elena's phone: two customers
        self.assertEqual([line for line, _message in problems], [4])
        self.assertIn("2 customers have this phone number", problems[0][1])
        self._import(self._wizard(HEADER + ",,+359 2 987 6543,,7,,,,\n,,0870002222,,8,,,,\n"))
        self.assertEqual(self._account(galina).balance, 7)
        self.assertEqual(self._account(dimitar).balance, 8)

    @users("lp_manager")
    def test_customer_imported_from_another_file(self):
        self._import(self._wizard(HEADER + "C-1001,,,,10,,,,\n", filename="first.csv"))
        wizard = self._wizard(HEADER + "C-1001,,,,20,,,,\n", filename="second.csv")
        wizard.action_check()
        self.assertIn("imported from first.csv", self._problems(wizard)[0][1])

    def test_overdrawn_account_pays_its_debt_first(self):
        account = self._account(self.customer)
        self._book(account, "redeem", -50)
        self.assertEqual(account.balance, -50)
        self._import(self._wizard(HEADER + "C-1001,,,,80,,,,\n"))
        self.assertEqual(account.balance, 30)
        lot = account.sudo().entry_ids.filtered(lambda entry: entry.kind == "adjust")
        self.assertEqual(lot.remaining, 30)
        self.assertEqual(lot.credit_allocation_ids.points, 50)
        self.assertLedgerConsistent(account)

    def test_ledger_bulk_lots_are_keyed_once(self):
        Entry = self.env["loyalty.points.entry"]
        from odoo.tools import SQL  # noqa: PLC0415 -- this test only

        lots = SQL(
            "SELECT %s AS account_id, 12.345 AS points, NULL::date AS expiry_date, "
            "'abc' AS import, 7 AS line",
            self.account.id,
        )
        booked = Entry._post_opening_lots(lots, "opening")
        self.assertEqual([row[2:] for row in booked], [(12.35, "import:abc:7")])
        self.assertEqual(Entry._post_opening_lots(lots, "opening"), [])
        self.assertEqual(self.account.balance, 12.35)
        self.assertLedgerConsistent(self.account)

    @users("lp_manager")
    def test_large_file_in_batches_with_progress(self):
        partners = (
            self.env["res.partner"]
            .sudo()
            .create([{"name": f"Bulk {i}", "ref": f"B-{i}"} for i in range(30)])
        )
        text = HEADER + "".join(f"B-{i},,,,{i + 1},,,{i * 10},\n" for i in range(30))
        wizard = self._wizard(text)
        with (
            patch.object(type(wizard), "_import_batch_rows", 7),
            patch.object(type(wizard), "_progress", autospec=True) as progress,
        ):
            self._import(wizard)
        self.assertEqual(
            [call.args[2] for call in progress.call_args_list],
            [7, 14, 21, 28, 7, 14, 21, 28, 30],
        )
        accounts = self.env["loyalty.points.account"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(sum(accounts.mapped("balance")), sum(range(1, 31)))
        self.assertLedgerConsistent(accounts)

    @users("lp_manager")
    def test_background_job(self):
        background = patch.object(
            type(self.env["loyalty.points.import"]), "_import_background_rows", 2
        )
        bad = self._wizard(self._three_rows().replace("250.5", "-1"))
        with background:
            bad.action_import()
        self.assertEqual(bad.state, "queued")
        self.env["loyalty.points.import"].sudo()._cron_import()
        self.assertEqual(bad.state, "failed")
        self.assertEqual(self._problems(bad), [(3, "The points cannot be negative (-1).")])
        self.assertFalse(self._entries())
        wizard = self._wizard(self._three_rows())
        with background:
            wizard.action_import()
        self.assertEqual(wizard.state, "queued")
        self.assertFalse(self._entries())
        self.env["loyalty.points.import"].sudo()._cron_import()
        self.assertEqual(wizard.state, "done")
        self.assertEqual(self._account(self.vera).balance, 30)

    @users("lp_contact_manager")
    def test_template_imports(self):
        action = self.env["loyalty.points.import"].create({}).action_download_template()
        self.assertEqual(action["type"], "ir.actions.act_url")
        from odoo.tools.misc import file_open  # noqa: PLC0415 -- this test only

        with file_open(
            "loyalty_points/static/import/loyalty_points_import_template.csv", "rb"
        ) as f:
            data = f.read()
        wizard = self._wizard(data, create_missing=True)
        self.assertNotIn(False, wizard.column_ids.mapped("field"))
        wizard.action_check()
        self.assertEqual(self._problems(wizard), [])
        self.assertEqual(wizard.row_count, 2)

    # ------------------------------------------------------------------
    # who may import

    def test_only_managers_of_the_company_import(self):
        other_company = self.env["res.company"].create({"name": "Other Salon"})
        other_manager = new_test_user(
            self.env,
            login="lp_other_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        data = base64.b64encode(self._three_rows().encode())
        with self.assertRaises(AccessError):
            self.env["loyalty.points.import"].with_user(self.cashier).create({"file": data})
        wizard = self.env["loyalty.points.import"].with_user(self.manager).create({"file": data})
        for user in (self.cashier, other_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                wizard.with_user(user).action_import()
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                wizard.with_user(user).action_check()
        forged = (
            self.env["loyalty.points.import"]
            .with_user(other_manager)
            .create({"file": data, "company_id": self.company.id})
        )
        with self.assertRaisesRegex(AccessError, "cannot import loyalty balances into"):
            forged.action_import()
        self.assertFalse(self._entries())


@tagged("post_install", "-at_install")
class TestImportRpc(HttpCase, LoyaltyPointsCase):
    """The import over JSON-RPC, as an attacker calls it: only a POS manager
    of the company imports, into that company, from its own wizard, a source
    and a program it may use."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other Salon"})
        cls.customer = cls.env["res.partner"].create({"name": "Anna Petrova", "ref": "C-1001"})
        users = {}
        for login, groups, company in (
            ("lp_rpc_manager", "point_of_sale.group_pos_manager", cls.company),
            ("lp_rpc_cashier", "point_of_sale.group_pos_user", cls.company),
            ("lp_rpc_other_manager", "point_of_sale.group_pos_manager", cls.other_company),
        ):
            users[login] = new_test_user(
                cls.env,
                login=login,
                groups=f"base.group_user,{groups}",
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
        cls.manager = users["lp_rpc_manager"]
        cls.file = base64.b64encode((HEADER + "C-1001,,,,100,,,,\n").encode()).decode()
        cls.wizard = (
            cls.env["loyalty.points.import"]
            .with_user(cls.manager)
            .create({"file": cls.file, "filename": "clients.csv"})
        )
        Program = cls.env["loyalty.program"]
        cls.program = Program.create({"name": "Our Club", "program_type": "loyalty"})
        cls.other_program = Program.create(
            {"name": "Their Club", "program_type": "loyalty", "company_id": cls.other_company.id}
        )
        cls.env["loyalty.card"].create(
            [
                {"program_id": cls.program.id, "partner_id": cls.customer.id, "points": 50},
                {"program_id": cls.other_program.id, "partner_id": cls.customer.id, "points": 70},
            ]
        )

    def _call(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    def _refused(self, error, method, args, kwargs=None):
        with self.assertRaises(JsonRpcException) as caught:
            self._call("loyalty.points.import", method, args, kwargs)
        self.assertEqual(caught.exception.args[0], error)

    def _booked(self):
        return self.env["loyalty.points.entry"].sudo().search_count([("note", "like", "imported")])

    def test_cashier_cannot_import_nor_check(self):
        self.authenticate("lp_rpc_cashier", "lp_rpc_cashier")
        access = "odoo.exceptions.AccessError"
        self._refused(access, "create", [{"file": self.file}])
        for method in ("action_import", "action_check"):
            self._refused(access, method, [[self.wizard.id]])
        self.assertFalse(self._booked())

    def test_other_company_manager_cannot_import_here(self):
        self.authenticate("lp_rpc_other_manager", "lp_rpc_other_manager")
        access = "odoo.exceptions.AccessError"
        for method in ("action_import", "action_check"):
            self._refused(access, method, [[self.wizard.id]])
        forged = self._call(
            "loyalty.points.import", "create", [{"file": self.file, "company_id": self.company.id}]
        )
        for method in ("action_import", "action_check"):
            self._refused(access, method, [[forged]])
        self.assertFalse(self._booked())

    def test_forged_file_digest(self):
        """The digest is the file's: set over RPC, it is refused, and the
        file imported before is recognised whatever its wizard."""
        self.authenticate("lp_rpc_manager", "lp_rpc_manager")
        now = {"context": {"loyalty_points_import_now": True}}
        self._call("loyalty.points.import", "action_import", [[self.wizard.id]], now)
        self.assertEqual(self._booked(), 1)
        access = "odoo.exceptions.AccessError"
        self._refused(access, "create", [{"file": self.file, "file_digest": "forged"}])
        again = self._call(
            "loyalty.points.import", "create", [{"file": self.file, "filename": "again.csv"}]
        )
        self._refused(access, "write", [[again], {"file_digest": "forged"}])
        self._refused(access, "write", [[again], {"file": self.file, "file_digest": "forged"}])
        self._call("loyalty.points.import", "action_import", [[again]], now)
        self.assertRecordValues(
            self.env["loyalty.points.import"].browse(again),
            [{"state": "done", "row_count": 0, "skipped_count": 1}],
        )
        self.assertEqual(self._booked(), 1)

    def test_forged_source_and_program(self):
        self.authenticate("lp_rpc_manager", "lp_rpc_manager")
        self._refused(
            "odoo.exceptions.ValidationError", "create", [{"source": "sql", "file": self.file}]
        )
        for program in (self.other_program, self.env["loyalty.program"].browse(999999)):
            wizard = self._call(
                "loyalty.points.import",
                "create",
                [{"source": "odoo_loyalty", "odoo_program_id": program.id}],
            )
            with self.assertRaises(JsonRpcException):
                self._call("loyalty.points.import", "action_import", [[wizard]])
        # the manager's own program converts
        wizard = self._call(
            "loyalty.points.import",
            "create",
            [{"source": "odoo_loyalty", "odoo_program_id": self.program.id}],
        )
        self._call(
            "loyalty.points.import",
            "action_import",
            [[wizard]],
            {"context": {"loyalty_points_import_now": True}},
        )
        account = self.env["loyalty.points.account"].search(
            [("partner_id", "=", self.customer.id), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(account.balance, 50)
        self.assertFalse(
            self.env["loyalty.points.account"].search(
                [("partner_id", "=", self.customer.id), ("company_id", "=", self.other_company.id)]
            )
        )


@tagged("post_install", "-at_install")
class TestImportBench(TransactionCase):
    """scripts/bench --only import, with a few rows, in the test's transaction."""

    def test_bench_prints_its_figures(self):
        path = os.path.join(get_module_path("loyalty_points"), "scripts", "bench_import.py")
        spec = importlib.util.spec_from_file_location("loyalty_points_bench_import", path)
        bench = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(bench)
        bench.ROWS, bench.COMMIT = 30, False
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            bench.main(self.env)
        figures = printed.getvalue()
        self.assertRegex(figures, r"check: .* rows/s\), 0 problems")
        self.assertRegex(figures, r"import: .* rows/s")
        self.assertRegex(figures, r"RSS: .* MiB before; .* peak")
        self.assertIn("nothing booked twice (30 opening lots)", figures)
        self.assertIn("invariant:   OK", figures)
