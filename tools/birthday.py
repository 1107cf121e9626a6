"""Which birthdays a daily job celebrates: pure Python (no ORM)."""

import calendar
from datetime import date, timedelta


def birthday_in(year, birthday):
    """The day ``birthday`` (a date; only its month and day count) falls on in
    ``year``: 29 February is celebrated on 28 February in non-leap years."""
    if (birthday.month, birthday.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return date(year, birthday.month, birthday.day)


def birthdays_due(today, late_days):
    """[(month, day, year)]: the birthdays (month and day) celebrated in the
    days from ``today - late_days`` to ``today``, with the year they are
    celebrated for (a job run late in January still gives last December's)."""
    due = []
    for offset in range(late_days + 1):
        day = today - timedelta(days=offset)
        due.append((day.month, day.day, day.year))
        if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
            due.append((2, 29, day.year))
    return due
