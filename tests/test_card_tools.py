from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from ..tools import ean
from ..tools.ean import ean13_random, ean_check_digit, is_valid_ean13


@tagged("at_install", "-post_install")
class TestEan(BaseCase):
    """Pure EAN-13 helpers of the card numbers."""

    def test_check_digit(self):
        # Published examples of valid EAN-13 codes.
        self.assertEqual(ean_check_digit("400638133393"), "1")
        self.assertEqual(ean_check_digit("590123412345"), "7")
        self.assertEqual(ean_check_digit("290000000001"), "8")
        with self.assertRaises(ValueError):
            ean_check_digit("29A")

    def test_is_valid(self):
        self.assertTrue(is_valid_ean13("4006381333931"))
        self.assertTrue(is_valid_ean13("5901234123457"))
        self.assertFalse(is_valid_ean13("5901234123458"))  # wrong check digit
        self.assertFalse(is_valid_ean13("590123412345"))  # 12 digits
        self.assertFalse(is_valid_ean13("590123412345X"))
        self.assertFalse(is_valid_ean13(None))

    def test_random(self):
        with patch.object(ean, "randbelow", return_value=1234) as draw:
            self.assertEqual(ean13_random("29"), "2900000012349")
        draw.assert_called_once_with(10**10)
        numbers = {ean13_random("271") for _i in range(50)}
        self.assertEqual(len(numbers), 50)
        self.assertTrue(all(is_valid_ean13(n) and n.startswith("271") for n in numbers))
        self.assertTrue(is_valid_ean13(ean13_random("")))
        for prefix in ("2X", "29" * 6):
            with self.assertRaises(ValueError):
                ean13_random(prefix)
