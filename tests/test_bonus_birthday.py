from datetime import date

from freezegun import freeze_time

from odoo.tests import BaseCase, tagged

from odoo.addons.sms.tests.common import SMSCase

from ..tools import birthday_in, birthdays_due
from .common import LoyaltyPointsCommon


@tagged("post_install", "-at_install")
class TestBirthdayDates(BaseCase):
    def test_29_february_in_non_leap_years(self):
        leapling = date(2000, 2, 29)
        self.assertEqual(birthday_in(2027, leapling), date(2027, 2, 28))
        self.assertEqual(birthday_in(2028, leapling), date(2028, 2, 29))
        self.assertEqual(birthday_in(2027, date(1990, 3, 1)), date(2027, 3, 1))

    def test_days_due_cross_the_year(self):
        self.assertEqual(
            birthdays_due(date(2027, 1, 2), 3),
            [(1, 2, 2027), (1, 1, 2027), (12, 31, 2026), (12, 30, 2026)],
        )
        self.assertIn((2, 29, 2027), birthdays_due(date(2027, 3, 1), 1))
        self.assertEqual(birthdays_due(date(2028, 2, 28), 0), [(2, 28, 2028)])


@tagged("post_install", "-at_install")
class TestBonusBirthday(LoyaltyPointsCommon, SMSCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.company"].search([]).loyalty_points_birthday_points = 0
        cls.company.write(
            {"loyalty_points_birthday_points": 15, "country_id": cls.env.ref("base.bg").id}
        )
        cls.customer.write(
            {"loyalty_points_birthday": "1990-06-15", "mobile": "0888 123 456", "lang": "en_US"}
        )

    def _run(self, day, **kwargs):
        with freeze_time(day):
            self._run_cron(self.env["loyalty.points.account"]._cron_birthday_bonus, **kwargs)

    def _birthdays(self, account):
        return (
            self.env["loyalty.points.entry"]
            .sudo()
            .search([("account_id", "=", account.id), ("bonus_type", "=", "birthday")], order="id")
        )

    def test_once_a_year_even_if_the_job_runs_twice(self):
        self._run("2027-06-14")
        self.assertFalse(self._birthdays(self.account))
        self._run("2027-06-15")
        self._run("2027-06-15")
        self._run("2027-06-17")
        bonus = self._birthdays(self.account)
        self.assertRecordValues(
            bonus,
            [
                {
                    "kind": "bonus",
                    "points": 15,
                    "idempotency_key": f"birthday:{self.account.id}:2027",
                    "expiry_date": date(2028, 6, 14),
                }
            ],
        )
        self.assertEqual(self.account.balance, 15)
        self._run("2028-06-15")  # next year, again
        self.assertEqual(len(self._birthdays(self.account)), 2)
        self.assertFalse(self._birthdays(self.other_account))
        self.assertLedgerConsistent(self.account | self.other_account)

    def test_29_february_birthday(self):
        self.customer.loyalty_points_birthday = "2000-02-29"
        self._run("2027-02-27")
        self.assertFalse(self._birthdays(self.account))
        self._run("2027-02-28")  # non-leap year: celebrated on 28 February
        self._run("2027-03-01")
        self.assertEqual(len(self._birthdays(self.account)), 1)
        self._run("2028-02-28")  # leap year: not yet
        self.assertEqual(len(self._birthdays(self.account)), 1)
        self._run("2028-02-29")
        self.assertEqual(
            self._birthdays(self.account).mapped("idempotency_key"),
            [f"birthday:{self.account.id}:2027", f"birthday:{self.account.id}:2028"],
        )

    def test_late_run_across_the_new_year(self):
        with freeze_time("2026-06-01"):  # entered long before it falls
            self.customer.loyalty_points_birthday = "1985-12-30"
            self.other_customer.loyalty_points_birthday = "1985-12-29"
        self._run("2027-01-06")  # 7 days late: still last year's bonus
        self.assertEqual(
            self._birthdays(self.account).idempotency_key, f"birthday:{self.account.id}:2026"
        )
        self._run("2027-01-06")  # 8 days late: too late
        self.assertFalse(self._birthdays(self.other_account))
        self._run("2027-12-30")
        self.assertEqual(len(self._birthdays(self.account)), 2)

    def test_off_by_default_and_excluded(self):
        self.company.loyalty_points_birthday_points = 0
        self._run("2027-06-15")
        self.assertFalse(self._birthdays(self.account))
        self.company.loyalty_points_birthday_points = 15
        self.customer.loyalty_points_excluded = True
        self._run("2027-06-15")
        self.assertFalse(self._birthdays(self.account))

    def test_batches_and_killed_run(self):
        self.other_customer.loyalty_points_birthday = "1970-06-15"
        Account = self.env["loyalty.points.account"]
        with freeze_time("2027-06-15"):
            self._run_killed_batch(Account._cron_birthday_bonus, batch_size=1)
            self.assertEqual(Account._cron_birthday_bonus(batch_size=1), 1)
            self.assertEqual(Account._cron_birthday_bonus(batch_size=1), 0)
            self.assertEqual(Account._cron_birthday_bonus(batch_size=1), 0)
        self.assertEqual(
            len(self._birthdays(self.account) | self._birthdays(self.other_account)), 2
        )
        self.assertLedgerConsistent(self.account | self.other_account)

    def test_birthday_sms(self):
        self.company.loyalty_points_sms_birthday = True
        with self.mockSMSGateway():
            self._run("2027-06-15")
        self.assertSMSOutgoing(
            self.customer,
            "+359888123456",
            content=f"{self.company.name}: Happy birthday! You got 15 points. Balance: 15 points.",
        )
        self.company.loyalty_points_sms_birthday = False
        self.customer.loyalty_points_birthday = "1990-06-16"
        with self.mockSMSGateway():
            self._run("2027-06-16")  # same year: no bonus, no SMS
        self.assertEqual(len(self._birthdays(self.account)), 1)
