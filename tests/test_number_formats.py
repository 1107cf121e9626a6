from datetime import timedelta

from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, new_test_user, tagged

from ..tools import POINTS_DIGITS
from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestNumberFormats(LoyaltyPointsCommon):
    """One rule everywhere: points with the decimals the company's points
    rounding allows (more only for a finer fraction), amounts with their
    currency."""

    def setUp(self):
        super().setUp()
        self.company.loyalty_points_rounding = 1.0

    def test_company_format(self):
        fmt = self.company._loyalty_points_format
        self.assertEqual(fmt(3324.0), "3,324")
        self.assertEqual(fmt(-250.0), "-250")
        self.assertEqual(fmt(12.34), "12.34")  # a points payment's fraction is never hidden
        self.company.loyalty_points_rounding = 0.01
        self.assertEqual(fmt(3324.0), "3,324.00")
        self.company.loyalty_points_rounding = 0.5
        self.assertEqual(fmt(21.5), "21.5")

    def test_adjust_error_and_chatter(self):
        self._book(self.account, "earn", 3324, expiry_days=30)
        Adjust = self.env["loyalty.points.adjust"].with_user(self.manager)
        wizard = Adjust.create({"account_id": self.account.id, "points": -5000, "reason": "x"})
        with self.assertRaisesRegex(
            UserError, "^Anna Petrova has only 3,324 points: 5,000 cannot be deducted.$"
        ):
            wizard.action_confirm()
        Adjust.create(
            {"account_id": self.account.id, "points": 50, "reason": "gift"}
        ).action_confirm()
        self.assertIn("adjusted the balance by +50 points.", self.account.message_ids[0].body)

    def test_refusal_at_the_till_formats_points_and_says_when_pending_points_come(self):
        config = self.env["pos.config"].create({"name": "Format Shop"})
        self.company.loyalty_points_pending_days = 14
        self._book(self.account, "earn", 1200, expiry_days=30)
        available = self.today + timedelta(days=9)
        self._book(self.account, "earn", 21, expiry_days=300, available_date=available)
        result = self.customer.with_user(self.cashier).loyalty_points_check_payment(
            config.id, 5000.0, 100000.0
        )
        self.assertFalse(result["ok"])
        self.assertIn("Anna Petrova has 1,200 points, worth", result["message"])
        self.assertIn(
            f"21 points are pending, spendable from {available.strftime('%m/%d/%Y')}.",
            result["message"],
        )

    def test_sms_points_follow_the_company(self):
        template = self.env.ref("loyalty_points.sms_template_points_earned")
        context = template._render_eval_context()
        self.assertEqual(context["format_points"](220.0), "220")
        self.company.loyalty_points_rounding = 0.01
        self.assertEqual(context["format_points"](220.0, self.company), "220.00")

    def test_qweb_widget(self):
        Converter = self.env["ir.qweb.field.loyalty_points"]
        self.assertEqual(Converter.value_to_html(3324.0, {"company": self.company}), "3,324")
        self.company.loyalty_points_rounding = 0.01
        self.assertEqual(Converter.value_to_html(3324.0, {"company": self.company}), "3,324.00")
        self._book(self.account, "earn", 7, expiry_days=30)
        self.assertEqual(Converter.record_to_html(self.account, "balance", {}), "7.00")

    def test_every_points_field_of_the_views_uses_the_widget(self):
        """A points field (declared with ``tools.POINTS_DIGITS``) shown in a
        view of the addon (list, form, pivot) has the loyalty_points widget:
        no "3,324.00" where the rounding is 1."""
        views = self.env["ir.ui.view"].search(
            [
                ("type", "in", ("list", "form", "pivot")),
                ("model_data_id.module", "=", "loyalty_points"),
            ]
        )
        self.assertTrue(views)
        missing = []
        for view in views:
            arch = etree.fromstring(view.arch_db)
            for node in arch.iter("field"):
                model = self._field_model(view, node)
                field = model and self.env[model]._fields.get(node.get("name"))
                if (
                    field
                    and field.type == "float"
                    and field._digits is POINTS_DIGITS
                    and node.get("widget") != "loyalty_points"
                ):
                    missing.append(f"{view.xml_id}: {model}.{field.name}")
        self.assertFalse(missing)

    def _field_model(self, view, node):
        """The model of a field node: the view's, or the comodel of the
        enclosing x2many field for its sub-views."""
        model = view.model
        parents = [parent for parent in node.iterancestors("field")][::-1]
        for parent in parents:
            field = self.env[model]._fields.get(parent.get("name"))
            if not field or not field.relational:
                return None
            model = field.comodel_name
        return model


@tagged("post_install", "-at_install")
class TestNumberFormatsSession(HttpCase):
    def test_session_gives_each_company_its_rounding(self):
        """The back office widgets read each company's points rounding and
        currency from the session."""
        company = self.env.company
        company.loyalty_points_rounding = 0.1
        new_test_user(
            self.env,
            login="lp_fmt_cashier",
            groups="base.group_user,point_of_sale.group_pos_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        self.authenticate("lp_fmt_cashier", "lp_fmt_cashier")
        info = self.make_jsonrpc_request("/web/session/get_session_info")
        values = info["user_companies"]["allowed_companies"][str(company.id)]
        self.assertEqual(values["loyalty_points_rounding"], 0.1)
        self.assertEqual(values["loyalty_points_currency_id"], company.currency_id.id)
