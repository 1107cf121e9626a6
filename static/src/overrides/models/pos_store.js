import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/store/pos_store";

patch(PosStore.prototype, {
    async setup() {
        // Customer id: the loyalty figures the server last sent for it.
        this.loyaltyPointsInfo = {};
        await super.setup(...arguments);
    },
    /**
     * Ask the server for the fresh balance, tier, point value and redeem share
     * of `partner`. Rejects when offline: points payments need the server.
     */
    async fetchLoyaltyPointsInfo(partner) {
        const info = await this.data.call("res.partner", "loyalty_points_pos_info", [
            [partner.id],
            this.config.id,
        ]);
        this.loyaltyPointsInfo[partner.id] = info;
        return info;
    },
    /**
     * Ask the server whether `partner` may pay `amount` with points on an order
     * of `orderTotal`; the answer carries the fresh figures too.
     */
    async checkLoyaltyPointsPayment(partner, amount, orderTotal) {
        const result = await this.data.call("res.partner", "loyalty_points_check_payment", [
            [partner.id],
            this.config.id,
            amount,
            orderTotal,
        ]);
        this.loyaltyPointsInfo[partner.id] = result;
        return result;
    },

    // ------------------------------------------------------------------
    // rewards: the catalogue (loyalty.points.reward) comes with the till's data

    /**
     * The rewards `partner` may take today at this till: within their dates
     * and the customer's tier, cheapest first.
     */
    getLoyaltyPointsRewards(partner) {
        const today = luxon.DateTime.now().toISODate();
        const tier = partner?.loyalty_tier_id;
        return this.models["loyalty.points.reward"]
            .filter(
                (reward) =>
                    (!reward.date_from || reward.date_from <= today) &&
                    (!reward.date_to || reward.date_to >= today) &&
                    (!reward.tier_ids.length || (tier && reward.tier_ids.includes(tier)))
            )
            .sort((a, b) => a.points_cost - b.points_cost || a.sequence - b.sequence || a.id - b.id);
    },
    /**
     * Ask the server whether `partner` may take the rewards of `order` (and
     * `extraReward`, about to be added) and pay its points payments: the
     * fresh balance must cover them together. Rejects when offline.
     */
    async checkLoyaltyPointsRewards(partner, order, extraReward = null) {
        const result = await this.data.call("res.partner", "loyalty_points_check_rewards", [
            [partner.id],
            this.config.id,
            order.getLoyaltyPointsRewardClaims(extraReward),
            order.getLoyaltyPointsRedeemedAmount(),
            order.get_total_with_tax(),
        ]);
        this.loyaltyPointsInfo[partner.id] = result;
        return result;
    },
    /** Add `reward`'s product to `order` at a 100 % discount, on a line that claims it. */
    async addLoyaltyPointsReward(order, reward) {
        return await this.addLineToOrder(
            {
                product_id: reward.product_id,
                loyalty_points_reward_id: reward,
                discount: 100,
                qty: 1,
            },
            order,
            {},
            false
        );
    },
});
