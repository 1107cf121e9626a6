from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import LoyaltyPointsCommon

PARTNER_ARCH = """
<data>
    <xpath expr="//field[@name='vat']" position="after">
        <widget name="loyalty_points_partner_summary" colspan="2"/>
    </xpath>
</data>
"""


@tagged("post_install", "-at_install")
class TestSaleOrderSummary(LoyaltyPointsCommon):
    """Issue 20: the customer's balance and tier on the sales order form when
    ``sale`` is installed, with no dependency on it (an optional view created
    with the registry, and the summary it asks the server for)."""

    def test_the_sales_order_view_waits_for_sale(self):
        View = self.env["ir.ui.view"]
        created = View._loyalty_points_sync_optional_views()
        self.assertEqual(bool(created), False)
        view = self.env.ref("loyalty_points.sale_order_view_form", raise_if_not_found=False)
        self.assertEqual(bool(view), "sale.order" in self.env)
        if "sale.order" in self.env:  # sale installed: its order form shows the widget
            arch = self.env["sale.order"].get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertIn("loyalty_points_partner_summary", arch)

    def test_an_optional_view_is_created_once_with_the_addon_s_xml_id(self):
        View = self.env["ir.ui.view"]
        views = {"test_partner_view": ("res.partner", "base.view_partner_form", PARTNER_ARCH)}
        view = View._loyalty_points_sync_optional_views(views)
        self.assertRecordValues(
            view,
            [{"model": "res.partner", "inherit_id": self.env.ref("base.view_partner_form").id}],
        )
        data = self.env["ir.model.data"].search(
            [("module", "=", "loyalty_points"), ("name", "=", "test_partner_view")]
        )
        self.assertRecordValues(data, [{"res_id": view.id, "noupdate": True}])
        self.assertFalse(View._loyalty_points_sync_optional_views(views))
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="loyalty_points_partner_summary"', arch)
        # a model that is not installed, a view that does not exist: nothing
        self.assertFalse(
            View._loyalty_points_sync_optional_views(
                {
                    "nothing_1": ("no.such.model", "base.view_partner_form", PARTNER_ARCH),
                    "nothing_2": ("res.partner", "no_such.view", PARTNER_ARCH),
                }
            )
        )

    def test_the_summary_of_a_customer(self):
        silver = self.env["loyalty.points.tier"].create({"name": "Silver", "min_turnover": 0})
        self._book(self.account, "earn", 120, expiry_days=30)
        self.account._update_tiers()
        seller = new_test_user(
            self.env,
            login="lp_seller",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        summary = self.customer.with_user(seller).loyalty_points_summary(self.company.id)
        self.assertEqual(
            summary, {"member": True, "balance": 120, "pending": 0, "tier": silver.name}
        )
        self.assertEqual(
            self.env["res.partner"]
            .create({"name": "Newcomer"})
            .with_user(seller)
            .loyalty_points_summary()["member"],
            False,
        )
        other = self.env["res.company"].create({"name": "Other Shop"})
        with self.assertRaises(AccessError):
            self.customer.with_user(seller).loyalty_points_summary(other.id)
        portal = new_test_user(self.env, login="lp_summary_portal", groups="base.group_portal")
        with self.assertRaises(AccessError):
            self.customer.with_user(portal).loyalty_points_summary()
