"""EAN-13 card numbers: check digit, validation and generation (pure Python)."""

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


def ean13_from_sequence(prefix, value):
    """The EAN-13 made of ``prefix``, ``value`` left-padded with zeros to fill
    the 12 digits of the body, and the check digit.

    :raises ValueError: the prefix is not digits, or leaves no room for ``value``
    """
    if not prefix.isdigit() or len(prefix) >= EAN13_LENGTH - 1:
        raise ValueError(f"invalid prefix: {prefix!r}")
    width = EAN13_LENGTH - 1 - len(prefix)
    digits = str(int(value))
    if int(value) < 0 or len(digits) > width:
        raise ValueError(f"{value} does not fit in {width} digits after prefix {prefix}")
    body = prefix + digits.zfill(width)
    return body + ean_check_digit(body)
