from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestJournal(LoyaltyPointsCommon):
    def test_fifo_across_lots_of_different_expiry(self):
        never = self._book(self.account, "adjust", 100, note="welcome")
        late = self._book(self.account, "earn", 50, expiry_days=90)
        soon = self._book(self.account, "earn", 30, expiry_days=10)
        redeem = self._book(self.account, "redeem", -40)
        self.assertRecordValues(
            soon | late | never,
            [
                {"remaining": 0},
                {"remaining": 40},
                {"remaining": 100},
            ],
        )
        self.assertRecordValues(
            redeem.debit_allocation_ids,
            [
                {"credit_entry_id": soon.id, "points": 30},
                {"credit_entry_id": late.id, "points": 10},
            ],
        )
        self.assertEqual(self.account.balance, 140)
        self.assertLedgerConsistent(self.account)

    def test_redeem_spanning_several_lots_same_expiry_by_id(self):
        lots = [self._book(self.account, "earn", 25, expiry_days=30) for _i in range(4)]
        redeem = self._book(self.account, "redeem", -60)
        self.assertEqual(
            redeem.debit_allocation_ids.credit_entry_id.ids, [lot.id for lot in lots[:3]]
        )
        self.assertEqual(redeem.debit_allocation_ids.mapped("points"), [25, 25, 10])
        self.assertEqual([lot.remaining for lot in lots], [0, 0, 15, 25])
        self.assertLedgerConsistent(self.account)

    def test_batch_of_entries_for_several_accounts(self):
        entries = self.env["loyalty.points.entry"]._post(
            [
                {"account_id": self.account.id, "kind": "earn", "points": 10},
                {"account_id": self.other_account.id, "kind": "earn", "points": 7},
                {"account_id": self.account.id, "kind": "redeem", "points": -4},
                {"account_id": self.other_account.id, "kind": "redeem", "points": -7},
            ]
        )
        self.assertEqual(entries.mapped("remaining"), [6, 0, 0, 0])
        self.assertEqual((self.account.balance, self.other_account.balance), (6, 0))
        self.assertLedgerConsistent(self.account | self.other_account)

    def test_overdraft_is_paid_back_by_later_earnings_first(self):
        self._book(self.account, "earn", 10, expiry_days=30)
        debit = self._book(self.account, "reversal", -25, note="refund")
        self.assertEqual(self.account.balance, -15)
        self.assertEqual(sum(debit.debit_allocation_ids.mapped("points")), 10)
        self.assertLedgerConsistent(self.account)
        small = self._book(self.account, "earn", 5, expiry_days=30)
        self.assertEqual(small.remaining, 0)
        self.assertEqual(self.account.balance, -10)
        big = self._book(self.account, "earn", 30, expiry_days=30)
        self.assertEqual(big.remaining, 20)
        self.assertEqual(self.account.balance, 20)
        self.assertEqual(sum(debit.debit_allocation_ids.mapped("points")), 25)
        self.assertLedgerConsistent(self.account)

    def test_reversal_takes_from_the_lot_it_reverses_first(self):
        soon = self._book(self.account, "earn", 40, expiry_days=5)
        earned = self._book(self.account, "earn", 30, expiry_days=300)
        reversal = self._book(self.account, "reversal", -30, reversed_entry_id=earned.id)
        self.assertEqual(reversal.debit_allocation_ids.credit_entry_id, earned)
        self.assertEqual((soon.remaining, earned.remaining), (40, 0))
        self.assertLedgerConsistent(self.account)

    def test_entries_are_immutable_even_for_a_manager(self):
        lot = self._book(self.account, "earn", 50, expiry_days=30)
        redeem = self._book(self.account, "redeem", -20)
        for entry in (lot, redeem):
            with self.assertRaises(UserError):
                entry.with_user(self.manager).sudo().write({"points": 500})
            with self.assertRaises(UserError):
                entry.with_user(self.manager).sudo().unlink()
        with self.assertRaises(UserError):
            redeem.debit_allocation_ids.sudo().write({"points": 1})
        with self.assertRaises(UserError):
            redeem.debit_allocation_ids.sudo().unlink()
        with self.assertRaises(UserError):
            self.account.with_user(self.manager).write({"balance": 1000})
        self.assertEqual(lot.points, 50)
        self.assertLedgerConsistent(self.account)

    def test_database_constraints(self):
        lot = self._book(self.account, "earn", 50, expiry_days=30)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env.cr.execute(
                "UPDATE loyalty_points_entry SET remaining = 60 WHERE id = %s", [lot.id]
            )
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._book(self.account, "earn", -5)
        self._book(self.account, "earn", 5, idempotency_key="order-1:earn")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self._book(self.account, "earn", 5, idempotency_key="order-1:earn")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.env.cr.execute(
                "INSERT INTO loyalty_points_account (partner_id, company_id, balance) "
                "VALUES (%s, %s, 0)",
                [self.customer.id, self.company.id],
            )
        self.assertLedgerConsistent(self.account)

    def test_account_per_commercial_partner_and_company(self):
        contact = self.env["res.partner"].create(
            {"name": "Anna at work", "parent_id": self.customer.id}
        )
        Account = self.env["loyalty.points.account"]
        self.assertEqual(Account._get_or_create(contact, self.company), self.account)
        self.assertEqual(
            Account._get_or_create(self.customer | contact, self.company), self.account
        )
        other_company = self.env["res.company"].create({"name": "Second Shop"})
        second = Account._get_or_create(self.customer, other_company)
        self.assertNotEqual(second, self.account)
        self.assertEqual(second.company_id, other_company)

    def test_partner_balance_depends_on_the_company(self):
        self._book(self.account, "earn", 70, expiry_days=30)
        other_company = self.env["res.company"].create({"name": "Second Shop"})
        second = self.env["loyalty.points.account"]._get_or_create(self.customer, other_company)
        self._book(second, "earn", 3, expiry_days=30)
        contact = self.env["res.partner"].create(
            {"name": "Anna's daughter", "parent_id": self.customer.id}
        )
        self.assertEqual(contact.loyalty_points_balance, 70)
        self.assertEqual(self.customer.with_company(other_company).loyalty_points_balance, 3)
        self.assertEqual(self.other_customer.loyalty_points_balance, 0)
