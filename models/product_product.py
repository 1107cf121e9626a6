from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _add_missing_products(self, products, config_id, data):
        """The products of the rewards of the till's company are loaded with
        the till's data, even when the till loads only some products."""
        res = super()._add_missing_products(products, config_id, data)
        config = self.env["pos.config"].browse(config_id)
        rewards = self.env["loyalty.points.reward"].search(
            [("company_id", "=", config.company_id.id)]
        )
        missing = set(rewards.product_id.ids) - {product["id"] for product in products}
        if missing:
            products.extend(
                self._load_product_with_domain([("id", "in", list(missing))], config_id)
            )
        return res
