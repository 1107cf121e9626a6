from odoo import models


class SmsTemplate(models.Model):
    _inherit = "sms.template"

    def _render_eval_context(self):
        """Variables of the loyalty SMS templates (``loyalty.points.account``).

        The code that sends a loyalty SMS gives the values of the message
        (``order`` and ``points`` earned, the ``points`` expiring and their
        ``expiry_date``, the ``old_tier``, the ``reward`` reached); empty
        defaults keep the preview and
        the SMS composer working with a template that uses them.
        ``format_points(points, company=None)`` formats points in the
        customer's language with the decimals of the company's points rounding
        (``res.company._loyalty_points_format``; the current company by default).
        """
        render_context = super()._render_eval_context()
        if len(self) != 1 or self.model != "loyalty.points.account":
            return render_context
        env = self.env

        def format_points(points, company=None):
            return (company or env.company)._loyalty_points_format(points)

        render_context.update(
            format_points=format_points,
            order=env["pos.order"],
            points=0.0,
            expiry_date=False,
            old_tier=env["loyalty.points.tier"],
            reward=env["loyalty.points.reward"],
        )
        return render_context
