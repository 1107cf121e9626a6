from datetime import date, timedelta

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class LoyaltyPointsCase:
    """Assertions every loyalty test shares."""

    def assertLedgerConsistent(self, accounts):
        """balance == sum of entries, and == sum of open lots' remaining when
        not overdrawn (== 0 and no open lot when overdrawn)."""
        Entry = self.env["loyalty.points.entry"].sudo()
        Entry.flush_model()
        accounts = accounts.sudo()
        accounts.invalidate_recordset(["balance"])
        for account in accounts:
            entries = Entry.search([("account_id", "=", account.id)])
            total = round(sum(entries.mapped("points")), 2)
            open_lots = round(sum(entries.filtered(lambda e: e.points > 0).mapped("remaining")), 2)
            self.assertAlmostEqual(
                account.balance,
                total,
                places=2,
                msg=f"balance of {account.partner_id.name} != its entries",
            )
            if account.balance >= 0:
                self.assertAlmostEqual(
                    account.balance,
                    open_lots,
                    places=2,
                    msg=f"balance of {account.partner_id.name} != open lots",
                )
            else:
                self.assertEqual(open_lots, 0, "an overdrawn account has no open lot")
            for entry in entries.filtered(lambda e: e.points < 0):
                allocated = round(sum(entry.debit_allocation_ids.mapped("points")), 2)
                self.assertLessEqual(allocated, -entry.points)
            for lot in entries.filtered(lambda e: e.points > 0):
                used = round(sum(lot.credit_allocation_ids.mapped("points")), 2)
                self.assertAlmostEqual(lot.points - used, lot.remaining, places=2)


class LoyaltyPointsCommon(TransactionCase, LoyaltyPointsCase):
    """A company with two customers, a cashier and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"loyalty_points_validity_days": 365, "loyalty_points_warning_days": 7})
        cls.customer = cls.env["res.partner"].create({"name": "Anna Petrova"})
        cls.other_customer = cls.env["res.partner"].create({"name": "Boris Ivanov"})
        cls.cashier = new_test_user(
            cls.env,
            login="lp_cashier",
            groups="point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="lp_manager",
            groups="point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        Account = cls.env["loyalty.points.account"]
        cls.account = Account._get_or_create(cls.customer, cls.company)
        cls.other_account = Account._get_or_create(cls.other_customer, cls.company)
        cls.today = date.today()

    @classmethod
    def _book(cls, account, kind, points, expiry_days=None, **vals):
        """Book one entry as the system does (sudo), expiring in ``expiry_days``."""
        expiry = cls.today + timedelta(days=expiry_days) if expiry_days is not None else False
        return (
            cls.env["loyalty.points.entry"]
            .sudo()
            .create(
                {
                    "account_id": account.id,
                    "kind": kind,
                    "points": points,
                    "expiry_date": expiry,
                    **vals,
                }
            )
        )

    def _lots(self, account):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("account_id", "=", account.id), ("points", ">", 0)], order="id")
        )
