from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import LoyaltyPointsInvoiceCommon


@tagged("post_install", "-at_install")
class TestInvoiceServerAuthority(LoyaltyPointsInvoiceCommon):
    """Issue 20: who flags a points journal, who registers a points payment,
    and what a user tries over RPC against invoice points, each as the
    lowest-rights user of the role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_ids = [Command.set(cls.company.ids)]

        def user(login, groups, **vals):
            return new_test_user(
                cls.env,
                login=login,
                groups=groups,
                company_id=vals.pop("company", cls.company).id,
                company_ids=vals.pop("company_ids", company_ids),
                **vals,
            )

        cls.billing = user("lp_inv_billing", "base.group_user,account.group_account_invoice")
        cls.cashier = user("lp_inv_cashier", "base.group_user,point_of_sale.group_pos_user")
        cls.pos_manager = user(
            "lp_inv_pos_manager", "base.group_user,point_of_sale.group_pos_manager"
        )
        cls.accountant = user("lp_inv_accountant", "base.group_user,account.group_account_manager")
        cls.portal = user("lp_inv_portal", "base.group_portal", partner_id=cls.anna.id)
        cls.other_company = cls.setup_other_company(name="Other Company")["company"]
        cls.other_accountant = user(
            "lp_inv_other_accountant",
            "base.group_user,account.group_account_manager",
            company=cls.other_company,
            company_ids=[Command.set(cls.other_company.ids)],
        )
        cls._opening_points = 500

    def setUp(self):
        super().setUp()
        self._opening(self.anna, self._opening_points)
        self.invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])

    # who flags a journal --------------------------------------------------------

    def test_only_accounting_managers_flag_a_journal(self):
        journal = self.bank_journal
        for user in (self.billing, self.cashier, self.pos_manager, self.portal):
            with self.assertRaises(AccessError, msg=user.login):
                journal.with_user(user).write({"loyalty_points": True})
        # even with write rights on journals, only an accounting manager flags one
        editors = self.env["res.groups"].create(
            {
                "name": "Journal editors",
                "model_access": [
                    Command.create(
                        {
                            "name": "journal editors",
                            "model_id": self.env.ref("account.model_account_journal").id,
                            "perm_read": True,
                            "perm_write": True,
                            "perm_create": True,
                        }
                    )
                ],
            }
        )
        self.pos_manager.groups_id = [Command.link(editors.id)]
        journal.with_user(self.pos_manager).write({"name": "Bank (renamed)"})
        with self.assertRaisesRegex(AccessError, "Only accounting managers"):
            journal.with_user(self.pos_manager).write({"loyalty_points": True})
        with self.assertRaisesRegex(AccessError, "Only accounting managers"):
            self.env["account.journal"].with_user(self.pos_manager).create(
                {"name": "Forged", "type": "bank", "code": "FRGD", "loyalty_points": True}
            )
        self.assertFalse(journal.loyalty_points)
        journal.with_user(self.accountant).write({"loyalty_points": True})
        self.assertTrue(journal.loyalty_points)

    # who registers a points payment -----------------------------------------------

    def test_an_invoicing_user_registers_and_cancels_a_points_payment(self):
        payment = self._pay(
            self.invoice, amount=100, journal=self.points_journal, user=self.billing
        )
        self.assertEqual(self._balance(self.anna), 400)
        payment.with_user(self.billing).action_cancel()
        self.assertEqual(self._balance(self.anna), 500)
        self._pay(self.invoice, amount=100, journal=self.points_journal, user=self.billing)
        self._pay(self.invoice, amount=900, user=self.billing)
        self.assertEqual(self._balance(self.anna), 490)
        # the customer sees the invoice's loyalty figures on their portal
        values = self.invoice.with_user(self.portal).read(
            ["loyalty_points_earned", "loyalty_points_paid", "loyalty_points_balance"]
        )[0]
        self.assertEqual(
            (
                values["loyalty_points_earned"],
                values["loyalty_points_paid"],
                values["loyalty_points_balance"],
            ),
            (90, 100, 490),
        )

    def test_cashiers_portal_users_and_other_companies_register_nothing(self):
        for user in (self.cashier, self.portal, self.other_accountant):
            with self.assertRaises(AccessError, msg=user.login):
                self._pay(self.invoice, amount=100, journal=self.points_journal, user=user)
        self.assertEqual(self._balance(self.anna), 500)
        self.assertEqual(self.invoice.payment_state, "not_paid")
        # nor does another company's accountant read the customer's points journal
        with self.assertRaises(AccessError):
            self.env["loyalty.points.entry"].with_user(self.other_accountant).search(
                [("partner_id", "=", self.anna.id)]
            )

    # what a user tries over RPC ----------------------------------------------------

    def test_nobody_writes_the_loyalty_fields_of_invoices_and_payments(self):
        payment = self._pay(self.invoice, amount=100, journal=self.points_journal)
        self._pay(self.invoice, amount=900)
        as_billing = self.invoice.with_user(self.billing)
        forged = [
            (as_billing, {"loyalty_points_booked": False}),
            (as_billing, {"loyalty_points_amount": 1000000}),
            (as_billing, {"loyalty_points_account_id": False}),
            (as_billing.invoice_line_ids, {"loyalty_points": 5000}),
            (as_billing.invoice_line_ids, {"loyalty_points_reversed": 0}),
            (payment.with_user(self.billing), {"loyalty_points_invoice_id": False}),
        ]
        for records, vals in forged:
            with self.assertRaises(AccessError, msg=str(vals)):
                records.write(vals)
        with self.assertRaises(AccessError):
            self.env["account.payment"].with_user(self.billing).create(
                {
                    "partner_id": self.anna.id,
                    "amount": 10,
                    "journal_id": self.bank_journal.id,
                    "loyalty_points_invoice_id": self.invoice.id,
                }
            )
        with self.assertRaises(UserError):
            payment.with_user(self.billing).write({"amount": 1})
        self.assertEqual(self._balance(self.anna), 490)
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_an_invoice_edited_after_it_earned_earns_nothing_more(self):
        payment = self._pay(self.invoice, user=self.billing)
        self.assertEqual(self._balance(self.anna), 600)
        as_billing = self.invoice.with_user(self.billing)
        as_billing.button_draft()
        as_billing.write(
            {
                "invoice_line_ids": [
                    Command.update(self.invoice.invoice_line_ids.id, {"price_unit": 1000})
                ]
            }
        )
        as_billing.action_post()
        receivable = payment.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        as_billing.js_assign_outstanding_line(receivable.id)
        self._pay(self.invoice, user=self.billing)
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 600)

    def test_an_invoice_that_earned_is_never_posted_again_for_less(self):
        """Lowered after it earned, then paid again, the invoice would keep
        points for a sale it no longer bills: refused, as deleting the line."""
        self._pay(self.invoice, user=self.billing)
        self.assertEqual(self._balance(self.anna), 600)
        as_billing = self.invoice.with_user(self.billing)
        as_billing.button_draft()
        line = self.invoice.invoice_line_ids
        as_billing.write({"invoice_line_ids": [Command.update(line.id, {"price_unit": 1})]})
        with self.assertRaisesRegex(UserError, "cannot be posted again for less"):
            as_billing.action_post()
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            as_billing.write({"invoice_line_ids": [Command.delete(line.id)]})
        # as it was: posted again
        as_billing.write({"invoice_line_ids": [Command.update(line.id, {"price_unit": 100})]})
        as_billing.action_post()
        self.assertEqual(self.invoice.state, "posted")
        self.assertEqual(self._balance(self.anna), 600)
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_a_credit_note_that_took_points_back_never_credits_more(self):
        self._pay(self.invoice, user=self.billing)
        note = self._credit_note(self.invoice, [(self.shampoo, 1, 100.0)])
        self.assertEqual(self._balance(self.anna), 590)
        as_billing = note.with_user(self.billing)
        as_billing.button_draft()
        line = note.invoice_line_ids
        as_billing.write({"invoice_line_ids": [Command.update(line.id, {"quantity": 10})]})
        with self.assertRaisesRegex(UserError, "cannot be posted again"):
            as_billing.action_post()
        self.assertEqual(self._balance(self.anna), 590)

    def test_points_pay_no_more_than_is_left_to_pay(self):
        """A points payment on an invoice the bank paid already would leave a
        credit paid with points, spendable on anything: refused."""
        self._pay(self.invoice, user=self.billing)
        self.assertEqual(self._balance(self.anna), 600)
        payment = (
            self.env["account.payment"]
            .with_user(self.billing)
            .create(
                {
                    "partner_id": self.anna.id,
                    "partner_type": "customer",
                    "payment_type": "inbound",
                    "amount": 10,
                    "journal_id": self.points_journal.id,
                    "invoice_ids": [Command.set(self.invoice.ids)],
                }
            )
        )
        with self.assertRaisesRegex(UserError, "left to pay"):
            payment.action_post()
        self.assertEqual(self._balance(self.anna), 600)
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_a_points_payment_pays_its_own_customers_invoice_only(self):
        Payment = self.env["account.payment"].with_user(self.billing)
        forged = Payment.create(
            {
                "partner_id": self.boris.id,
                "partner_type": "customer",
                "payment_type": "inbound",
                "amount": 100,
                "journal_id": self.points_journal.id,
                "invoice_ids": [Command.set(self.invoice.ids)],
            }
        )
        with self.assertRaisesRegex(UserError, "cannot be paid with points"):
            forged.action_post()
        unlinked = Payment.create(
            {
                "partner_id": self.anna.id,
                "partner_type": "customer",
                "payment_type": "inbound",
                "amount": 100,
                "journal_id": self.points_journal.id,
            }
        )
        with self.assertRaisesRegex(UserError, "one invoice at a time"):
            unlinked.action_post()
        self.assertEqual(self._balance(self.anna), 500)
        self.assertFalse(self._invoice_account(self.boris))

    def test_another_companys_invoice_is_out_of_reach(self):
        with self.assertRaises(AccessError):
            self.invoice.with_user(self.other_accountant).read(["loyalty_points_earned"])
        # a points journal of their own company, a payment that names the invoice
        self.other_company.loyalty_points_max_redeem_share = 100.0
        their_journal = self.env["account.journal"].create(
            {
                "name": "Their points",
                "type": "bank",
                "code": "THPTS",
                "loyalty_points": True,
                "company_id": self.other_company.id,
            }
        )
        refused = None
        try:
            with mute_logger("odoo.models"), self.env.cr.savepoint():
                self.env["account.payment"].with_user(self.other_accountant).create(
                    {
                        "partner_id": self.anna.id,
                        "amount": 100,
                        "journal_id": their_journal.id,
                        "invoice_ids": [Command.set(self.invoice.ids)],
                    }
                ).action_post()
        except (AccessError, UserError) as error:
            refused = error
        self.assertTrue(refused, "another company's accountant paid an invoice with points")
        self.assertEqual(self._balance(self.anna), 500)

    def test_a_cashier_reads_which_invoice_an_entry_belongs_to(self):
        self._pay(self.invoice, user=self.billing)
        entry = self.env["loyalty.points.entry"].search(
            [("invoice_id", "=", self.invoice.id)], limit=1
        )
        values = entry.with_user(self.cashier).read(["invoice_id", "points"])[0]
        self.assertEqual(values["invoice_id"], (self.invoice.id, self.invoice.display_name))
