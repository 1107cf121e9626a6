from odoo import fields, models

from .loyalty_points_entry_accounting import POSTINGS


class AccountMove(models.Model):
    _inherit = "account.move"

    loyalty_points_posting = fields.Selection(
        POSTINGS,
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Set on the journal entries that book the loyalty points liability.",
    )
