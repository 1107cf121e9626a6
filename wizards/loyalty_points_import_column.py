from odoo import fields, models

# The fields a column can hold (tools.import_file.FIELDS), as the owner reads them.
IMPORT_FIELDS = [
    ("customer_ref", "Customer Reference"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("name", "Name"),
    ("points", "Points"),
    ("expiry_date", "Expiry Date"),
    ("card_number", "Card Number"),
    ("turnover", "Turnover"),
    ("visits", "Visits"),
    ("ignore", "Ignore this column"),
]


class LoyaltyPointsImportColumn(models.TransientModel):
    """A column of the file being imported and the field it holds: proposed
    from its header, confirmed or changed by the owner before the check."""

    _name = "loyalty.points.import.column"
    _description = "Loyalty Import Column"
    _order = "wizard_id, index"

    wizard_id = fields.Many2one("loyalty.points.import", required=True, ondelete="cascade")
    index = fields.Integer(required=True, readonly=True, help="Position of the column, from 0.")
    letter = fields.Char(string="Column", readonly=True)
    header = fields.Char(readonly=True)
    sample = fields.Char(readonly=True, help="What the first row holds in this column.")
    field = fields.Selection(
        IMPORT_FIELDS,
        help="What the column holds. Empty: a header the import does not know; choose "
        "a field, or ignore the column.",
    )
