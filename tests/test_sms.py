import logging
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import BaseCase, tagged
from odoo.tools import format_amount

from odoo.addons.sms.tests.common import SMSCase

from ..tools import ledger_context, mobile_e164
from .common import LoyaltyPointsCommon

ACCOUNT_LOGGER = "odoo.addons.loyalty_points.models.loyalty_points_account_notify"
GUARD_LOGGER = "odoo.addons.loyalty_points.tools.guard"
# Odoo names its level 25 "INFO": levels are given as numbers.


@tagged("post_install", "-at_install")
class TestSmsNumbers(BaseCase):
    """The pure number helper: E.164 for numbers that can receive an SMS only."""

    def test_russian_numbers(self):
        self.assertEqual(mobile_e164("+7 916 123-45-67"), "+79161234567")
        self.assertEqual(mobile_e164("8 (916) 123-45-67", "RU"), "+79161234567")
        self.assertEqual(mobile_e164("89161234567", "ru"), "+79161234567")
        self.assertIsNone(mobile_e164("+7 495 123-45-67"), "a Moscow landline")
        self.assertIsNone(mobile_e164("8 (495) 123-45-67", "RU"), "a Moscow landline")

    def test_bulgarian_numbers(self):
        self.assertEqual(mobile_e164("+359 87 812 3456"), "+359878123456")
        self.assertEqual(mobile_e164("+359 88 123 4567"), "+359881234567")
        self.assertEqual(mobile_e164("0898 123 456", "BG"), "+359898123456")
        self.assertEqual(mobile_e164("00359 888 123 456", "BG"), "+359888123456")
        self.assertIsNone(mobile_e164("+359 2 123 4567"), "a Sofia landline")
        self.assertIsNone(mobile_e164("02 123 4567", "BG"), "a Sofia landline")

    def test_the_country_reads_national_numbers(self):
        self.assertEqual(mobile_e164("0888 123 456", "BG"), "+359888123456")
        # the same digits mean nothing valid in Russia, and nothing without a country
        self.assertIsNone(mobile_e164("0888 123 456", "RU"))
        self.assertIsNone(mobile_e164("0888 123 456"))
        # an international number ignores the country
        self.assertEqual(mobile_e164("+7 916 123 45 67", "BG"), "+79161234567")

    def test_numbers_that_may_be_mobile_are_accepted(self):
        # North American numbers do not tell mobile from landline
        self.assertEqual(mobile_e164("(650) 253-0000", "US"), "+16502530000")

    def test_invalid_numbers(self):
        for number in (None, "", "   ", "abc", "12345", "+359 89 123 456", "+999 123 456 789"):
            with self.subTest(number=number):
                self.assertIsNone(mobile_e164(number, "BG"))
        # a wrong country does not matter to an international number
        self.assertEqual(mobile_e164("+359 88 123 4567", "XX"), "+359881234567")
        self.assertIsNone(mobile_e164("0888 123 456", "XX"))


@tagged("post_install", "-at_install")
class TestSms(LoyaltyPointsCommon, SMSCase):
    """The loyalty SMS: queued through Odoo's SMS queue and logged on the account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        bulgaria = cls.env.ref("base.bg")
        cls.company.write(
            {
                "country_id": bulgaria.id,
                "loyalty_points_sms_earned": True,
                "loyalty_points_sms_expiring": True,
                "loyalty_points_sms_tier": True,
            }
        )
        # Other companies and accounts (demo data) stay out of the expiry job.
        cls.env["res.company"].search([("id", "!=", cls.company.id)]).write(
            {"loyalty_points_sms_expiring": False}
        )
        cls.env["loyalty.points.account"].search(
            [("id", "not in", (cls.account | cls.other_account).ids)]
        ).with_context(**ledger_context()).write({"expiry_warned_date": "2999-12-31"})
        # Anna: a Bulgarian mobile written the national way, country of the company.
        cls.customer.write({"mobile": "0888 123 456", "lang": "en_US"})
        cls.customer_number = "+359888123456"
        # Boris: a Russian landline as phone and a Russian mobile as mobile.
        cls.other_customer.write(
            {
                "phone": "+7 495 123-45-67",
                "mobile": "8 916 123-45-67",
                "country_id": cls.env.ref("base.ru").id,
                "lang": "en_US",
            }
        )
        cls.other_number = "+79161234567"
        cls.template_earned = cls.env.ref("loyalty_points.sms_template_points_earned")
        cls.template_expiring = cls.env.ref("loyalty_points.sms_template_points_expiring")
        cls.template_tier = cls.env.ref("loyalty_points.sms_template_tier_changed")

    # ------------------------------------------------------------------
    # helpers

    def _sms_of(self, partners):
        return self.env["sms.sms"].sudo().search([("partner_id", "in", partners.ids)])

    def _last_message(self, account):
        return account.message_ids.sorted("id")[-1:]

    def _sms_messages(self, account):
        return account.message_ids.filtered(lambda m: m.message_type == "sms")

    def _new_order(self, amount):
        """A POS order as the earned SMS sees it (the hook only reads it)."""
        return self.env["pos.order"].new({"name": "Shop/0042", "amount_total": amount})

    def _warn_all(self, batch_size=500):
        self._run_cron(
            self.env["loyalty.points.account"]._cron_warn_expiring_points, batch_size=batch_size
        )

    def _date(self, day, lang="en_US"):
        return day.strftime(self.env["res.lang"]._lang_get(lang).date_format)

    def _company_prefix(self):
        return f"{self.company.name}: "

    # ------------------------------------------------------------------
    # points earned

    def test_points_earned_sms_is_queued_and_logged(self):
        self._book(self.account, "earn", 535, expiry_days=365)
        self._book(self.account, "earn", 220, expiry_days=365)
        with self.mockSMSGateway():
            self.account._notify_points_earned(self._new_order(2200.0), 220.0)
        amount = format_amount(self.env, 2200.0, self.company.currency_id)
        self.assertIn("2,200.00", amount)
        body = f"{self._company_prefix()}Paid {amount}: +220 points. Balance: 755 points."
        self.assertSMSOutgoing(self.customer, self.customer_number, content=body)
        self.assertEqual(self._new_sms.body, body)
        self.assertEqual(self._sms, [], "queued, never sent in the order sync")
        message = self._last_message(self.account)
        self.assertSMSNotification(
            [{"partner": self.customer, "number": self.customer_number, "state": "ready"}],
            body,
            messages=message,
        )
        self.assertEqual(message.message_type, "sms")
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))

    def test_points_earned_with_decimals_and_thousands(self):
        self._book(self.account, "earn", 12345.5, expiry_days=365)
        with self.mockSMSGateway():
            self.account._notify_points_earned(self._new_order(10.0), 12.5)
        self.assertIn("+12.50 points. Balance: 12,345.50 points.", self._new_sms.body)

    def test_points_earned_switch_off(self):
        self.company.loyalty_points_sms_earned = False
        with self.mockSMSGateway():
            self.account._notify_points_earned(self._new_order(100.0), 10.0)
        self.assertFalse(self._new_sms)
        self.assertFalse(self._sms_messages(self.account))

    def test_points_earned_never_raises(self):
        self.template_earned.body = "{{ object.no_such_field }}"
        with self.mockSMSGateway(), self.assertLogs(GUARD_LOGGER, logging.ERROR) as logs:
            self.account._notify_points_earned(self._new_order(100.0), 10.0)
        self.assertIn("failed and was rolled back", logs.output[0])
        self.assertFalse(self._sms_of(self.customer))
        self.assertFalse(self._sms_messages(self.account))

    def test_template_without_the_sender_values(self):
        """The preview and the SMS composer render the templates without the
        values of a message: they fall back to empty ones."""
        for template in (self.template_earned, self.template_expiring, self.template_tier):
            with self.subTest(template=template.name):
                body = template._render_field("body", self.account.ids, compute_lang=True)
                self.assertTrue(body[self.account.id].startswith(self._company_prefix()))

    # ------------------------------------------------------------------
    # who gets an SMS

    def test_number_of_the_customer_country(self):
        """Boris' phone is a landline: his mobile, read as a Russian number, is used."""
        with self.mockSMSGateway():
            self.other_account._notify_points_earned(self._new_order(100.0), 10.0)
        self.assertSMSOutgoing(self.other_customer, self.other_number, content="+10 points")

    def test_a_mobile_in_the_phone_field(self):
        self.customer.write({"mobile": False, "phone": "+359 87 812 3456"})
        with self.mockSMSGateway():
            self.account._notify_points_earned(self._new_order(100.0), 10.0)
        self.assertSMSOutgoing(self.customer, "+359878123456", content="+10 points")

    def test_partner_optout(self):
        self.customer.loyalty_points_sms_optout = True
        with self.mockSMSGateway(), self.assertLogs(ACCOUNT_LOGGER, logging.INFO) as logs:
            self.account._notify_points_earned(self._new_order(100.0), 10.0)
        self.assertFalse(self._new_sms)
        self.assertIn("'opted_out': 1", logs.output[0])

    def test_blacklisted_number(self):
        # blacklisted as written elsewhere: the blacklist stores E.164 numbers
        self.env["phone.blacklist"].sudo().create({"number": "+359 888 123 456"})
        with self.mockSMSGateway():
            self.account._notify_points_earned(self._new_order(100.0), 10.0)
            self.other_account._notify_points_earned(self._new_order(100.0), 10.0)
        self.assertEqual(self._new_sms.partner_id, self.other_customer)

    def test_landline_invalid_and_missing_numbers_are_skipped(self):
        customers = self.env["res.partner"].create(
            [
                {"name": "Landline", "phone": "+359 2 123 4567"},
                {"name": "Invalid", "mobile": "12345"},
                {"name": "No number"},
                {"name": "Mobile", "mobile": "+359 89 812 3456"},
            ]
        )
        accounts = self.env["loyalty.points.account"]._get_or_create(customers, self.company)
        for account in accounts:
            self._book(account, "earn", 50, expiry_days=2)
        with self.mockSMSGateway(), self.assertLogs(ACCOUNT_LOGGER, logging.INFO) as logs:
            self._warn_all()
        self.assertEqual(self._new_sms.partner_id, customers[3])
        self.assertEqual(self._new_sms.number, "+359898123456")
        self.assertIn(
            "4 accounts, 1 SMS queued, 0 opted out, 0 blacklisted, 1 without a number, "
            "2 without a valid mobile number",
            "\n".join(logs.output),
        )
        # skipped customers are handled: the job does not come back to them
        self.assertEqual(set(accounts.mapped("expiry_warned_date")), {self.today + timedelta(2)})

    # ------------------------------------------------------------------
    # points expiring

    def test_expiry_warning_once_per_lot(self):
        self._book(self.account, "earn", 600, expiry_days=6)
        self._book(self.account, "earn", 300, expiry_days=3)
        self._book(self.account, "earn", 50, expiry_days=30)
        self._book(self.account, "redeem", -100)  # taken from the lot expiring first
        with self.mockSMSGateway():
            self._warn_all()
            self._warn_all()
        body = (
            f"{self._company_prefix()}Your 800 points expire on "
            f"{self._date(self.today + timedelta(3))}. Use them by then."
        )
        self.assertSMSOutgoing(self.customer, self.customer_number, content=body)
        self.assertEqual(len(self._new_sms), 1, "a second run sends nothing")
        self.assertEqual(self._sms, [], "queued for Odoo's SMS scheduler")
        self.assertEqual(self._last_message(self.account).message_type, "sms")
        self.assertEqual(self.account.expiry_warned_date, self.today + timedelta(6))
        # later, only the points not announced yet are
        with freeze_time(self.today + timedelta(days=5)), self.mockSMSGateway():
            self._warn_all()
        self.assertFalse(self._new_sms)
        with freeze_time(self.today + timedelta(days=23)), self.mockSMSGateway():
            self._warn_all()
            self._warn_all()
        self.assertEqual(len(self._new_sms), 1)
        self.assertIn(
            f"Your 50 points expire on {self._date(self.today + timedelta(30))}.",
            self._new_sms.body,
        )

    def test_expiry_warning_window_and_past_lots(self):
        self._book(self.account, "earn", 10, expiry_days=8)  # beyond the 7 days
        self._book(self.other_account, "earn", 20, expiry_days=-1)  # due, not expired yet
        with self.mockSMSGateway():
            self._warn_all()
        self.assertFalse(self._new_sms)
        with freeze_time(self.today + timedelta(days=1)), self.mockSMSGateway():
            self._warn_all()
        self.assertEqual(self._new_sms.partner_id, self.customer)
        self.assertIn("Your 10 points expire on", self._new_sms.body)

    def test_expiry_warning_in_the_customer_language(self):
        self.env["res.lang"]._activate_lang("ru_RU")
        self.customer.lang = "ru_RU"
        self._book(self.account, "earn", 1500, expiry_days=4)
        with self.mockSMSGateway():
            self._warn_all()
        day = self.today + timedelta(4)
        self.assertNotEqual(self._date(day, "ru_RU"), self._date(day))
        self.assertIn(f"expire on {self._date(day, 'ru_RU')}.", self._new_sms.body)
        self.assertNotIn("1,500", self._new_sms.body, "grouped the Russian way")

    def test_expiry_warning_switch_off(self):
        self.company.loyalty_points_sms_expiring = False
        self._book(self.account, "earn", 10, expiry_days=2)
        with self.mockSMSGateway():
            self._warn_all()
        self.assertFalse(self._new_sms)
        self.assertFalse(self.account.expiry_warned_date, "warned once switched on")
        self.company.loyalty_points_sms_expiring = True
        with self.mockSMSGateway():
            self._warn_all()
        self.assertEqual(self._new_sms.partner_id, self.customer)

    def test_expiry_warning_opt_outs(self):
        self.customer.loyalty_points_sms_optout = True
        self.env["phone.blacklist"].sudo().create({"number": self.other_number})
        self._book(self.account, "earn", 10, expiry_days=2)
        self._book(self.other_account, "earn", 10, expiry_days=2)
        with self.mockSMSGateway(), self.assertLogs(ACCOUNT_LOGGER, logging.INFO) as logs:
            self._warn_all()
        self.assertFalse(self._new_sms)
        self.assertIn("1 opted out, 1 blacklisted", "\n".join(logs.output))

    def test_interrupted_run_then_rerun_warns_once(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Customer {i}", "mobile": f"+359 88 812 340{i}"} for i in range(5)]
        )
        accounts = self.env["loyalty.points.account"]._get_or_create(customers, self.company)
        for account in accounts:
            self._book(account, "earn", 10, expiry_days=2)
            self._book(account, "earn", 20, expiry_days=5)
        Account = self.env["loyalty.points.account"]
        with self.mockSMSGateway():
            self.assertEqual(Account._cron_warn_expiring_points(batch_size=2), 3)
            self._run_killed_batch(Account._cron_warn_expiring_points, batch_size=2)
            self._warn_all(batch_size=2)
            self._warn_all(batch_size=2)
        sms = self._sms_of(customers)
        self.assertEqual(sorted(sms.partner_id.ids), sorted(customers.ids), "one SMS each")
        self.assertEqual(set(sms.mapped("state")), {"outgoing"})
        for account in accounts:
            self.assertEqual(
                len(account.message_ids.filtered(lambda m: m.message_type == "sms")), 1
            )
            self.assertIn("Your 30 points expire on", self._sms_of(account.partner_id).body)

    def test_progress_is_reported_to_the_cron(self):
        customers = self.env["res.partner"].create(
            [{"name": f"Client {i}", "mobile": f"+359 88 812 341{i}"} for i in range(3)]
        )
        accounts = self.env["loyalty.points.account"]._get_or_create(customers, self.company)
        for account in accounts:
            self._book(account, "earn", 10, expiry_days=1)
        cron = self.env.ref("loyalty_points.ir_cron_expiry_warning")
        cron, progress = cron._add_progress()
        with self.mockSMSGateway():
            cron.env["loyalty.points.account"]._cron_warn_expiring_points(batch_size=2)
        self.assertRecordValues(progress, [{"done": 2, "remaining": 1}])

    # ------------------------------------------------------------------
    # tier changes

    def test_tier_change_sms(self):
        self._book(self.account, "earn", 40, expiry_days=365)
        tier = self.env["loyalty.points.tier"].create(
            {"name": "Bronze", "min_turnover": 0.0, "company_id": self.company.id}
        )
        with self.mockSMSGateway():
            self.account._update_tiers()
        self.assertEqual(self.account.tier_id, tier)
        body = f"{self._company_prefix()}Your loyalty tier is now Bronze. Balance: 40 points."
        self.assertSMSOutgoing(self.customer, self.customer_number, content=body)
        self.assertEqual(self._new_sms.body, body)
        self.assertEqual(self._sms, [])
        with self.mockSMSGateway():
            self.account._update_tiers()  # no change, no SMS
        self.assertFalse(self._new_sms)

    def test_tier_lost_sms(self):
        tier = self.env["loyalty.points.tier"].create(
            {"name": "Silver", "min_turnover": 1000.0, "company_id": self.company.id}
        )
        with self.mockSMSGateway():
            self.account._notify_tier_changed(tier)
        self.assertIn("Your loyalty tier is now Standard.", self._new_sms.body)

    def test_tier_change_switch_off(self):
        self.company.loyalty_points_sms_tier = False
        self.env["loyalty.points.tier"].create(
            {"name": "Bronze", "min_turnover": 0.0, "company_id": self.company.id}
        )
        with self.mockSMSGateway():
            self.account._update_tiers()
        self.assertTrue(self.account.tier_id)
        self.assertFalse(self._new_sms)

    # ------------------------------------------------------------------
    # settings

    def test_settings_open_the_templates(self):
        settings = self.env["res.config.settings"].create({})
        for key, template in (
            ("earned", self.template_earned),
            ("expiring", self.template_expiring),
            ("tier", self.template_tier),
        ):
            action = settings.with_context(
                loyalty_points_sms_template=key
            ).action_open_loyalty_points_sms_template()
            self.assertEqual((action["res_model"], action["res_id"]), ("sms.template", template.id))
        self.template_tier.unlink()
        action = settings.with_context(
            loyalty_points_sms_template="tier"
        ).action_open_loyalty_points_sms_template()
        self.assertEqual(action["domain"], [("model", "=", "loyalty.points.account")])
