import logging
from collections import defaultdict

from odoo import api, models

from ..tools import points_paid, round_points

_logger = logging.getLogger(__name__)

SMS_TEMPLATE_REWARD = "loyalty_points.sms_template_reward_reached"


class PosOrder(models.Model):
    """Rewards taken at the till: the claims of an order's lines, what the
    server makes of them, and what it tells a manager. The ledger builds the
    entries. An order without a reward line reads nothing here (the lines'
    reward is a column of the lines already read)."""

    _inherit = "pos.order"

    @api.model
    def _loyalty_points_clean_reward_claims(self, order):
        """Drop from the till's ``order`` payload the claims of rewards that do
        not exist (a forged id would fail the whole sync): the line is then a
        plain line. One query, only for orders that claim rewards."""
        lines = [
            line[2]
            for line in order.get("lines") or []
            if isinstance(line, list | tuple)
            and len(line) == 3
            and isinstance(line[2], dict)
            and line[2].get("loyalty_points_reward_id")
        ]
        if not lines:
            return
        claimed = {line["loyalty_points_reward_id"] for line in lines}
        if not all(isinstance(reward_id, int) for reward_id in claimed):
            known = set()
        else:
            known = set(self.env["loyalty.points.reward"].sudo().browse(claimed).exists().ids)
        for line in lines:
            if line["loyalty_points_reward_id"] not in known:
                _logger.warning(
                    "Loyalty points: order %s claims an unknown reward %r: claim dropped",
                    order.get("name"),
                    line["loyalty_points_reward_id"],
                )
                line["loyalty_points_reward_id"] = False

    def _loyalty_points_reward_vals(self, account, company, day):
        """The redeems of the rewards this order's lines claim, and the claims
        refused (the line is recorded as sold, nothing is booked for it).

        A claim is valid when the line sells the reward's product at a 100 %
        discount with a positive quantity, and the reward is of ``company``,
        active and valid on ``day``, allowed to the account's tier and within
        its limit: it costs ``points_cost`` x quantity, whatever the balance
        (a race that overdraws is recorded; see ``_loyalty_points_reward_notify``).
        Refund lines (``refunded_orderline_id``) claim nothing: see
        ``_loyalty_points_reward_giveback_vals``.

        :return: (vals_list, {"points": points booked, "refused": {line: [problems]}})
        """
        lines = self.lines.filtered(
            lambda line: line.loyalty_points_reward_id and not line.refunded_orderline_id
        )
        if not lines:
            return [], {}
        Entry = self.env["loyalty.points.entry"]
        vals_list = []
        refused = {}
        taken = defaultdict(float)
        for line in lines:
            reward = line.loyalty_points_reward_id
            problems = reward._loyalty_points_claim_problems(
                account,
                company,
                day,
                line.qty,
                taken_in_order=taken[reward],
                product=line.product_id,
                discount=line.discount,
            )
            if not account:
                problems.insert(0, self.env._("the order has no customer to take the points from"))
            if problems:
                refused[line] = problems
                continue
            taken[reward] += line.qty
            points = round_points(reward.points_cost * line.qty)
            line.write({"loyalty_points_reward_points": points, "loyalty_points_qty": line.qty})
            vals_list += Entry._prepare_reward_vals(
                account,
                self,
                line.id,
                reward,
                points,
                note=self.env._("Reward: %(reward)s", reward=reward.name),
            )
        return vals_list, {
            "points": sum(-vals["points"] for vals in vals_list),
            "refused": refused,
        }

    def _loyalty_points_reward_notify(self, account, company, claims, amounts, balance_before):
        """Tell a manager what the booking of this order's rewards found:
        claims refused (what was wrong with each), and rewards that overdrew
        the account (``balance_before`` the order)."""
        Account = self.env["loyalty.points.account"]
        for line, problems in claims.get("refused", {}).items():
            Account._loyalty_points_alert(
                account or self.session_id,
                company,
                self.env._("Loyalty reward not booked"),
                self.env._(
                    "Order %(order)s claims the reward %(reward)s on its line %(line)s, "
                    "but %(problems)s. The sale is recorded; no points were taken for it.",
                    order=self.name,
                    reward=line.loyalty_points_reward_id.name,
                    line=line.full_product_name or line.product_id.display_name,
                    problems="; ".join(problems),
                ),
            )
        rewards = claims.get("points", 0.0)
        if not rewards or not account:
            return
        paid = max(points_paid(amounts["paid_points"], company.loyalty_points_value), 0.0)
        before = max(balance_before, 0.0)
        if paid <= before < round_points(paid + rewards):
            Account._loyalty_points_alert(
                account,
                company,
                self.env._("Reward beyond the balance"),
                self.env._(
                    "Order %(order)s took rewards for %(points)s points (and paid %(paid)s "
                    "points) but %(partner)s had %(balance)s: the account is overdrawn. "
                    "Either two tills spent the same points at once, or the till skipped "
                    "the balance check. Later earnings pay the shortfall back first.",
                    order=self.name,
                    points=company._loyalty_points_format(rewards),
                    paid=company._loyalty_points_format(paid),
                    partner=account.partner_id.display_name,
                    balance=company._loyalty_points_format(balance_before),
                ),
            )

    def _loyalty_points_reward_sms(self, account, day, earned):
        """Queue the "reward waiting" SMS when the points this order earned
        brought the balance to a reward's cost (the most expensive one
        reached). Off by default: only then is the catalogue read."""
        company = account.company_id
        if earned <= 0 or not company.loyalty_points_sms_reward:
            return
        balance = account.balance
        reached = (
            self.env["loyalty.points.reward"]
            ._loyalty_points_available(account, day)
            .filtered(lambda reward: balance - earned < reward.points_cost <= balance)
        )
        if not reached:
            return
        reward = reached.sorted("points_cost")[-1]
        lang = account.partner_id.lang
        account._loyalty_points_sms_queue_safely(
            SMS_TEMPLATE_REWARD,
            {account: {"reward": reward.with_context(lang=lang) if lang else reward}},
        )
