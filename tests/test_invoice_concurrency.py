import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestInvoiceConcurrency(BaseCase):
    """Issue 20: a points payment on an invoice locks the customer's account
    row as the till does (two real transactions, two cursors): another
    booking of the account waits for it, so two payments never spend the same
    points. Needs a committed account: its own customer, in the main company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            partner = env["res.partner"].create({"name": "Concurrent Invoice Customer"})
            account = env["loyalty.points.account"]._get_or_create(partner, company)
            Entry = env["loyalty.points.entry"]
            Entry._post(Entry._prepare_adjust_vals(account, 100, "opening"))
            cls.partner_id = partner.id
            cls.account_id = account.id
            cls.company_id = company.id

    def _pay_with_points(self, env, amount):
        company = env["res.company"].browse(self.company_id)
        journal = env["account.journal"].create(
            {
                "name": "Concurrency points",
                "type": "bank",
                "code": "CCPTS",
                "loyalty_points": True,
                "company_id": company.id,
            }
        )
        product = env["product.product"].create({"name": "Concurrency service"})
        invoice = (
            env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.partner_id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": 1,
                                "price_unit": 200,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"journal_id": journal.id, "amount": amount})._create_payments()

    def test_a_points_payment_holds_the_account_row_until_it_commits(self):
        with self.registry.cursor() as cr_a:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            self._pay_with_points(env_a, 80)
            self.assertEqual(env_a["loyalty.points.account"].browse(self.account_id).balance, 20)
            with self.registry.cursor() as cr_b:
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(psycopg2.errors.LockNotAvailable),
                ):
                    cr_b.execute(
                        "SELECT id FROM loyalty_points_account WHERE id = %s FOR UPDATE NOWAIT",
                        [self.account_id],
                    )
                cr_b.rollback()
            cr_a.rollback()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env["loyalty.points.account"].browse(self.account_id).balance, 100)
