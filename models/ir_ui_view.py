import logging

from odoo import api, models

_logger = logging.getLogger(__name__)

# Views of the addon that extend the views of a module it does not depend on:
# {xml id (in this addon): (model, inherited view, arch)}. Each exists while its
# model does (see IrUiView._loyalty_points_sync_optional_views).
OPTIONAL_VIEWS = {
    # the customer's loyalty balance and tier on the sales order (``sale``)
    "sale_order_view_form": (
        "sale.order",
        "sale.view_order_form",
        """
        <data>
            <xpath expr="//group[@name='partner_details']/field[@name='partner_id']"
                   position="after">
                <widget name="loyalty_points_partner_summary" colspan="2"/>
            </xpath>
        </data>
        """,
    ),
}


class IrUiView(models.Model):
    """Optional views: the addon shows its figures in the views of modules it
    does not depend on (the sales order's customer: ``sale``), with no
    dependency on them. As a bridge module would, but without one: when the
    registry is loaded (after any module is installed, and at every start),
    each view of ``OPTIONAL_VIEWS`` whose model is installed is created once,
    an inheriting view owned by this addon (its XML id, no update), so the
    usual tools see it (Settings > Views, deactivate it there). Uninstalling
    the other module deletes it with the view it inherits; uninstalling this
    addon deletes it with the addon's data."""

    _inherit = "ir.ui.view"

    def _register_hook(self):
        super()._register_hook()
        self._loyalty_points_sync_optional_views()

    @api.model
    def _loyalty_points_sync_optional_views(self, views=None):
        """Create the optional views (``views``, default ``OPTIONAL_VIEWS``)
        whose model and inherited view exist and that do not exist yet. A view
        that cannot be created is logged, never a reason for the registry not
        to load.

        :return: the views created
        """
        created = self.browse()
        for name, (model, parent_xmlid, arch) in (views or OPTIONAL_VIEWS).items():
            xmlid = f"loyalty_points.{name}"
            if model not in self.env or self.env.ref(xmlid, raise_if_not_found=False):
                continue
            parent = self.env.ref(parent_xmlid, raise_if_not_found=False)
            if not parent:
                continue
            try:
                with self.env.cr.savepoint():
                    view = (
                        self.sudo()
                        .with_context(install_mode=True)
                        .create(
                            {
                                "name": f"{model}.form.loyalty_points",
                                "model": model,
                                "inherit_id": parent.id,
                                "arch": arch,
                            }
                        )
                    )
                    self.env["ir.model.data"].sudo()._update_xmlids(
                        [{"xml_id": xmlid, "record": view, "noupdate": True}]
                    )
            except Exception:
                _logger.exception("Loyalty points: the optional view %s was not created", xmlid)
                continue
            _logger.info("Loyalty points: optional view %s created", xmlid)
            created |= view
        return created
