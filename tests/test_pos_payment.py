from odoo.exceptions import ValidationError
from odoo.tests import tagged, users

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestPosPaymentMethod(LoyaltyPointsCommon):
    """The points payment method books into a Loyalty Points journal of its own."""

    def _create_points_method(self, **vals):
        return self.env["pos.payment.method"].create(
            {"name": "Points", "is_loyalty_points": True, **vals}
        )

    def test_points_method_gets_its_own_journal_and_account(self):
        method = self._create_points_method()
        journal = method.journal_id
        self.assertRecordValues(
            journal, [{"type": "bank", "company_id": self.company.id, "code": "LPTS"}]
        )
        self.assertEqual(journal.default_account_id.account_type, "expense")
        self.assertEqual(method.outstanding_account_id, journal.default_account_id)
        # Neither cash (nothing to count, no change) nor the customer's account.
        self.assertEqual(method.type, "bank")
        self.assertFalse(method.is_cash_count)

    def test_points_methods_of_a_company_share_the_journal(self):
        first = self._create_points_method()
        second = self._create_points_method(name="Points (shop 2)")
        self.assertEqual(first.journal_id, second.journal_id)

    def test_ticking_points_on_a_method_without_journal_sets_it_up(self):
        method = self.env["pos.payment.method"].create(
            {"name": "Points", "split_transactions": True}
        )
        self.assertFalse(method.journal_id)
        method.is_loyalty_points = True
        self.assertEqual(method.journal_id.type, "bank")
        self.assertEqual(method.outstanding_account_id, method.journal_id.default_account_id)

    def test_points_method_never_uses_a_cash_journal(self):
        cash = self.env["account.journal"].create(
            {"name": "Till Cash", "type": "cash", "code": "TCSH", "company_id": self.company.id}
        )
        with self.assertRaises(ValidationError):
            self._create_points_method(journal_id=cash.id)
        method = self.env["pos.payment.method"].create({"name": "Cash", "journal_id": cash.id})
        with self.assertRaises(ValidationError):
            method.is_loyalty_points = True

    def test_a_chosen_bank_journal_is_kept(self):
        bank = self.env["account.journal"].create(
            {"name": "Points Bank", "type": "bank", "code": "PBNK", "company_id": self.company.id}
        )
        method = self._create_points_method(journal_id=bank.id)
        self.assertEqual(method.journal_id, bank)

    @users("lp_manager")
    def test_pos_manager_sets_up_the_method_without_accounting_rights(self):
        method = self._create_points_method()
        self.assertEqual(method.journal_id.sudo().code, "LPTS")

    def test_points_method_is_loaded_in_the_pos(self):
        self.assertIn(
            "is_loyalty_points", self.env["pos.payment.method"]._load_pos_data_fields(False)
        )


@tagged("post_install", "-at_install")
class TestCheckPointsPayment(LoyaltyPointsCommon):
    """res.partner.loyalty_points_check_payment: the server's word before a till
    validates an order paid with points."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"loyalty_points_value": 0.5, "loyalty_points_max_redeem_share": 50})
        cls.config = cls.env["pos.config"].create({"name": "Loyalty Shop"})
        cls._book(cls.account, "earn", 100, expiry_days=30)  # worth 50.00

    def _check(self, amount, total, partner=None):
        partner = (partner or self.customer).with_user(self.cashier)
        return partner.loyalty_points_check_payment(self.config.id, amount, total)

    def test_payment_within_balance_and_share_passes(self):
        result = self._check(40.0, 100.0)
        self.assertTrue(result["ok"])
        self.assertFalse(result["message"])
        self.assertEqual(result["balance"], 100)
        self.assertEqual(result["max_amount"], 50.0)

    def test_payment_above_the_balance_is_refused(self):
        result = self._check(50.01, 1000.0)
        self.assertFalse(result["ok"])
        self.assertIn("Anna Petrova has 100", result["message"])
        self.assertIn("refused", result["message"])

    def test_payment_above_the_share_is_refused(self):
        result = self._check(30.0, 50.0)
        self.assertFalse(result["ok"])
        self.assertIn("At most 50 % of this order", result["message"])
        self.assertEqual(result["max_amount"], 25.0)

    def test_balance_spent_elsewhere_is_seen_at_once(self):
        self.assertTrue(self._check(50.0, 100.0)["ok"])
        self._book(self.account, "redeem", -90)
        result = self._check(50.0, 100.0)
        self.assertFalse(result["ok"])
        self.assertEqual(result["balance"], 10)
        self.assertEqual(result["max_amount"], 5.0)

    def test_give_backs_and_zero_always_pass(self):
        self.assertTrue(self._check(-80.0, -100.0, self.other_customer)["ok"])
        self.assertTrue(self._check(0.0, 100.0, self.other_customer)["ok"])

    def test_customer_without_account_or_overdrawn_cannot_pay(self):
        self.assertFalse(self._check(0.01, 100.0, self.other_customer)["ok"])
        self._book(self.other_account, "redeem", -5)
        result = self._check(0.01, 100.0, self.other_customer)
        self.assertFalse(result["ok"])
        self.assertEqual(result["max_amount"], 0.0)

    def test_value_rounds_down_to_the_currency(self):
        self.company.loyalty_points_value = 0.333
        self._book(self.account, "redeem", -99)  # 1 point left, worth 0.333
        self.company.loyalty_points_max_redeem_share = 100
        self.assertEqual(self._check(0.33, 100.0)["max_amount"], 0.33)
        self.assertTrue(self._check(0.33, 100.0)["ok"])
        self.assertFalse(self._check(0.34, 100.0)["ok"])

    def test_contact_pays_with_the_company_points(self):
        contact = self.env["res.partner"].create(
            {"name": "Anna's assistant", "parent_id": self.customer.id}
        )
        self.assertTrue(self._check(50.0, 100.0, contact)["ok"])
