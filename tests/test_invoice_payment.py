from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import LoyaltyPointsInvoiceCommon


@tagged("post_install", "-at_install")
class TestInvoicePointsPayment(LoyaltyPointsInvoiceCommon):
    """Issue 20: paying an invoice with points (Register Payment in a journal
    flagged for loyalty points), giving them back."""

    def _entries(self, partner, **domain):
        return self.env["loyalty.points.entry"].search(
            [("partner_id", "=", partner.id), *[(k, "=", v) for k, v in domain.items()]],
            order="id",
        )

    def test_paid_100_with_points_and_900_by_bank(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])  # 1,000
        points_payment = self._pay(invoice, amount=100, journal=self.points_journal)
        self.assertEqual(self._balance(self.anna), 400)
        self.assertEqual(invoice.payment_state, "partial")
        self._pay(invoice, amount=900)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 400 + 90)
        self.assertRecordValues(
            invoice, [{"loyalty_points_paid": 100, "loyalty_points_earned": 90}]
        )
        self.assertRecordValues(
            points_payment,
            [{"loyalty_points": 100, "loyalty_points_invoice_id": invoice.id}],
        )
        redeem = self._entries(self.anna, kind="redeem")
        self.assertRecordValues(
            redeem,
            [
                {
                    "points": -100,
                    "invoice_id": invoice.id,
                    "payment_id": points_payment.id,
                    "idempotency_key": f"redeem:pay{points_payment.id}",
                }
            ],
        )
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_points_paid_last_also_count(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        self._pay(invoice, amount=900)
        self._pay(invoice, amount=100, journal=self.points_journal)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 490)

    def test_paying_more_points_than_the_balance_is_refused(self):
        self._opening(self.anna, 50)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        with self.assertRaisesRegex(UserError, "has 50.00 points"):
            self._pay(invoice, amount=100, journal=self.points_journal)
        self.assertEqual(self._balance(self.anna), 50)
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(self._entries(self.anna, kind="redeem"))

    def test_beyond_the_share_is_refused(self):
        self.company.loyalty_points_max_redeem_share = 50.0
        self._opening(self.anna, 1000)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        self._pay(invoice, amount=300, journal=self.points_journal)
        with self.assertRaisesRegex(UserError, "At most 50 %"):
            self._pay(invoice, amount=201, journal=self.points_journal)
        self._pay(invoice, amount=200, journal=self.points_journal)
        self.assertEqual(self._balance(self.anna), 500)

    def test_the_wizard_proposes_what_points_may_pay(self):
        self.company.loyalty_points_max_redeem_share = 50.0
        self._opening(self.anna, 350)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": self.points_journal.id})
        )
        self.assertEqual(wizard.amount, 350)
        self.assertIn("350.00 points", wizard.loyalty_points_info)
        self._opening(self.anna, 500)
        wizard.journal_id = self.bank_journal
        wizard.journal_id = self.points_journal
        self.assertEqual(wizard.amount, 500)  # half of the invoice

    def test_cancel_or_reset_gives_the_points_back(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        payment = self._pay(invoice, amount=100, journal=self.points_journal)
        payment.action_draft()
        self.assertEqual(self._balance(self.anna), 500)
        self.assertEqual(payment.loyalty_points, 0)
        giveback = self._entries(self.anna, kind="reversal")
        self.assertRecordValues(giveback, [{"points": 100, "payment_id": payment.id}])
        payment.action_post()  # posted again: spent again, under a key of its own
        self.assertEqual(self._balance(self.anna), 400)
        payment.action_cancel()
        self.assertEqual(self._balance(self.anna), 500)
        self.assertEqual(len(self._entries(self.anna, kind="redeem")), 2)
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_a_booked_points_payment_cannot_be_changed_nor_deleted(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        payment = self._pay(invoice, amount=100, journal=self.points_journal)
        with self.assertRaises(UserError):
            payment.write({"amount": 10})
        with self.assertRaises(UserError):
            payment.unlink()
        self.assertEqual(self._balance(self.anna), 400)

    def test_one_invoice_at_a_time(self):
        self._opening(self.anna, 500)
        first = self._invoice(self.anna, [(self.shampoo, 1, 100.0)])
        second = self._invoice(self.anna, [(self.shampoo, 1, 100.0)])
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=(first | second).ids)
            .create({"journal_id": self.points_journal.id, "group_payment": True})
        )
        with self.assertRaisesRegex(UserError, "one invoice at a time"):
            wizard._create_payments()
        self.assertEqual(self._balance(self.anna), 500)

    def test_outstanding_account_is_the_redemption_expense(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        payment = self._pay(invoice, amount=100, journal=self.points_journal)
        expense = self.company._loyalty_points_redemption_account()
        self.assertEqual(expense.account_type, "expense")
        self.assertEqual(payment.outstanding_account_id, expense)
        self.assertRecordValues(
            payment.move_id.line_ids.sorted("debit"),
            [
                {
                    "account_id": invoice.line_ids.account_id.filtered("reconcile")[:1].id,
                    "debit": 0,
                },
                {"account_id": expense.id, "debit": 100},
            ],
        )

    def test_outstanding_account_is_the_liability_when_points_are_in_the_books(self):
        self.company.loyalty_points_liability_accounting = True
        liability = self.company.loyalty_points_liability_account_id
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        payment = self._pay(invoice, amount=100, journal=self.points_journal)
        self.assertEqual(payment.outstanding_account_id, liability)
        self.assertEqual(
            payment.move_id.line_ids.filtered(lambda line: line.account_id == liability).debit, 100
        )
        redeem = self._entries(self.anna, kind="redeem")
        self.assertEqual(redeem.sudo().move_id, payment.move_id)
        payment.action_cancel()
        giveback = self._entries(self.anna, kind="reversal")
        self.assertEqual(giveback.sudo().move_id, payment.move_id)
        # the posting job leaves the points payment to its own journal entry
        Entry = self.env["loyalty.points.entry"]
        Entry.flush_model()
        later = self.today.replace(year=self.today.year + 1)
        unposted = [
            row[0]
            for row in self.env.execute_query(
                Entry._loyalty_points_unposted_sql(later, SQL("entry.id"))
            )
        ]
        self.assertFalse(set(unposted) & set((redeem | giveback).ids))
        # paid again with points and by bank: the job posts what the invoice earned
        self._pay(invoice, amount=100, journal=self.points_journal)
        self._pay(invoice, amount=900)
        self.assertEqual(self._balance(self.anna), 490)
        self._run_cron(Entry._cron_post_liability, today=later)
        earn = self._entries(self.anna, kind="earn")
        self.assertEqual(earn.sudo().move_id.loyalty_points_posting, "posting")
        check = self.company._loyalty_points_reconcile()[self.company]
        self.assertEqual((check["balance"], check["difference"]), (490, 0))

    def test_points_put_in_the_books_after_a_points_payment(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        payment = self._pay(invoice, amount=100, journal=self.points_journal)
        self.company.loyalty_points_liability_accounting = True  # books 400 outstanding
        payment.action_cancel()  # its entry debited the expense: the job posts the give-back
        giveback = self._entries(self.anna, kind="reversal")
        self.assertFalse(giveback.sudo().move_id)
        Entry = self.env["loyalty.points.entry"]
        later = self.today.replace(year=self.today.year + 1)
        self._run_cron(Entry._cron_post_liability, today=later)
        check = self.company._loyalty_points_reconcile()[self.company]
        self.assertEqual((check["balance"], check["difference"]), (500, 0))

    def test_a_points_refund_is_no_more_than_its_credit_note(self):
        """A small credit note never gives back all the points paid."""
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        self._pay(invoice, amount=100, journal=self.points_journal)
        self._pay(invoice, amount=900)
        note = self._credit_note(invoice, [(self.shampoo, 0.5, 100.0)])  # credits 50
        balance = self._balance(self.anna)
        with self.assertRaisesRegex(UserError, "left to refund"):
            self._pay(note, amount=100, journal=self.points_journal)
        self._pay(note, amount=50, journal=self.points_journal)
        self.assertEqual(self._balance(self.anna), balance + 50)
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_a_credit_note_refunds_the_points_paid(self):
        self._opening(self.anna, 500)
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 100.0)])
        self._pay(invoice, amount=100, journal=self.points_journal)
        self._pay(invoice, amount=900)
        self.assertEqual(self._balance(self.anna), 490)
        note = self._credit_note(invoice)
        self.assertEqual(self._balance(self.anna), 400)  # the 90 earned taken back
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=note.ids)
            .create({"journal_id": self.points_journal.id})
        )
        self.assertEqual(wizard.amount, 100)
        with self.assertRaisesRegex(UserError, "100.00 points were paid"):
            self._pay(note, amount=150, journal=self.points_journal)
        refund = self._pay(note, amount=100, journal=self.points_journal)
        self.assertEqual(self._balance(self.anna), 500)
        self.assertEqual(refund.loyalty_points, -100)
        self.assertRecordValues(note, [{"loyalty_points_paid": -100, "loyalty_points_earned": -90}])
        self._pay(note, amount=900)
        self.assertIn(note.payment_state, ("paid", "in_payment"))
        # a points refund is never undone; nothing more to give back
        with self.assertRaisesRegex(UserError, "cannot be reset"):
            refund.action_draft()
        self.assertLedgerConsistent(self._invoice_account(self.anna))
