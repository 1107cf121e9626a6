"""EAN-13 card numbers: check digit, validation and generation (pure Python)."""

from secrets import randbelow

EAN13_LENGTH = 13


def ean_check_digit(body):
    """The check digit of ``body``, the digits of an EAN code without it
    (12 for an EAN-13): weights 3 and 1 alternate from the rightmost digit."""
    if not body or not body.isdigit():
        raise ValueError(f"not a string of digits: {body!r}")
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body))
    )
    return str((10 - total % 10) % 10)


def is_valid_ean13(number):
    """Whether ``number`` is 13 digits whose last one is the right check digit."""
    return (
        isinstance(number, str)
        and len(number) == EAN13_LENGTH
        and number.isdigit()
        and ean_check_digit(number[:-1]) == number[-1]
    )


def ean13_random(prefix):
    """A random EAN-13: ``prefix``, digits drawn from the operating system's
    secure random source (``secrets``) to fill the 12 digits of the body, and
    the check digit. A number says nothing about any other one.

    :raises ValueError: the prefix is not digits, or leaves no digit to draw
    """
    if (prefix and not prefix.isdigit()) or len(prefix) >= EAN13_LENGTH - 1:
        raise ValueError(f"invalid prefix: {prefix!r}")
    width = EAN13_LENGTH - 1 - len(prefix)
    body = prefix + str(randbelow(10**width)).zfill(width)
    return body + ean_check_digit(body)
