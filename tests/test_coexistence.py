from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import LoyaltyPointsCommon

IMPORT_ACTION = "loyalty_points.loyalty_points_import_action"


@tagged("post_install", "-at_install")
class TestOdooLoyaltyBeside(LoyaltyPointsCommon):
    """Odoo's own loyalty programs at the same tills: the settings and the POS
    configuration say so, with the way out (scripts/test installs pos_loyalty
    beside the addon, so Odoo's programs exist here)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "loyalty.program" not in cls.env:
            raise AssertionError("scripts/test installs pos_loyalty beside the addon")
        cls.env["loyalty.program"].search([]).action_archive()
        cls.shop, cls.other_shop = cls.env["pos.config"].create(
            [{"name": "Loyalty Shop"}, {"name": "Other Shop"}]
        )
        cls.admin = cls.env.ref("base.user_admin")

    def _odoo_program(self, program_type="loyalty", **vals):
        return (
            self.env["loyalty.program"]
            .with_context(default_program_type=program_type)
            .create({"name": f"Odoo {program_type}", "program_type": program_type, **vals})
        )

    def _settings(self):
        return self.env["res.config.settings"].with_user(self.admin).create({})

    def test_no_warning_without_odoo_loyalty(self):
        self._odoo_program("promotion")  # a promotion is not a second points system
        self.assertFalse(self._settings().loyalty_points_odoo_loyalty_warning)
        self.assertFalse(self.shop.with_user(self.manager).loyalty_points_odoo_loyalty_warning)

    def test_warning_in_the_settings_and_the_pos_configuration(self):
        program = self._odoo_program(pos_config_ids=[self.other_shop.id])
        warning = self._settings().loyalty_points_odoo_loyalty_warning
        self.assertIn("Odoo loyalty", warning)
        self.assertIn("two kinds of points", warning)
        # this shop does not run it, the other one does
        self.assertFalse(self.shop.with_user(self.manager).loyalty_points_odoo_loyalty_warning)
        self.assertIn(
            "Odoo loyalty",
            self.other_shop.with_user(self.manager).loyalty_points_odoo_loyalty_warning,
        )
        # a program of every point of sale
        program.pos_config_ids = False
        self.env.invalidate_all()
        self.assertIn(
            "Odoo loyalty", self.shop.with_user(self.manager).loyalty_points_odoo_loyalty_warning
        )
        # archived: no warning
        program.action_archive()
        self.assertFalse(self._settings().loyalty_points_odoo_loyalty_warning)
        self.env.invalidate_all()
        self.assertFalse(self.shop.with_user(self.manager).loyalty_points_odoo_loyalty_warning)

    def test_the_settings_and_pos_forms_show_it(self):
        """The forms compute the warning on the record being edited (onchange)."""
        self._odoo_program()
        settings = Form(self.env["res.config.settings"].with_user(self.admin))
        self.assertIn("Odoo loyalty", settings.loyalty_points_odoo_loyalty_warning)
        shop = Form(self.shop.with_user(self.manager))
        self.assertIn("Odoo loyalty", shop.loyalty_points_odoo_loyalty_warning)

    def test_the_button_opens_the_conversion_once_installed(self):
        self._odoo_program()
        action = self.env.ref(IMPORT_ACTION, raise_if_not_found=False)
        settings = self._settings()
        self.assertEqual(settings.loyalty_points_import_available, bool(action))
        if not action:
            self.assertFalse(settings.action_loyalty_points_convert_odoo_loyalty())
            # the conversion wizard lands: the button opens it
            action = self.env["ir.actions.act_window"].create(
                {"name": "Import Loyalty Points", "res_model": "res.partner"}
            )
            self.env["ir.model.data"].create(
                {
                    "module": "loyalty_points",
                    "name": "loyalty_points_import_action",
                    "model": "ir.actions.act_window",
                    "res_id": action.id,
                }
            )
            self.env.registry.clear_cache()
        settings = self._settings()
        self.assertTrue(settings.loyalty_points_import_available)
        result = settings.action_loyalty_points_convert_odoo_loyalty()
        self.assertEqual(result["id"], action.id)
        self.assertEqual(result["context"], {"default_source": "odoo_loyalty"})
        shop = self.shop.with_user(self.manager)
        self.assertTrue(shop.loyalty_points_import_available)
        self.assertEqual(
            shop.action_loyalty_points_convert_odoo_loyalty()["context"],
            {"default_source": "odoo_loyalty"},
        )

    def test_open_the_clashing_programs(self):
        program = self._odoo_program()
        self._odoo_program("promotion")
        action = self.shop.with_user(self.manager).action_loyalty_points_open_odoo_loyalty()
        self.assertEqual(action["res_model"], "loyalty.program")
        self.assertEqual(action["domain"], [("id", "in", program.ids)])


@tagged("post_install", "-at_install")
class TestTierPricelistAtTheTill(LoyaltyPointsCommon):
    """A tier's discount card is a pricelist: a point of sale that does not
    offer it charges the list price. The tier form and the settings say so and
    fix it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.card = cls.env["product.pricelist"].create(
            {"name": "Gold Card (10 %)", "company_id": cls.company.id}
        )
        cls.gold = cls.env["loyalty.points.tier"].create(
            {"name": "Gold", "min_turnover": 1000, "pricelist_id": cls.card.id}
        )
        cls.shop = cls.env["pos.config"].create({"name": "Pricelist Shop", "use_pricelist": False})
        cls.admin = cls.env.ref("base.user_admin")

    def test_warning_and_fix_on_the_tier(self):
        gold = self.gold.with_user(self.manager)
        self.assertIn("Pricelist Shop (Gold Card (10 %))", gold.pricelist_warning)
        self.assertIn("pay the list price", gold.pricelist_warning)
        self.assertIn(
            "Gold Card", self.shop.with_user(self.manager).loyalty_points_pricelist_warning
        )
        gold.action_apply_pricelist_in_pos()
        self.assertTrue(self.shop.use_pricelist)
        self.assertIn(self.card, self.shop.available_pricelist_ids)
        self.env.invalidate_all()
        self.assertFalse(gold.pricelist_warning)
        self.assertFalse(self.shop.with_user(self.manager).loyalty_points_pricelist_warning)

    def test_pricelists_on_but_the_card_not_offered(self):
        self.shop.write({"use_pricelist": True})
        self.assertIn("Pricelist Shop", self.gold.with_user(self.manager).pricelist_warning)
        settings = self.env["res.config.settings"].with_user(self.admin).create({})
        self.assertIn("Pricelist Shop", settings.loyalty_points_pricelist_warning)
        settings.action_loyalty_points_apply_tier_pricelists()
        self.assertIn(self.card, self.shop.available_pricelist_ids)
        self.assertFalse(
            self.env["res.config.settings"]
            .with_user(self.admin)
            .create({})
            .loyalty_points_pricelist_warning
        )

    def test_the_forms_show_it(self):
        """The tier form (a card picked, not saved yet) and the settings compute
        the warning on the record being edited (onchange)."""
        with Form(self.env["loyalty.points.tier"].with_user(self.manager)) as tier:
            tier.name = "Platinum"
            tier.min_turnover = 5000
            self.assertFalse(tier.pricelist_warning)
            tier.pricelist_id = self.card
            self.assertIn("Pricelist Shop (Gold Card (10 %))", tier.pricelist_warning)
        settings = Form(self.env["res.config.settings"].with_user(self.admin))
        self.assertIn("Pricelist Shop", settings.loyalty_points_pricelist_warning)

    def test_a_tier_without_card_warns_nothing(self):
        silver = self.env["loyalty.points.tier"].create({"name": "Silver", "min_turnover": 500})
        self.assertFalse(silver.with_user(self.manager).pricelist_warning)

    def test_a_cashier_cannot_change_the_till(self):
        with self.assertRaises(AccessError):
            self.gold.with_user(self.cashier).action_apply_pricelist_in_pos()
        self.assertFalse(self.shop.use_pricelist)

    def test_a_card_in_another_currency_is_refused(self):
        other = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("id", "!=", self.company.currency_id.id)], limit=1)
        )
        other.active = True
        self.card.currency_id = other
        with self.assertRaisesRegex(UserError, "cannot use the pricelists Gold Card"):
            self.gold.with_user(self.manager).action_apply_pricelist_in_pos()
