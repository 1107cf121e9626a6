"""18.0.1.3.0, before the models load: drop what earlier versions left in the
schema. Odoo keeps a column its model no longer has and an index its field no
longer asks for ("Keep unexpected index"); until 18.0.1.2.0 the models'
``init()`` dropped them on every update, now this script does, once.

Runs on any database of an earlier version (18.0.1.0.0 had all of them,
18.0.1.1.0 and 18.0.1.2.0 databases may still have some): each statement
checks first.
"""

from odoo.tools import SQL
from odoo.tools.sql import column_exists, drop_index, table_exists

# The journal's indexes on ``kind`` and ``company_id`` (18.0.1.0.0): neither
# selects a small part of the journal, and every new entry and every change
# of a lot's ``remaining`` paid for them.
OLD_ENTRY_INDEXES = (
    "loyalty_points_entry__kind_index",
    "loyalty_points_entry__company_id_index",
)
# The allocation's stored company (now read through its debit entry) and its
# log columns (18.0.1.1.0 set ``_log_access = False``): two foreign-key checks
# less per allocation, which the expiry job inserts once per expired lot.
OLD_ALLOCATION_COLUMNS = ("company_id", "create_uid", "create_date", "write_uid", "write_date")


def migrate(cr, version):
    if not version:
        return
    for index in OLD_ENTRY_INDEXES:
        drop_index(cr, index, "loyalty_points_entry")
    if not table_exists(cr, "loyalty_points_allocation"):
        return
    columns = [
        column
        for column in OLD_ALLOCATION_COLUMNS
        if column_exists(cr, "loyalty_points_allocation", column)
    ]
    if columns:
        cr.execute(
            SQL(
                "ALTER TABLE loyalty_points_allocation %s",
                SQL(", ").join(SQL("DROP COLUMN %s", SQL.identifier(c)) for c in columns),
            )
        )
