from odoo import models


class ProductCategory(models.Model):
    _inherit = "product.category"

    def write(self, vals):
        if "parent_id" in vals:
            # programs by category include the children: their cached scopes change
            self.env.registry.clear_cache()
        return super().write(vals)
