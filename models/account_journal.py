from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError


class AccountJournal(models.Model):
    """Journals in which customers pay invoices with their loyalty points.

    Flagging a journal is an accounting manager's decision, whatever other
    rights a user has on journals: the flag makes every payment of the journal
    spend the customer's points (see ``account.payment``)."""

    _inherit = "account.journal"

    loyalty_points = fields.Boolean(
        copy=False,
        help="Customers pay invoices with their loyalty points in this journal (Register "
        "Payment): the amount spends amount / point value points of the customer's "
        "balance, and a refund of a credit note gives them back. Only accounting "
        "managers flag a journal.",
    )

    @api.constrains("loyalty_points", "type")
    def _check_loyalty_points_type(self):
        for journal in self.filtered("loyalty_points"):
            if journal.type != "bank":
                raise ValidationError(
                    self.env._(
                        "The loyalty points journal %(journal)s must be of type Bank: "
                        "points are neither cash nor a credit card.",
                        journal=journal.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("loyalty_points") for vals in vals_list):
            self._loyalty_points_check_manager()
        return super().create(vals_list)

    def write(self, vals):
        if "loyalty_points" in vals:
            self._loyalty_points_check_manager()
        return super().write(vals)

    def _loyalty_points_check_manager(self):
        if self.env.su or self.env.user.has_group("account.group_account_manager"):
            return
        raise AccessError(
            self.env._("Only accounting managers can flag a journal for loyalty points payments.")
        )
