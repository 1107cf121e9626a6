from odoo import api, models


class LoyaltyPointsCacheMixin(models.AbstractModel):
    """Configuration the POS sync reads from the registry cache (``ormcache``):
    any change of a record clears it."""

    _name = "loyalty.points.cache.mixin"
    _description = "Loyalty configuration cached for the POS sync"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
