from odoo import api, models

from ..tools import points_display_digits


class IrQwebFieldLoyaltyPoints(models.AbstractModel):
    """``t-options="{'widget': 'loyalty_points', 'company': company}"``: points
    in reports, mails and portal pages with the decimals of the company's points
    rounding, as ``monetary`` formats amounts with their currency."""

    _name = "ir.qweb.field.loyalty_points"
    _description = "Qweb Field Loyalty Points"
    _inherit = "ir.qweb.field.float"

    @api.model
    def value_to_html(self, value, options):
        company = options.get("company") or self.env.company
        digits = points_display_digits(value, company.loyalty_points_rounding)
        return super().value_to_html(value or 0.0, {**options, "precision": digits})

    @api.model
    def record_to_html(self, record, field_name, options):
        options = dict(options)
        if not options.get("company") and "company_id" in record._fields:
            options["company"] = record.company_id
        return self.value_to_html(record[field_name], options)
