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
});
