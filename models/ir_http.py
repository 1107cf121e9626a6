from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    def session_info(self):
        """The back office's ``loyalty_points`` widgets show points with the
        decimals of their company's points rounding, and report amounts with
        the company's currency: each allowed company carries both."""
        result = super().session_info()
        if self.env.user._is_internal():
            allowed = result.get("user_companies", {}).get("allowed_companies", {})
            for company in self.env.user.company_ids:
                if company.id in allowed:
                    allowed[company.id].update(
                        loyalty_points_rounding=company.loyalty_points_rounding,
                        loyalty_points_currency_id=company.currency_id.id,
                    )
        return result
