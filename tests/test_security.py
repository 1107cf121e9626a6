from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged, users

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestAdjustAndSecurity(LoyaltyPointsCommon):
    def _adjust(self, points, reason="Goodwill", **vals):
        wizard = self.env["loyalty.points.adjust"].create(
            {
                "account_id": self.account.id,
                "points": points,
                "reason": reason,
                **vals,
            }
        )
        return wizard._apply()

    @users("lp_manager")
    def test_manager_adjusts_with_reason_and_chatter(self):
        entry = self._adjust(120, reason="Birthday gift")
        self.assertRecordValues(
            entry,
            [
                {
                    "kind": "adjust",
                    "points": 120,
                    "remaining": 120,
                    "note": "Birthday gift",
                    "user_id": self.manager.id,
                    "expiry_date": self.company._loyalty_points_default_expiry(self.today),
                }
            ],
        )
        message = self.account.message_ids[:1]
        self.assertIn("Birthday gift", message.body)
        self.assertEqual(message.author_id, self.manager.partner_id)
        deduction = self._adjust(-20, reason="Mistake at the till")
        self.assertFalse(deduction.expiry_date)
        self.assertEqual(self.account.balance, 100)
        self.assertLedgerConsistent(self.account)

    @users("lp_manager")
    def test_adjustment_without_reason_refused(self):
        with self.assertRaises(UserError):
            self._adjust(10, reason="   ")
        self.assertFalse(self.account.sudo().entry_ids)

    @users("lp_manager")
    def test_overdraw_by_adjustment_refused(self):
        self._adjust(30)
        with self.assertRaisesRegex(UserError, "only 30"):
            self._adjust(-31)
        self.assertEqual(self.account.balance, 30)
        self.assertLedgerConsistent(self.account)

    @users("lp_manager")
    def test_expiry_in_the_past_refused(self):
        with self.assertRaises(UserError):
            self._adjust(10, expiry_date="2000-01-01")

    @users("lp_cashier")
    def test_cashier_cannot_adjust_nor_create_entries(self):
        self.assertEqual(self.account.balance, 0)  # reading is allowed
        with self.assertRaises(AccessError):
            self._adjust(50)
        with self.assertRaises(AccessError):
            self.env["loyalty.points.entry"].create(
                {
                    "account_id": self.account.id,
                    "kind": "earn",
                    "points": 50,
                }
            )
        with self.assertRaises(AccessError):
            self.account.write({"balance": 50})
        self.assertFalse(self.account.sudo().entry_ids)

    def test_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Other Shop"})
        foreign = self.env["loyalty.points.account"]._get_or_create(self.customer, other_company)
        self._book(foreign, "earn", 99, expiry_days=30)
        self._book(self.account, "earn", 11, expiry_days=30)
        other_cashier = new_test_user(
            self.env,
            login="lp_other_cashier",
            groups="point_of_sale.group_pos_user",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        Entry = self.env["loyalty.points.entry"]
        # the customer's entries only: the demo data has entries of its own
        mine = [("partner_id", "=", self.customer.id)]
        self.assertEqual(Entry.with_user(self.cashier).search(mine).mapped("points"), [11])
        self.assertEqual(Entry.with_user(other_cashier).search(mine).mapped("points"), [99])
        with self.assertRaises(AccessError):
            foreign.with_user(self.cashier).read(["balance"])
