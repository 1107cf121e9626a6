import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { formatLoyaltyPoints } from "@loyalty_points/utils/loyalty_points";

patch(PosOrder.prototype, {
    /** The lines that claim a reward (refund lines claim nothing). */
    getLoyaltyPointsRewardLines() {
        return this.lines.filter(
            (line) => line.loyalty_points_reward_id && !line.refunded_orderline_id
        );
    },
    /**
     * The order's claims as the server checks them: [[reward id, quantity]],
     * with one more unit of `extraReward` (about to be added).
     */
    getLoyaltyPointsRewardClaims(extraReward = null) {
        const claims = this.getLoyaltyPointsRewardLines().map((line) => [
            line.loyalty_points_reward_id.id,
            line.get_quantity(),
        ]);
        if (extraReward) {
            claims.push([extraReward.id, 1]);
        }
        return claims;
    },
    /** Points the order's rewards cost, as the till knows them (the server decides). */
    getLoyaltyPointsRewardPoints() {
        return this.getLoyaltyPointsRewardLines().reduce(
            (total, line) =>
                total + line.loyalty_points_reward_id.points_cost * Math.max(line.get_quantity(), 0),
            0
        );
    },
});

patch(PosOrderline.prototype, {
    /** A reward line stays on its own: nothing merges into it, nor it into another. */
    can_be_merged_with(orderline) {
        if (this.loyalty_points_reward_id || orderline.loyalty_points_reward_id) {
            return false;
        }
        return super.can_be_merged_with(...arguments);
    },
    /**
     * "Reward: Free manicure −500 points": what the server booked for the
     * line once the order is synced, the claim before; nothing when the
     * server refused the claim.
     */
    getLoyaltyPointsRewardText() {
        const reward = this.loyalty_points_reward_id;
        if (!reward) {
            return "";
        }
        const booked = this.loyalty_points_reward_points || 0;
        const order = this.order_id;
        let points = booked;
        if (!booked) {
            const synced = order?.finalized && typeof order.id === "number";
            if (synced || this.refunded_orderline_id || this.get_quantity() <= 0) {
                return "";
            }
            points = reward.points_cost * this.get_quantity();
        }
        if (points < 0) {
            return _t("Reward given back: %(reward)s +%(points)s points", {
                reward: reward.name,
                points: formatLoyaltyPoints(-points),
            });
        }
        return _t("Reward: %(reward)s −%(points)s points", {
            reward: reward.name,
            points: formatLoyaltyPoints(points),
        });
    },
    getDisplayData() {
        return {
            ...super.getDisplayData(...arguments),
            loyaltyPointsReward: this.getLoyaltyPointsRewardText(),
        };
    },
});
