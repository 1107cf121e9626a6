import io
from unittest.mock import patch

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader

from ..tools import ean
from ..tools.ean import ean_check_digit, is_valid_ean13
from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestCards(LoyaltyPointsCommon):
    """Loyalty card numbers: issue, block, replace, bulk issue, lookup at the till."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_points_card_prefix = "29"
        cls.config = cls.env["pos.config"].search([("company_id", "=", cls.company.id)], limit=1)
        if not cls.config:
            cls.config = cls.env["pos.config"].create({"name": "Card Shop"})
        cls.other_company = cls.env["res.company"].create({"name": "Other Shop Ltd"})

    def _issued(self, action):
        """The cards the window action returned by issuing cards lists."""
        self.assertEqual(action["res_model"], "loyalty.points.card")
        return self.env["loyalty.points.card"].sudo().search(action["domain"]).sudo(False)

    def _lookup(self, number, user=None):
        Partner = self.env["res.partner"].with_user(user or self.cashier)
        return Partner.loyalty_points_partner_by_card(self.config.id, number)

    def test_generated_numbers_are_ean13_in_the_company_range(self):
        cards = self._issued(
            (self.account | self.other_account).with_user(self.manager).action_issue_card()
        )
        self.assertEqual(len(cards), 2)
        for card in cards:
            self.assertTrue(is_valid_ean13(card.number), card.number)
            self.assertTrue(card.number.startswith("29"))
        self.assertEqual(len(set(cards.mapped("number"))), 2)
        self.assertEqual(
            self.account.card_number, cards.filtered(lambda c: c.account_id == self.account).number
        )

    def _number(self, value, prefix="29"):
        """The EAN-13 of ``prefix`` and the random draw ``value``."""
        body = prefix + str(value).zfill(12 - len(prefix))
        return body + ean_check_digit(body)

    def _draws(self, *values):
        """Patch the random source of the card numbers: it draws ``values``."""
        return patch.object(ean, "randbelow", side_effect=list(values))

    def test_generated_numbers_are_random(self):
        """The card is the customer's credential at the till, and a customer
        sees their own number: the next card is not derivable from it."""
        manager_account = self.account.with_user(self.manager)
        first = self._issued(manager_account.action_issue_card())
        second = self._issued(self.other_account.with_user(self.manager).action_issue_card())
        bodies = [int(card.number[2:-1]) for card in first | second]
        self.assertNotEqual(abs(bodies[0] - bodies[1]), 1, "consecutive card numbers")
        third = self._issued(manager_account.action_replace_card(reason="Lost"))
        self.assertNotIn(abs(int(third.number[2:-1]) - bodies[0]), (1, 2), "guessable")
        # the digits after the prefix come from the secrets module
        with self._draws(4242424242):
            account = self.env["loyalty.points.account"]._get_or_create(
                self.env["res.partner"].create({"name": "Drawn"}), self.company
            )
            card = self._issued(account.with_user(self.manager).action_issue_card())
        self.assertEqual(card.number, self._number(4242424242))

    def test_numbers_in_use_are_drawn_again(self):
        taken = self._number(7)
        self.account.with_user(self.manager).action_issue_card(taken)
        blocked = self._number(8)
        third = self.env["loyalty.points.account"]._get_or_create(
            self.env["res.partner"].create({"name": "Lost Card"}), self.company
        )
        third.with_user(self.manager).action_issue_card(blocked)
        third.with_user(self.manager).action_block_card(reason="Lost")
        # the draw hits the pre-printed card, then the blocked one
        with self._draws(7, 8, 9):
            card = self._issued(self.other_account.with_user(self.manager).action_issue_card())
        self.assertEqual(card.number, self._number(9))
        # nothing free after many draws: a clear error, nothing issued
        with self._draws(*[7] * 100), self.assertRaisesRegex(UserError, "free card number"):
            third.with_user(self.manager).action_issue_card()
        self.assertEqual(len(third.card_ids), 1)

    def test_bulk_issue_draws_unique_numbers(self):
        tag = self.env["res.partner.category"].create({"name": "Bulk"})
        self.env["res.partner"].create(
            [{"name": f"Bulk {i}", "category_id": [Command.link(tag.id)]} for i in range(3)]
        )
        self.account.with_user(self.manager).action_issue_card(self._number(5))
        wizard = Form(self.env["loyalty.points.card.issue"].with_user(self.manager))
        wizard.partner_category_ids.add(tag)
        # the batch draws 5 (in use) and 6 twice: both drawn again
        with self._draws(5, 6, 6, 11, 12):
            cards = self._issued(wizard.save().action_confirm())
        self.assertEqual(sorted(cards.mapped("number")), [self._number(n) for n in (6, 11, 12)])
        # a larger batch: all different, valid, in the company's range
        tag_2 = self.env["res.partner.category"].create({"name": "Bulk 2"})
        self.env["res.partner"].create(
            [{"name": f"Many {i}", "category_id": [Command.link(tag_2.id)]} for i in range(40)]
        )
        wizard = Form(self.env["loyalty.points.card.issue"].with_user(self.manager))
        wizard.partner_category_ids.add(tag_2)
        cards = self._issued(wizard.save().action_confirm())
        self.assertEqual(len(set(cards.mapped("number"))), 40)
        for card in cards:
            self.assertTrue(is_valid_ean13(card.number) and card.number.startswith("29"))

    def test_preprinted_number_and_bad_input(self):
        manager_account = self.account.with_user(self.manager)
        for number, message in [
            ("2900000000019", "wrong check digit"),
            ("ab", "not valid"),
            ("12 34 56", "not valid"),
        ]:
            with self.subTest(number=number), self.assertRaisesRegex(UserError, message):
                manager_account.action_issue_card(number)
        self.assertFalse(self.account.card_ids)
        manager_account.action_issue_card(" PP-000123 ")
        self.assertEqual(self.account.card_number, "PP-000123")
        # a duplicate, in the same company: refused, nothing changed
        with self.assertRaisesRegex(UserError, "already used"):
            self.other_account.with_user(self.manager).action_issue_card("PP-000123")
        self.assertFalse(self.other_account.card_ids)
        # a second card for an account that has one: block or replace it first
        with self.assertRaisesRegex(UserError, "already has an active loyalty card"):
            manager_account.action_issue_card("PP-000124")
        # the same number in another company is another card
        other_account = self.env["loyalty.points.account"]._get_or_create(
            self.customer, self.other_company
        )
        other_account.sudo().action_issue_card("PP-000123")
        self.assertEqual(other_account.card_number, "PP-000123")

    def test_block_and_replace_keep_the_account(self):
        self._book(self.account, "earn", 120.0, expiry_days=100)
        manager_account = self.account.with_user(self.manager)
        first = self._issued(manager_account.action_issue_card())
        self.assertEqual(self._lookup(first.number)["partner_id"], self.customer.id)
        second = self._issued(manager_account.action_replace_card(reason="Lost"))
        self.assertRecordValues(
            first, [{"state": "blocked", "block_reason": "Lost", "account_id": self.account.id}]
        )
        self.assertEqual(self.account.card_number, second.number)
        self.assertEqual(self.account.balance, 120.0)
        self.assertLedgerConsistent(self.account)
        # the blocked number never selects anybody again, nor can it be re-issued
        result = self._lookup(first.number)
        self.assertFalse(result["partner_id"])
        self.assertIn("blocked", result["message"])
        with self.assertRaisesRegex(UserError, "already used"):
            self.other_account.with_user(self.manager).action_issue_card(first.number)
        self.assertFalse(
            self.env["res.partner"].search([("loyalty_points_card_number", "=", first.number)])
        )
        manager_account.action_block_card()
        self.assertFalse(self.account.card_number)
        self.assertFalse(self._lookup(second.number)["partner_id"])
        with self.assertRaisesRegex(UserError, "no active loyalty card"):
            manager_account.action_block_card()

    def test_lookup_unknown_and_other_company(self):
        result = self._lookup("2900000099990")
        self.assertFalse(result["partner_id"])
        self.assertIn("Unknown loyalty card", result["message"])
        other_account = self.env["loyalty.points.account"]._get_or_create(
            self.other_customer, self.other_company
        )
        card = self._issued(other_account.sudo().action_issue_card())
        result = self._lookup(card.number)
        self.assertFalse(result["partner_id"], "a card of another company selects nobody")
        self.assertIn("Unknown loyalty card", result["message"])

    def test_partner_search_by_card_number(self):
        card = self._issued(self.account.with_user(self.manager).action_issue_card())
        Partner = self.env["res.partner"].with_user(self.cashier)
        found = Partner.search([("loyalty_points_card_number", "ilike", card.number + "%")])
        self.assertEqual(found, self.customer)
        self.assertEqual(Partner.browse(self.customer.id).loyalty_points_card_number, card.number)
        # the POS customer search: any of several fields, the card number among them
        found = Partner.search(
            [
                "|",
                ("name", "ilike", card.number),
                ("loyalty_points_card_number", "ilike", card.number),
            ]
        )
        self.assertEqual(found, self.customer)

    def test_card_numbers_are_for_pos_users_only(self):
        """res.partner.loyalty_points_card_number is a credential at the till:
        a user without POS rights neither reads nor searches it, a portal user
        not even on their own contact (the portal page shows their card)."""
        card = self._issued(self.account.with_user(self.manager).action_issue_card())
        internal = new_test_user(self.env, login="lp_card_internal", groups="base.group_user")
        portal = new_test_user(self.env, login="lp_card_portal", groups="base.group_portal")
        portal_account = self.env["loyalty.points.account"]._get_or_create(
            portal.partner_id, self.company
        )
        portal_card = self._issued(portal_account.with_user(self.manager).action_issue_card())
        for user, partner, number in (
            (internal, self.customer, card.number),
            (portal, portal.partner_id, portal_card.number),
        ):
            Partner = self.env["res.partner"].with_user(user)
            with self.subTest(user=user.login):
                self.assertEqual(Partner.browse(partner.id).read(["name"])[0]["name"], partner.name)
                with self.assertRaises(AccessError):
                    Partner.browse(partner.id).read(["loyalty_points_card_number"])
                with self.assertRaises(AccessError):
                    Partner.search([("loyalty_points_card_number", "=", number)])
                with self.assertRaises(AccessError):
                    Partner.search_read([("id", "=", partner.id)], ["loyalty_points_card_number"])
                self.assertNotIn("loyalty_points_card_number", Partner.fields_get())
        # POS users read it and find a customer by it (the till's customer search)
        Partner = self.env["res.partner"].with_user(self.cashier)
        self.assertEqual(
            Partner.search_read([("loyalty_points_card_number", "=", card.number)], ["name"]),
            [{"id": self.customer.id, "name": self.customer.name}],
        )
        self.assertEqual(
            Partner.browse(self.customer.id).read(["loyalty_points_card_number"])[0][
                "loyalty_points_card_number"
            ],
            card.number,
        )

    def test_cashier_cannot_touch_cards(self):
        card = self._issued(self.account.with_user(self.manager).action_issue_card())
        cashier_account = self.other_account.with_user(self.cashier)
        with self.assertRaises(AccessError):
            cashier_account.action_issue_card()
        with self.assertRaises(AccessError):
            self.account.with_user(self.cashier).action_block_card()
        with self.assertRaises(AccessError):
            self.account.with_user(self.cashier).action_replace_card()
        # reassigning the card to another account, or changing its number
        with self.assertRaises(AccessError):
            card.with_user(self.cashier).write({"account_id": self.other_account.id})
        with self.assertRaises(AccessError):
            card.with_user(self.cashier).write({"number": "2900000000025"})
        with self.assertRaises(AccessError):
            self.env["loyalty.points.card"].with_user(self.cashier).create(
                {
                    "number": "CASH-1",
                    "account_id": self.other_account.id,
                    "company_id": self.company.id,
                }
            )
        with self.assertRaises(AccessError):
            cashier_account.write({"card_number": card.number})
        # even a manager does not write the number directly
        with self.assertRaises(AccessError):
            card.with_user(self.manager).write({"account_id": self.other_account.id})
        with self.assertRaisesRegex(UserError, "cannot be written directly"):
            self.other_account.with_user(self.manager).write({"card_number": card.number})
        self.assertEqual(card.account_id, self.account)
        self.assertFalse(self.other_account.card_ids)
        # cashiers read cards
        self.assertEqual(card.with_user(self.cashier).number, self.account.card_number)

    def test_bulk_issue_by_tag(self):
        tag = self.env["res.partner.category"].create({"name": "Card holders"})
        holders = self.env["res.partner"].create(
            [{"name": f"Holder {i}", "category_id": [Command.link(tag.id)]} for i in range(5)]
        )
        self.customer.category_id = [Command.link(tag.id)]
        existing = self._issued(self.account.with_user(self.manager).action_issue_card())
        wizard = Form(self.env["loyalty.points.card.issue"].with_user(self.manager))
        wizard.partner_category_ids.add(tag)
        action = wizard.save().action_confirm()
        cards = self.env["loyalty.points.card"].browse(action["domain"][0][2])
        self.assertEqual(cards.account_id.partner_id, holders)
        self.assertEqual(self.account.card_ids, existing, "who has a card keeps it")
        # again: nothing left to issue
        wizard = Form(self.env["loyalty.points.card.issue"].with_user(self.manager))
        wizard.partner_category_ids.add(tag)
        with self.assertRaisesRegex(UserError, "nothing to issue"):
            wizard.save().action_confirm()
        # a cashier cannot run it
        cashier = new_test_user(
            self.env,
            login="lp_card_cashier2",
            groups="base.group_user,point_of_sale.group_pos_user",
        )
        with self.assertRaises(AccessError):
            self.env["loyalty.points.card.issue"].with_user(cashier).create({})

    def test_prefix_setting(self):
        with self.assertRaises(ValidationError):
            self.company.loyalty_points_card_prefix = "2A"
        self.company.loyalty_points_card_prefix = "271"
        card = self._issued(self.account.with_user(self.manager).action_issue_card())
        self.assertTrue(card.number.startswith("271"))
        self.assertTrue(is_valid_ean13(card.number))

    def test_print_card(self):
        self.account.with_user(self.manager).action_issue_card()
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("loyalty_points.action_report_loyalty_card", self.account.ids)[0]
            .decode()
        )
        self.assertIn(self.account.card_number, html)
        self.assertIn(f'alt="Barcode {self.account.card_number}"', html)
        self.assertIn("Loyalty card", html)

    def test_one_page_per_card_at_the_card_size(self):
        """A card printer gets one page per card, 86 x 54 mm (ID-1, rounded to
        the millimetre of the paper format), and no blank page after the last."""
        accounts = self.account | self.other_account
        accounts.with_user(self.manager).action_issue_card()
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        for printed in (self.account, accounts):
            pdf, _type = Report._render_qweb_pdf(
                "loyalty_points.action_report_loyalty_card", printed.ids
            )
            pages = PdfFileReader(io.BytesIO(pdf)).pages
            self.assertEqual(len(pages), len(printed))
            for page in pages:
                box = page.mediabox
                width, height = (float(size) * 25.4 / 72 for size in (box.width, box.height))
                self.assertAlmostEqual(width, 86, delta=0.5)
                self.assertAlmostEqual(height, 54, delta=0.5)

    def test_card_form_blocks_replaces_and_prints(self):
        """Block, Replace and Print are on the card form too (issue 24, 8)."""
        card = self._issued(self.account.with_user(self.manager).action_issue_card())
        card = card.with_user(self.manager)
        action = card.action_print()
        self.assertEqual(action["report_name"], "loyalty_points.report_loyalty_card")
        new_card = self._issued(card.action_replace())
        self.assertEqual(card.state, "blocked")
        self.assertEqual(new_card.account_id, self.account)
        self.assertEqual(self.account.card_number, new_card.number)
        # a blocked card is neither blocked again, replaced nor printed
        for method in ("action_block", "action_replace", "action_print"):
            with self.assertRaisesRegex(UserError, "is blocked"):
                getattr(card, method)()
        new_card.with_user(self.manager).action_block()
        self.assertEqual(new_card.state, "blocked")
        self.assertFalse(self.account.card_number)

    def test_a_cashier_prints_but_cannot_block_from_the_card(self):
        card = self._issued(self.account.with_user(self.manager).action_issue_card())
        card = card.sudo(False).with_user(self.cashier)
        self.assertTrue(card.action_print())
        with self.assertRaises(AccessError):
            card.action_block()
        with self.assertRaises(AccessError):
            card.action_replace()
        self.assertEqual(card.sudo().state, "active")

    def test_issuing_a_card_asks_first(self):
        arch = self.env["loyalty.points.account"].get_view(
            self.env.ref("loyalty_points.loyalty_points_account_view_form").id
        )["arch"]
        button = etree.fromstring(arch).xpath("//button[@name='action_issue_card']")[0]
        self.assertTrue(button.get("confirm"))
        card_form = self.env["loyalty.points.card"].get_view(
            self.env.ref("loyalty_points.loyalty_points_card_view_form").id
        )["arch"]
        for name in ("action_block", "action_replace", "action_print"):
            self.assertTrue(etree.fromstring(card_form).xpath(f"//header/button[@name='{name}']"))
