import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/store/pos_store";

patch(PosStore.prototype, {
    /**
     * After a sync, the customers of the synced orders show the balance,
     * pending points and tier the server booked (the order carries them): no
     * extra call.
     */
    postSyncAllOrders(orders) {
        super.postSyncAllOrders(...arguments);
        for (const order of orders || []) {
            const partner = order.partner_id;
            if (!partner || typeof order.loyalty_points_balance !== "number") {
                continue;
            }
            partner.update({
                loyalty_points_balance: order.loyalty_points_balance,
                loyalty_points_pending: order.loyalty_points_pending || 0,
                loyalty_tier_id: order.loyalty_points_tier_id || false,
            });
        }
    },
});
