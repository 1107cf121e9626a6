from functools import partial

import psycopg2

from odoo import Command, api
from odoo.modules.registry import Registry
from odoo.service.model import retrying
from odoo.tests import BaseCase, get_db_name, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestConcurrentReplay(BaseCase):
    """Two tills (two real transactions, two cursors) replay the same order.

    Needs committed data: it makes its own customer, program and till in a
    throwaway shop, so that no other test sees them.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            company = env.ref("base.main_company")
            # The plain earning of a sale: the demo's welcome bonus and return
            # window are off while these tills run (committed, so put back after).
            switches = ("loyalty_points_welcome_points", "loyalty_points_pending_days")
            saved = {name: company[name] for name in switches}
            company.write(dict.fromkeys(switches, 0))
            cls.addClassCleanup(cls._restore_company, company.id, saved)
            cls.partner_id = env["res.partner"].create({"name": "Concurrent Customer"}).id
            env["loyalty.points.program"].create(
                {
                    "name": "Concurrency test",
                    "scope": "partner",
                    "partner_ids": [cls.partner_id],
                    "earn_mode": "percent",
                    "earn_rate": 10,
                    "company_id": company.id,
                }
            )
            bank = env["account.journal"].search(
                [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
            )
            method = env["pos.payment.method"].create(
                {"name": "Concurrency Bank", "journal_id": bank.id, "company_id": company.id}
            )
            config = env["pos.config"].create(
                {
                    "name": "Concurrency Till",
                    "company_id": company.id,
                    "payment_method_ids": [Command.set(method.ids)],
                }
            )
            config.open_ui()
            cls.session_id = config.current_session_id.id
            cls.method_id = method.id
            cls.product_id = (
                env["product.product"]
                .create(
                    {
                        "name": "Concurrency Product",
                        "list_price": 200,
                        "available_in_pos": True,
                        "taxes_id": [Command.clear()],
                    }
                )
                .id
            )
            cls.uid = env.ref("base.user_admin").id
            # the account exists: both tills contend for its row lock
            cls.account_id = (
                env["loyalty.points.account"]
                ._get_or_create(env["res.partner"].browse(cls.partner_id), company)
                .id
            )

    @classmethod
    def _restore_company(cls, company_id, values):
        with cls.registry.cursor() as cr:
            api.Environment(cr, api.SUPERUSER_ID, {})["res.company"].browse(company_id).write(
                values
            )

    def _order_data(self, uuid):
        return {
            "uuid": uuid,
            "name": f"Order {uuid}",
            "session_id": self.session_id,
            "partner_id": self.partner_id,
            "amount_paid": 200,
            "amount_return": 0,
            "amount_tax": 0,
            "amount_total": 200,
            "date_order": "2026-01-01 10:00:00",
            "sequence_number": 1,
            "user_id": self.uid,
            "last_order_preparation_change": "{}",
            "to_invoice": False,
            "lines": [
                [
                    0,
                    0,
                    {
                        "product_id": self.product_id,
                        "qty": 1,
                        "price_unit": 200,
                        "discount": 0,
                        "price_subtotal": 200,
                        "price_subtotal_incl": 200,
                        "tax_ids": [[6, 0, []]],
                        "pack_lot_ids": [],
                    },
                ]
            ],
            "payment_ids": [
                [
                    0,
                    0,
                    {
                        "amount": 200,
                        "name": "2026-01-01 10:00:00",
                        "payment_method_id": self.method_id,
                    },
                ]
            ],
        }

    def _assert_booked_once(self, uuid):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            orders = env["pos.order"].search([("uuid", "=", uuid)])
            self.assertEqual(len(orders), 1)
            entries = env["loyalty.points.entry"].search([("pos_order_id", "=", orders.id)])
            self.assertEqual(entries.mapped("points"), [20])
            account = entries.account_id
            self.assertEqual(account.balance, sum(account.entry_ids.mapped("points")))

    def test_replay_while_the_first_till_commits(self):
        """Till 2 started before till 1 committed: its snapshot cannot see the
        order, so it books again until the account lock refuses (serialization
        failure); Odoo's retry then finds the order and skips it."""
        data = self._order_data("concurrent-replay-0001")
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, self.uid, {})
            env2 = api.Environment(cr2, self.uid, {})
            cr2.execute("SELECT 1")  # till 2's snapshot starts now
            env1["pos.order"].sync_from_ui([dict(data)])
            cr1.commit()
            with mute_logger("odoo.service.model", "odoo.sql_db"):
                retrying(partial(env2["pos.order"].sync_from_ui, [dict(data)]), env2)
            cr2.commit()
        self._assert_booked_once(data["uuid"])

    def test_replay_while_the_first_till_is_booking(self):
        """Till 2 runs while till 1's transaction is still open: it waits on
        the account lock (here: times out, which Odoo retries), then skips."""
        data = self._order_data("concurrent-replay-0002")
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, self.uid, {})
            env2 = api.Environment(cr2, self.uid, {})
            env1["pos.order"].sync_from_ui([dict(data)])
            cr2.execute("SET LOCAL lock_timeout = '2s'")
            with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.LockNotAvailable):
                env2["pos.order"].sync_from_ui([dict(data)])
            cr2.rollback()
            env2.invalidate_all()
            cr1.commit()
            env2["pos.order"].sync_from_ui([dict(data)])
            cr2.commit()
        self._assert_booked_once(data["uuid"])

    def test_a_booking_that_nets_to_zero_still_conflicts(self):
        """Locking an account for a booking updates its row even when the
        booking nets to zero: a transaction whose snapshot is older then fails
        with a serialization error (which Odoo retries) instead of reading
        stale journal figures under the lock."""
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, self.uid, {})
            env2 = api.Environment(cr2, self.uid, {})
            cr2.execute("SELECT 1")  # the second transaction's snapshot starts now
            env1["loyalty.points.account"].browse(self.account_id)._lock_for_update()
            cr1.commit()
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaises(psycopg2.errors.SerializationFailure),
            ):
                env2["loyalty.points.account"].browse(self.account_id)._lock_for_update()
            cr2.rollback()
