from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestProgramConfiguration(LoyaltyPointsCommon):
    def _create(self, **vals):
        return (
            self.env["loyalty.points.program"]
            .with_user(self.manager)
            .create(
                {"name": "Test", "scope": "all", "earn_mode": "percent", "earn_rate": 5, **vals}
            )
        )

    def test_rate_must_be_positive(self):
        for rate in (0, -3):
            with self.subTest(rate=rate), self.assertRaises(ValidationError):
                self._create(earn_rate=rate)
        program = self._create()
        with self.assertRaises(ValidationError):
            program.earn_rate = 0

    def test_end_before_start_refused(self):
        with self.assertRaisesRegex(ValidationError, "ends before it starts"):
            self._create(date_from="2026-05-10", date_to="2026-05-01")
        self._create(date_from="2026-05-10", date_to="2026-05-10")

    def test_scope_without_targets_refused(self):
        for scope in ("partner", "partner_category", "product", "product_category", "pos_config"):
            with self.subTest(scope=scope), self.assertRaises(ValidationError):
                self._create(scope=scope)
        program = self._create(scope="partner", partner_ids=self.customer.ids)
        with self.assertRaises(ValidationError):
            program.partner_ids = False

    def test_cashier_cannot_configure(self):
        with self.assertRaises(AccessError):
            self.env["loyalty.points.program"].with_user(self.cashier).create(
                {"name": "Mine", "earn_rate": 100}
            )

    def test_child_categories_are_included(self):
        parent = self.env["product.category"].create({"name": "Cosmetics"})
        child = self.env["product.category"].create({"name": "Lips", "parent_id": parent.id})
        grandchild = self.env["product.category"].create({"name": "Gloss", "parent_id": child.id})
        other = self.env["product.category"].create({"name": "Food"})
        program = self._create(scope="product_category", product_category_ids=parent.ids)
        spec = program._to_spec()[0]
        self.assertEqual(spec.product_category_ids, frozenset((parent | child | grandchild).ids))
        self.assertNotIn(other.id, spec.product_category_ids)
