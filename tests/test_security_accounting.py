"""Installing the addon widens no access to the company's accounting.

Odoo ORs the group rules of a model: a rule that the addon would add on
``account.move`` for cashiers could only let them see more than point_of_sale
lets them see (the invoices of their POS orders), never less. The points
liability postings stay out of a cashier's reach without any rule of ours: they
are journal entries of the points journal, with no POS order, which
point_of_sale's own rule does not open to cashiers; the addon reads them with
``sudo()`` where it needs them.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsPosCommon

MODES = ("read", "write", "create", "unlink")


@tagged("post_install", "-at_install")
class TestAccountingAccessNotWidened(LoyaltyPointsPosCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.loyalty_points_liability_accounting = True
        account = cls.env["loyalty.points.account"]._get_or_create(cls.anna, cls.company)
        cls._book(account, "adjust", 50, note="opening")
        tomorrow = fields.Date.context_today(cls.env.user) + timedelta(days=1)
        cls.env["loyalty.points.entry"]._cron_post_liability(today=tomorrow)
        Move = cls.env["account.move"]
        cls.points_posting = Move.search(
            [("company_id", "=", cls.company.id), ("loyalty_points_posting", "!=", False)]
        )
        cls.vendor_bill = cls.init_invoice("in_invoice", amounts=[300.0], post=True)
        cls.customer_invoice = cls.init_invoice("out_invoice", amounts=[200.0], post=True)
        cls.bank_entry = Move.create(
            {
                "move_type": "entry",
                "journal_id": cls.company_data["default_journal_bank"].id,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": cls.company_data["default_account_expense"].id,
                            "debit": 75.0,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": cls.company_data[
                                "default_journal_bank"
                            ].default_account_id.id,
                            "credit": 75.0,
                        }
                    ),
                ],
            }
        )
        cls.bank_entry.action_post()
        # purchase's access to journal entries (purchase/security/): its users
        # handle vendor bills only. Emulated here (purchase is not a dependency)
        # because a rule of ours on account.move would be ORed with these.
        cls.purchase_group = cls.env["res.groups"].create(
            {
                "name": "Purchase-like user",
                "model_access": [
                    Command.create(
                        {
                            "name": "purchase-like account.move",
                            "model_id": cls.env["ir.model"]._get_id("account.move"),
                            "perm_read": True,
                            "perm_write": True,
                            "perm_create": True,
                            "perm_unlink": True,
                        }
                    ),
                    Command.create(
                        {
                            "name": "purchase-like account.move.line",
                            "model_id": cls.env["ir.model"]._get_id("account.move.line"),
                            "perm_read": True,
                            "perm_write": True,
                            "perm_create": True,
                        }
                    ),
                ],
            }
        )
        cls.env["ir.rule"].create(
            [
                {
                    "name": "purchase-like moves",
                    "model_id": cls.env["ir.model"]._get_id("account.move"),
                    "domain_force": "[('move_type', 'in', "
                    "('in_invoice', 'in_refund', 'in_receipt'))]",
                    "groups": [Command.link(cls.purchase_group.id)],
                },
                {
                    "name": "purchase-like move lines",
                    "model_id": cls.env["ir.model"]._get_id("account.move.line"),
                    "domain_force": "[('move_id.move_type', 'in', "
                    "('in_invoice', 'in_refund', 'in_receipt'))]",
                    "groups": [Command.link(cls.purchase_group.id)],
                },
            ]
        )
        cls.buyer_cashier = new_test_user(
            cls.env,
            login="lp_buyer_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.buyer_cashier.groups_id = [Command.link(cls.purchase_group.id)]

    def _addon_model_names(self):
        """The models the addon defines (not those it extends)."""
        return {
            name
            for name, model in self.env.registry.items()
            if model._original_module == "loyalty_points"
        }

    def _addon_records_on_other_models(self, model):
        """The addon's ``ir.rule`` or ``ir.model.access`` records on models it
        does not own."""
        data = self.env["ir.model.data"].search(
            [("module", "=", "loyalty_points"), ("model", "=", model)]
        )
        records = self.env[model].with_context(active_test=False).browse(data.mapped("res_id"))
        own = self._addon_model_names()
        return records.filtered(lambda r: r.model_id.model not in own)

    def _domains(self, user):
        Rule = self.env["ir.rule"].with_user(user)
        return {
            (model, mode): Rule._compute_domain(model, mode)
            for model in ("account.move", "account.move.line")
            for mode in MODES
        }

    def _access(self, user, mode):
        """{document name: whether ``user`` may ``mode`` it}."""
        return {
            name: record.with_user(user).has_access(mode) for name, record in self.documents.items()
        }

    def setUp(self):
        super().setUp()
        order = self._sync([(self.product_a, 1)], customer=self.anna, to_invoice=True)
        self.assertTrue(order.account_move)
        self.documents = {
            "vendor bill": self.vendor_bill,
            "customer invoice": self.customer_invoice,
            "bank entry": self.bank_entry,
            "points posting": self.points_posting,
            "invoice of a POS order": order.account_move,
        }
        self.assertTrue(self.points_posting)

    def test_no_rule_nor_access_right_on_the_models_of_others(self):
        for model in ("ir.rule", "ir.model.access"):
            foreign = self._addon_records_on_other_models(model)
            self.assertFalse(
                foreign,
                f"the addon must not add {model} records on models it does not own: "
                f"{[(r.name, r.model_id.model) for r in foreign]}",
            )

    def test_a_cashier_reads_the_journal_entries_point_of_sale_lets_them_read(self):
        with_addon = self._domains(self.cashier)
        readable = self._access(self.cashier, "read")
        self.assertEqual(
            readable,
            {
                "vendor bill": False,
                "customer invoice": False,
                "bank entry": False,
                "points posting": False,
                "invoice of a POS order": True,
            },
        )
        for mode in ("write", "create", "unlink"):  # point_of_sale: read only
            self.assertFalse(any(self._access(self.cashier, mode).values()), mode)
        for name, move in self.documents.items():  # no journal items at all
            for mode in MODES:
                self.assertFalse(move.line_ids.with_user(self.cashier).has_access(mode), name)
        Move = self.env["account.move"].with_user(self.cashier)
        everything = self.env["account.move"].union(*self.documents.values())
        self.assertEqual(
            Move.search([("id", "in", everything.ids)]), self.documents["invoice of a POS order"]
        )
        # the same without the addon's rules on models it does not own
        self._addon_records_on_other_models("ir.rule").write({"active": False})
        self.assertEqual(self._domains(self.cashier), with_addon)
        self.assertEqual(self._access(self.cashier, "read"), readable)

    def test_a_buying_cashier_cannot_write_customer_invoices(self):
        """A cashier who is also a purchase user writes vendor bills (purchase
        lets them) and the invoices of POS orders (point_of_sale does), nothing
        else."""
        expected = {
            "vendor bill": True,
            "customer invoice": False,
            "bank entry": False,
            "points posting": False,
            "invoice of a POS order": True,
        }
        for mode in ("write", "unlink"):
            self.assertEqual(self._access(self.buyer_cashier, mode), expected, mode)
        with_addon = self._domains(self.buyer_cashier)
        self._addon_records_on_other_models("ir.rule").write({"active": False})
        self.assertEqual(self._domains(self.buyer_cashier), with_addon)
