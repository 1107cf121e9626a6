import logging
import re
from pathlib import Path
from urllib.parse import quote

from odoo.tests import HttpCase, no_retry, tagged

from odoo.addons.web.tests.test_js import unit_test_error_checker

UNIT_TESTS = Path(__file__).parent.parent / "static" / "tests" / "unit"
# The addon's hoot suites only: their full names start with the module path.
SUITE_FILTER = "/^@loyalty_points\\//"


@tagged("post_install", "-at_install")
class TestJsUnit(HttpCase):
    """The hoot unit tests of the addon's pure JavaScript helpers
    (static/tests/unit/*.test.js), in Chromium, as Odoo's own ``web`` suite
    runs them: a failing hoot test fails this test, and so does a skipped or
    missing one (every ``test(...)`` of the files must pass)."""

    @no_retry
    def test_hoot_unit_tests(self):
        expected = sum(
            len(re.findall(r"^\s*test\b[\w.]*\(", path.read_text(), re.MULTILINE))
            for path in UNIT_TESTS.glob("*.test.js")
        )
        self.assertGreater(expected, 0, "no hoot test found in static/tests/unit")
        # What the browser logs goes on to the test log as usual; it is read too.
        console = _Collector()
        browser_logger = logging.getLogger(f"{self._logger.name}.browser")
        browser_logger.addHandler(console)
        self.addCleanup(browser_logger.removeHandler, console)
        self.browser_js(
            f"/web/tests?headless&loglevel=2&timeout=15000&filter={quote(SUITE_FILTER)}",
            "",
            "",
            login="admin",
            timeout=1800,
            success_signal="[HOOT] test suite succeeded",
            error_checker=unit_test_error_checker,
        )
        passed = [
            int(match.group(1))
            for line in console.messages
            if (match := re.search(r"passed (\d+) tests", line))
        ]
        self.assertEqual(
            passed,
            [expected],
            f"hoot passed {passed} of the {expected} tests of static/tests/unit "
            "(a skipped or missing one fails)",
        )


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())
