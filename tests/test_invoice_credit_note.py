from odoo.tests import tagged

from .common import LoyaltyPointsInvoiceCommon


@tagged("post_install", "-at_install")
class TestInvoiceCreditNote(LoyaltyPointsInvoiceCommon):
    """Issue 20: a credit note takes back what its invoice earned, in
    proportion to what it credits, never more."""

    def _paid_invoice(self, lines):
        invoice = self._invoice(self.anna, lines)
        self._pay(invoice)
        return invoice

    def test_its_credit_note_takes_the_points_back(self):
        invoice = self._paid_invoice([(self.shampoo, 20, 110.0)])
        self.assertEqual(self._balance(self.anna), 220)
        note = self._credit_note(invoice)
        self.assertEqual(self._balance(self.anna), 0)
        reversal = note.sudo().loyalty_points_entry_ids
        self.assertRecordValues(
            reversal,
            [{"kind": "reversal", "points": -220, "invoice_id": note.id}],
        )
        self.assertEqual(reversal.reversed_entry_id.invoice_id, invoice)
        self.assertRecordValues(note, [{"loyalty_points_earned": -220}])
        account = self._invoice_account(self.anna)
        self.assertRecordValues(account, [{"turnover": 0}])
        self.assertTrue(invoice.loyalty_points_refunded)
        # posted again (reset to draft first): nothing twice
        note.button_draft()
        note.action_post()
        self.assertEqual(self._balance(self.anna), 0)
        self.assertLedgerConsistent(account)

    def test_in_proportion_to_what_it_credits_never_more(self):
        invoice = self._paid_invoice([(self.shampoo, 20, 110.0), (self.lipstick, 10, 50.0)])
        self.assertEqual(self._balance(self.anna), 220 + 50)
        self._credit_note(invoice, [(self.shampoo, 5, 110.0)])  # a quarter of the shampoo
        self.assertEqual(self._balance(self.anna), 270 - 55)
        # a price credit on the lipstick: 100 of its 500
        self._credit_note(invoice, [(self.lipstick, 1, 100.0)])
        self.assertEqual(self._balance(self.anna), 215 - 10)
        # more than is left of the shampoo: only what is left
        self._credit_note(invoice, [(self.shampoo, 30, 110.0)])
        self.assertEqual(self._balance(self.anna), 205 - 165)
        # a product the invoice did not sell takes nothing
        self._credit_note(invoice, [(self.promo, 1, 30.0)])
        self.assertEqual(self._balance(self.anna), 40)
        self.assertRecordValues(
            invoice.invoice_line_ids.sorted("id"),
            [
                {"loyalty_points": 220, "loyalty_points_reversed": 220},
                {"loyalty_points": 50, "loyalty_points_reversed": 10},
            ],
        )
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_a_credit_note_before_the_payment_is_not_earned_on(self):
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        note = self._credit_note(invoice, [(self.shampoo, 2, 110.0)])
        self.assertEqual(self._balance(self.anna), 0)
        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 198)
        self.assertTrue(note.loyalty_points_booked)
        account = self._invoice_account(self.anna)
        self.assertRecordValues(account, [{"turnover": 1980}])
        # the rest credited later takes back what it earned
        self._credit_note(invoice, [(self.shampoo, 18, 110.0)])
        self.assertEqual(self._balance(self.anna), 0)

    def test_a_full_credit_note_takes_the_welcome_bonus_back(self):
        self.company.loyalty_points_welcome_points = 25
        invoice = self._paid_invoice([(self.shampoo, 10, 110.0)])
        self.assertEqual(self._balance(self.anna), 110 + 25)
        self._credit_note(invoice, [(self.shampoo, 5, 110.0)])
        self.assertEqual(self._balance(self.anna), 55 + 25)
        self._credit_note(invoice, [(self.shampoo, 5, 110.0)])
        self.assertEqual(self._balance(self.anna), 0)

    def test_an_unpaid_invoice_reversed_earns_nothing(self):
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": invoice.journal_id.id, "reason": "mistake"}).modify_moves()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(self._balance(self.anna), 0)
        self.assertFalse(invoice.loyalty_points_booked)
