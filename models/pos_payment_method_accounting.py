from odoo import api, models


class PosPaymentMethod(models.Model):
    """With points liability accounting, points payments settle against the
    liability: the points methods' outstanding account is the company's
    liability account, whatever was chosen before."""

    _inherit = "pos.payment.method"

    @api.model_create_multi
    def create(self, vals_list):
        methods = super().create(vals_list)
        methods._loyalty_points_use_liability_account()
        return methods

    def write(self, vals):
        res = super().write(vals)
        if {"is_loyalty_points", "outstanding_account_id", "journal_id"} & set(vals):
            self._loyalty_points_use_liability_account()
        return res

    def _loyalty_points_use_liability_account(self):
        for company, methods in self.filtered("is_loyalty_points").grouped("company_id").items():
            company = company.sudo()
            liability = company.loyalty_points_liability_account_id
            if company.loyalty_points_liability_accounting:
                methods.filtered(lambda m, acc=liability: m.outstanding_account_id != acc).write(
                    {"outstanding_account_id": liability.id}
                )
