"""Phone numbers for SMS, pure Python (no ORM)."""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

# Types of numbers that can receive an SMS. Some countries (the US, Canada...)
# do not tell mobile and landline numbers apart: those are accepted.
SMS_NUMBER_TYPES = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


def mobile_e164(number, country_code=None):
    """The E.164 form of ``number`` ("+79161234567") if it is a valid number
    that can receive an SMS, else None (empty, unparsable, invalid, landline,
    toll-free...).

    ``country_code`` (ISO 3166 alpha-2, e.g. "RU") is the country of a number
    written without its international prefix ("8 916 123-45-67").
    """
    if not number or not number.strip():
        return None
    region = country_code.upper() if country_code else None
    try:
        parsed = phonenumbers.parse(number, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    if phonenumbers.number_type(parsed) not in SMS_NUMBER_TYPES:
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
