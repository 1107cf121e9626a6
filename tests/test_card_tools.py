from odoo.tests import BaseCase, tagged

from ..tools.ean import ean13_from_sequence, ean_check_digit, is_valid_ean13


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

    def test_from_sequence(self):
        self.assertEqual(ean13_from_sequence("29", 1), "2900000000018")
        self.assertEqual(ean13_from_sequence("29", 1234), "2900000012349")
        self.assertTrue(is_valid_ean13(ean13_from_sequence("2", 99999999999)))
        with self.assertRaises(ValueError):
            ean13_from_sequence("29", 10**10)  # does not fit in 10 digits
        with self.assertRaises(ValueError):
            ean13_from_sequence("2X", 1)
