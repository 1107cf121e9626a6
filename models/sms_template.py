from odoo import models
from odoo.tools import formatLang

from ..tools.points import POINTS_PRECISION


class SmsTemplate(models.Model):
    _inherit = "sms.template"

    def _render_eval_context(self):
        """Variables of the loyalty SMS templates (``loyalty.points.account``).

        The code that sends a loyalty SMS gives the values of the message
        (``order`` and ``points`` earned, the ``points`` expiring and their
        ``expiry_date``, the ``old_tier``, the ``reward`` reached); empty
        defaults keep the preview and
        the SMS composer working with a template that uses them.
        ``format_points(points)`` formats points in the customer's language,
        without decimals when they are whole.
        """
        render_context = super()._render_eval_context()
        if len(self) != 1 or self.model != "loyalty.points.account":
            return render_context
        env = self.env

        def format_points(points):
            points = points or 0.0
            digits = 0 if float(points).is_integer() else POINTS_PRECISION
            return formatLang(env, points, digits=digits)

        render_context.update(
            format_points=format_points,
            order=env["pos.order"],
            points=0.0,
            expiry_date=False,
            old_tier=env["loyalty.points.tier"],
            reward=env["loyalty.points.reward"],
        )
        return render_context
