import { patch } from "@web/core/utils/patch";
import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";
import { LoyaltyPointsOrderInfo } from "./loyalty_points_order_info";

patch(OrderSummary, {
    components: { ...OrderSummary.components, LoyaltyPointsOrderInfo },
});
