"""Aging of the outstanding points by expiry, pure Python (no ORM).

A lot is spendable through its expiry day. Its days left are
``expiry_date - today``; a lot goes in the first bucket whose limit is at
least its days left: 0 to 30 days left (and lots past their expiry day the
expiry job has not processed yet) is "30", 31 to 60 is "60", 61 to 90 is
"90", more is "later", no expiry date is "never".
"""

# (upper limit of days left, bucket), in order
AGING_LIMITS = ((30, "30"), (60, "60"), (90, "90"))
AGING_BUCKETS = ("30", "60", "90", "later", "never")


def aging_bucket(expiry_date, today):
    """The aging bucket of a lot expiring after ``expiry_date`` (a date or
    None: never) seen on ``today``."""
    if not expiry_date:
        return "never"
    days_left = (expiry_date - today).days
    for limit, bucket in AGING_LIMITS:
        if days_left <= limit:
            return bucket
    return "later"
