from odoo import api, models


class PosSession(models.Model):
    """Tiers for the till; points paid at the till settle the points liability
    at closing."""

    _inherit = "pos.session"

    @api.model
    def _load_pos_data_models(self, config_id):
        # Tiers, for the receipt: pos.order.loyalty_points_tier_id points to them.
        # The reward catalogue: the sync of an order never reads it.
        return [
            *super()._load_pos_data_models(config_id),
            "loyalty.points.tier",
            "loyalty.points.reward",
        ]

    def _validate_session(
        self, balancing_account=False, amount_to_balance=0, bank_payment_method_diffs=None
    ):
        res = super()._validate_session(
            balancing_account=balancing_account,
            amount_to_balance=amount_to_balance,
            bank_payment_method_diffs=bank_payment_method_diffs,
        )
        self.filtered(
            lambda s: s.state == "closed" and s.company_id.loyalty_points_liability_accounting
        )._loyalty_points_record_settlement()
        return res

    def _loyalty_points_record_settlement(self):
        """Record on the points payments (redeem entries and their refunds) of
        the closed sessions the journal entry that settled them."""
        Entry = self.env["loyalty.points.entry"].sudo()
        payments = (
            self.env["account.payment"]
            .sudo()
            .search(
                [
                    ("pos_session_id", "in", self.ids),
                    ("pos_payment_method_id.is_loyalty_points", "=", True),
                ]
            )
        )
        for session in self:
            move = payments.filtered(lambda p, s=session: p.pos_session_id == s)[:1].move_id
            move = move or session.move_id
            if not move:
                continue
            entries = Entry.search(
                [
                    ("pos_order_id", "in", session.order_ids.ids),
                    ("move_id", "=", False),
                    # rewards have no payment: the posting job books them
                    ("reward_id", "=", False),
                    "|",
                    ("kind", "=", "redeem"),
                    "&",
                    ("kind", "=", "reversal"),
                    ("reversed_entry_id.kind", "=", "redeem"),
                ]
            )
            if entries:
                Entry._set_move(entries.ids, move)
