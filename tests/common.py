from datetime import date, timedelta

from odoo import Command, fields
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon
from odoo.addons.point_of_sale.tests.common import TestPoSCommon


class LoyaltyPointsCase:
    """Assertions and helpers every loyalty test shares."""

    def _run_cron(self, job, **kwargs):
        """Run a batched job the way the cron framework does: batch after batch
        while it reports work left (its return value)."""
        for _i in range(100):
            if not job(**kwargs):
                return
        self.fail(f"{job.__name__} does not converge")

    def _run_killed_batch(self, job, **kwargs):
        """Run one batch of ``job`` and kill it mid-way: everything it did is
        rolled back, as when the cron worker dies before its commit."""
        try:
            with self.env.cr.savepoint():
                job(**kwargs)
                raise KeyboardInterrupt
        except KeyboardInterrupt:
            self.env.invalidate_all()

    @classmethod
    def _book(cls, account, kind, points, expiry_days=None, **vals):
        """Book one entry through the ledger, expiring in ``expiry_days``
        (from ``cls.today``): a fixture of any kind, as a test needs it."""
        expiry = cls.today + timedelta(days=expiry_days) if expiry_days is not None else False
        return cls.env["loyalty.points.entry"]._post(
            [
                {
                    "account_id": account.id,
                    "kind": kind,
                    "points": points,
                    "expiry_date": expiry,
                    **vals,
                }
            ]
        )

    def assertLedgerConsistent(self, accounts):
        """The ledger's invariant holds on ``accounts`` (see
        ``loyalty.points.entry._ledger_problems``): balance + pending points ==
        sum of entries; pending points == the pending lots' remaining; balance
        == the other open lots' remaining when not overdrawn (no such open lot
        when overdrawn); remaining == points - allocations; no lot spent twice."""
        problems = self.env["loyalty.points.entry"]._ledger_problems(accounts.ids)
        self.assertEqual(problems, [], "the ledger invariant is broken")


class LoyaltyPointsCommon(TransactionCase, LoyaltyPointsCase):
    """A company with two customers, a cashier and a manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write({"loyalty_points_validity_days": 365, "loyalty_points_warning_days": 7})
        # start from a company without tiers (the demo data has some)
        cls.env["loyalty.points.tier"].search([("company_id", "=", cls.company.id)]).unlink()
        cls.customer = cls.env["res.partner"].create({"name": "Anna Petrova"})
        cls.other_customer = cls.env["res.partner"].create({"name": "Boris Ivanov"})
        cls.cashier = new_test_user(
            cls.env,
            login="lp_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="lp_manager",
            groups="base.group_user,point_of_sale.group_pos_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        Account = cls.env["loyalty.points.account"]
        cls.account = Account._get_or_create(cls.customer, cls.company)
        cls.other_account = Account._get_or_create(cls.other_customer, cls.company)
        cls.today = date.today()

    def _lots(self, account):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("account_id", "=", account.id), ("points", ">", 0)], order="id")
        )


class LoyaltyPointsPosCommon(TestPoSCommon, LoyaltyPointsCase):
    """A POS shop with a points payment method, products and a 10 % program.

    Orders go through ``sync_from_ui`` payloads, as the till sends them.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "loyalty_points_value": 1.0,
                "loyalty_points_rounding": 1.0,
                "loyalty_points_max_redeem_share": 100.0,
                "loyalty_points_tier_months": 12,
            }
        )
        cls.config = cls.basic_config
        cls.points_pm = cls.env["pos.payment.method"].create(
            {
                "name": "Loyalty Points",
                "is_loyalty_points": True,
                "journal_id": cls.company_data["default_journal_bank"].id,
                "receivable_account_id": cls.pos_receivable_bank.id,
                "outstanding_account_id": cls.outstanding_bank.id,
            }
        )
        cls.config.write({"payment_method_ids": [Command.link(cls.points_pm.id)]})
        cls.categ_beauty = cls.env["product.category"].create({"name": "Beauty"})
        cls.categ_lipstick = cls.env["product.category"].create(
            {"name": "Lipstick", "parent_id": cls.categ_beauty.id}
        )
        cls.product_a = cls.create_product("Shampoo", cls.categ_basic, 100.0)
        cls.product_b = cls.create_product("Red Lipstick", cls.categ_lipstick, 50.0)
        cls.promo = cls.create_product("Promo Pack", cls.categ_basic, 30.0)
        cls.promo.loyalty_points_excluded = True
        cls.program_all = cls.env["loyalty.points.program"].create(
            {"name": "10 % back", "scope": "all", "earn_mode": "percent", "earn_rate": 10.0}
        )
        cls.anna = cls.env["res.partner"].create({"name": "Anna Petrova"})
        cls.boris = cls.env["res.partner"].create({"name": "Boris Ivanov"})
        cls.Account = cls.env["loyalty.points.account"]
        cls.cashier = new_test_user(
            cls.env,
            login="lp_pos_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _sync(self, lines, customer=None, payments=None, uuid=None, **order_vals):
        """Sync one paid order from the till; return it."""
        data = self.create_ui_order_data(lines, customer=customer, payments=payments, uuid=uuid)
        data.update(order_vals)
        result = self.env["pos.order"].with_user(self.cashier).sync_from_ui([data])
        return self.env["pos.order"].browse(result["pos.order"][0]["id"])

    def _refund(self, order, quantities, payments=None):
        """Refund ``quantities`` ({order line: qty > 0}) of ``order`` at the till."""
        lines = [
            {
                "product": line.product_id,
                "quantity": -qty,
                "refunded_orderline_id": line.id,
            }
            for line, qty in quantities.items()
        ]
        if payments is None:
            total = sum(line.price_unit * qty for line, qty in quantities.items())
            payments = [(self.cash_pm1, -total)]
        return self._sync(lines, customer=order.partner_id, payments=payments)

    def _opening(self, partner, *lots):
        """Opening lots of ``partner``: ``(points, expiry date or False)`` each."""
        account = self.Account._get_or_create(partner, self.company)
        return self.env["loyalty.points.entry"]._post(
            [
                {
                    "account_id": account.id,
                    "kind": "adjust",
                    "points": points,
                    "note": "opening",
                    "expiry_date": expiry,
                }
                for points, expiry in lots
            ]
        )

    def _account(self, partner):
        return self.Account.search(
            [("partner_id", "=", partner.id), ("company_id", "=", self.company.id)]
        )

    def _balance(self, partner):
        return self._account(partner).balance


class LoyaltyPointsInvoiceHelpers:
    """Customer invoices, their payments and credit notes, as the back office
    makes them (Register Payment, Credit Note)."""

    @classmethod
    def _setup_invoicing(cls):
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.points_journal = cls.env["account.journal"].create(
            {
                "name": "Loyalty Points (invoices)",
                "type": "bank",
                "code": "LPINV",
                "loyalty_points": True,
                "company_id": cls.company.id,
            }
        )

    def _invoice(self, partner, lines, post=True, move_type="out_invoice", **vals):
        """An invoice of ``lines`` [(product, quantity, price unit)], untaxed unless
        a line has a fourth item (its taxes)."""
        invoice = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": fields.Date.context_today(partner),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": line[0].id,
                            "quantity": line[1],
                            "price_unit": line[2],
                            "tax_ids": [Command.set(line[3].ids if len(line) > 3 else [])],
                        }
                    )
                    for line in lines
                ],
                **vals,
            }
        )
        if post:
            invoice.action_post()
        return invoice

    def _pay(self, invoice, amount=None, journal=None, user=None):
        """Register a payment of ``amount`` (default: what the wizard proposes)
        on ``invoice`` in ``journal`` (default: the bank)."""
        vals = {"journal_id": (journal or self.bank_journal).id}
        if amount is not None:
            vals["amount"] = amount
        Register = self.env["account.payment.register"]
        if user:
            Register = Register.with_user(user)
        wizard = Register.with_context(active_model="account.move", active_ids=invoice.ids).create(
            vals
        )
        return wizard._create_payments()

    def _credit_note(self, invoice, lines=None, post=True):
        """A credit note of ``invoice``: all of it, or ``lines`` [(product,
        quantity, price unit)]."""
        if lines is None:
            note = invoice._reverse_moves([{"invoice_date": invoice.invoice_date}])
        else:
            note = self._invoice(
                invoice.partner_id,
                lines,
                post=False,
                move_type="out_refund",
                reversed_entry_id=invoice.id,
            )
        if post:
            note.action_post()
        return note

    def _invoice_account(self, partner):
        return self.env["loyalty.points.account"].search(
            [
                ("partner_id", "=", partner.commercial_partner_id.id),
                ("company_id", "=", self.company.id),
            ]
        )


class LoyaltyPointsInvoiceCommon(
    AccountTestInvoicingCommon, LoyaltyPointsCase, LoyaltyPointsInvoiceHelpers
):
    """A company whose paid invoices earn 10 % back, with a bank journal and a
    loyalty points journal, untaxed products and two customers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write(
            {
                "loyalty_points_value": 1.0,
                "loyalty_points_rounding": 1.0,
                "loyalty_points_max_redeem_share": 100.0,
                "loyalty_points_tier_months": 12,
                "loyalty_points_invoice_earning": True,
            }
        )
        cls.env["loyalty.points.tier"].search([("company_id", "=", cls.company.id)]).unlink()
        cls.today = date.today()
        cls._setup_invoicing()
        cls.program_all = cls.env["loyalty.points.program"].create(
            {"name": "10 % back", "scope": "all", "earn_mode": "percent", "earn_rate": 10.0}
        )
        cls.shampoo = cls._create_product(name="Shampoo", lst_price=110.0, taxes_id=[])
        cls.lipstick = cls._create_product(name="Red Lipstick", lst_price=50.0, taxes_id=[])
        cls.promo = cls._create_product(name="Promo Pack", lst_price=30.0, taxes_id=[])
        cls.promo.loyalty_points_excluded = True
        cls.anna = cls.env["res.partner"].create({"name": "Anna Petrova"})
        cls.boris = cls.env["res.partner"].create({"name": "Boris Ivanov"})
        cls.Account = cls.env["loyalty.points.account"]

    def _opening(self, partner, points, expiry=False):
        account = self.Account._get_or_create(partner, self.company)
        return self.env["loyalty.points.entry"]._post(
            self.env["loyalty.points.entry"]._prepare_adjust_vals(
                account, points, "opening", expiry_date=expiry
            )
        )

    def _balance(self, partner):
        return self._invoice_account(partner).balance
