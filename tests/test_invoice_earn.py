from datetime import timedelta

from odoo.tests import tagged

from .common import LoyaltyPointsInvoiceCommon


@tagged("post_install", "-at_install")
class TestInvoiceEarn(LoyaltyPointsInvoiceCommon):
    """Issue 20: a paid customer invoice earns like a POS order, once."""

    def _earned(self, invoice):
        return sum(
            invoice.sudo()
            .loyalty_points_entry_ids.filtered(lambda e: e.kind == "earn")
            .mapped("points")
        )

    def test_a_paid_invoice_earns_once_and_nothing_while_unpaid(self):
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])  # 2,200
        self.assertEqual(self._balance(self.anna), 0)
        self.assertFalse(invoice.loyalty_points_booked)
        self._pay(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 220)
        self.assertRecordValues(
            invoice,
            [
                {
                    "loyalty_points_earned": 220,
                    "loyalty_points_paid": 0,
                    "loyalty_points_balance": 220,
                    "loyalty_points_summary": True,
                    "loyalty_points_amount": 2200,
                }
            ],
        )
        entry = invoice.sudo().loyalty_points_entry_ids
        self.assertRecordValues(
            entry,
            [
                {
                    "kind": "earn",
                    "points": 220,
                    "program_id": self.program_all.id,
                    "pos_order_id": False,
                }
            ],
        )
        self.assertEqual(invoice.invoice_line_ids.loyalty_points, 220)
        # the paid hook again (another reconciliation): nothing twice
        invoice._invoice_paid_hook()
        self.assertEqual(self._balance(self.anna), 220)
        self.assertLedgerConsistent(self._invoice_account(self.anna))

    def test_a_partly_paid_invoice_earns_when_fully_paid(self):
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        self._pay(invoice, amount=1000)
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(self._balance(self.anna), 0)
        self._pay(invoice, amount=1200)
        self.assertEqual(self._balance(self.anna), 220)

    def test_nothing_without_the_option(self):
        self.company.loyalty_points_invoice_earning = False
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        self._pay(invoice)
        self.assertFalse(invoice.loyalty_points_booked)
        self.assertFalse(self._invoice_account(self.anna))

    def test_reset_to_draft_and_paid_again_earns_once(self):
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        payment = self._pay(invoice)
        self.assertEqual(self._balance(self.anna), 220)
        invoice.button_draft()
        self.assertEqual(invoice.payment_state, "not_paid")
        invoice.action_post()
        credit = payment.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        invoice.js_assign_outstanding_line(credit.id)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 220)
        self.assertEqual(len(invoice.sudo().loyalty_points_entry_ids), 1)

    def test_unreconcile_and_reconcile_does_not_earn_twice(self):
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        payment = self._pay(invoice)
        receivable = payment.move_id.line_ids.filtered(lambda line: line.reconciled)
        receivable.remove_move_reconcile()
        self.assertEqual(invoice.payment_state, "not_paid")
        invoice.js_assign_outstanding_line(receivable.id)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self._balance(self.anna), 220)

    def test_the_base_is_untaxed_in_the_company_currency_at_the_invoice_rate(self):
        tax = self.env["account.tax"].create({"name": "VAT 20", "amount": 20.0})
        other = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        invoice = self._invoice(
            self.anna, [(self.shampoo, 20, 110.0, tax)], currency_id=other.id
        )  # 2,200 EUR + 440 VAT = 1,100 + 220 in the company currency
        self._pay(invoice)
        self.assertEqual(self._balance(self.anna), 110)
        self.assertEqual(invoice.loyalty_points_amount, 1320)  # the turnover: taxes included

    def test_promotional_lines_and_negative_lines(self):
        invoice = self._invoice(
            self.anna,
            [(self.shampoo, 10, 110.0), (self.promo, 1, 300.0), (self.lipstick, 1, -100.0)],
        )
        self._pay(invoice)
        # the lines net 1,300, spread over the sold lines (1,400): the shampoo
        # earns on 1,100 x 1,300 / 1,400 = 1,021.43; the promotional pack on nothing
        self.assertEqual(self._balance(self.anna), 102)

    def test_a_program_scoped_to_points_of_sale_never_earns_on_invoices(self):
        config = self.env["pos.config"].create({"name": "Shop"})
        self.env["loyalty.points.program"].create(
            {
                "name": "Shop x5",
                "scope": "pos_config",
                "pos_config_ids": [(4, config.id)],
                "earn_mode": "percent",
                "earn_rate": 50.0,
            }
        )
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        self._pay(invoice)
        self.assertEqual(self._balance(self.anna), 220)

    def test_tier_multiplier_and_excluded_customers(self):
        self.env["loyalty.points.tier"].create(
            {"name": "Gold", "min_turnover": 0, "earn_multiplier": 2.0}
        )
        account = self.Account._get_or_create(self.anna, self.company)
        account._update_tiers()
        invoice = self._invoice(self.anna, [(self.shampoo, 10, 110.0)])
        self._pay(invoice)
        self.assertEqual(self._balance(self.anna), 220)
        self.boris.loyalty_points_excluded = True
        invoice = self._invoice(self.boris, [(self.shampoo, 10, 110.0)])
        self._pay(invoice)
        self.assertEqual(self._balance(self.boris), 0)

    def test_pending_days(self):
        self.company.loyalty_points_pending_days = 14
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        self._pay(invoice)
        account = self._invoice_account(self.anna)
        self.assertRecordValues(account, [{"balance": 0, "pending_points": 220}])
        lot = invoice.sudo().loyalty_points_entry_ids
        self.assertEqual(lot.available_date, self.today + timedelta(days=14))

    def test_paid_invoices_lift_the_tier(self):
        silver = self.env["loyalty.points.tier"].create(
            {"name": "Silver", "min_turnover": 3000, "earn_multiplier": 1.5, "min_visits": 2}
        )
        first = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        self._pay(first)
        account = self._invoice_account(self.anna)
        self.assertRecordValues(account, [{"turnover": 2200, "visit_count": 1, "tier_id": False}])
        second = self._invoice(self.anna, [(self.shampoo, 10, 110.0)])
        self._pay(second)
        # the tier moves once the sale is booked: this one earns at the old rate
        self.assertRecordValues(
            account, [{"turnover": 3300, "visit_count": 2, "tier_id": silver.id}]
        )
        self.assertEqual(account.balance, 220 + 110)
        self._run_cron(self.Account._cron_recompute_tiers)
        self.assertRecordValues(account, [{"turnover": 3300, "tier_id": silver.id}])
        third = self._invoice(self.anna, [(self.shampoo, 10, 110.0)])
        self._pay(third)
        self.assertEqual(account.balance, 330 + 165)

    def test_welcome_bonus_on_the_first_paid_invoice_only(self):
        self.company.loyalty_points_welcome_points = 25
        first = self._invoice(self.anna, [(self.shampoo, 1, 110.0)])
        second = self._invoice(self.anna, [(self.shampoo, 1, 110.0)])
        self._pay(first)
        self._pay(second)
        bonuses = self.env["loyalty.points.entry"].search(
            [("partner_id", "=", self.anna.id), ("kind", "=", "bonus")]
        )
        self.assertRecordValues(bonuses, [{"bonus_type": "welcome", "invoice_id": first.id}])
        self.assertEqual(self._balance(self.anna), 25 + 11 + 11)

    def test_referral_bonuses_on_the_first_paid_invoice(self):
        self.company.write(
            {
                "loyalty_points_referral_points": 200,
                "loyalty_points_referral_new_points": 100,
                "loyalty_points_referral_min_amount": 1000,
            }
        )
        self.boris.loyalty_points_referrer_id = self.anna
        small = self._invoice(self.boris, [(self.shampoo, 1, 110.0)])
        self._pay(small)  # the first paid sale, below the minimum: no referral, ever
        big = self._invoice(self.boris, [(self.shampoo, 20, 110.0)])
        self._pay(big)
        self.assertEqual(self._balance(self.anna), 0)
        self.assertEqual(self._balance(self.boris), 11 + 220)
        carl = self.env["res.partner"].create(
            {"name": "Carl", "loyalty_points_referrer_id": self.anna.id}
        )
        first = self._invoice(carl, [(self.shampoo, 20, 110.0)])
        self._pay(first)
        self.assertEqual(self._balance(self.anna), 200)
        self.assertEqual(self._balance(carl), 100 + 220)

    def test_a_cancelled_invoice_takes_its_points_back(self):
        self.company.loyalty_points_welcome_points = 25
        invoice = self._invoice(self.anna, [(self.shampoo, 20, 110.0)])
        payment = self._pay(invoice)
        self.assertEqual(self._balance(self.anna), 245)
        payment.move_id.line_ids.remove_move_reconcile()
        invoice.button_cancel()
        self.assertEqual(self._balance(self.anna), 0)
        account = self._invoice_account(self.anna)
        self.assertRecordValues(account, [{"turnover": 0}])
        self.assertTrue(invoice.loyalty_points_refunded)
        # back to draft, posted and paid again: it never earns again
        invoice.button_draft()
        invoice.action_post()
        invoice.js_assign_outstanding_line(
            payment.move_id.line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable"
            ).id
        )
        self.assertEqual(self._balance(self.anna), 0)
        self.assertLedgerConsistent(account)
