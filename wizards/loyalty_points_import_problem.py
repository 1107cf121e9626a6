from odoo import fields, models


class LoyaltyPointsImportProblem(models.TransientModel):
    """A problem the check found in a row of the file being imported."""

    _name = "loyalty.points.import.problem"
    _description = "Loyalty Import Problem"
    _order = "wizard_id, line, id"

    wizard_id = fields.Many2one("loyalty.points.import", required=True, ondelete="cascade")
    line = fields.Integer(string="Row", readonly=True, help="The row of the file (0: the file).")
    message = fields.Char(string="Problem", readonly=True)
