import { patch } from "@web/core/utils/patch";
import { formatFloat } from "@web/core/utils/numbers";
import { OrderReceipt } from "@point_of_sale/app/screens/receipt_screen/receipt/order_receipt";

patch(OrderReceipt.prototype, {
    formatLoyaltyPoints(points) {
        return formatFloat(points, { digits: [69, 2], trailingZeros: false });
    },
});
