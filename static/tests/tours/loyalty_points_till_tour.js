import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import {
    dayIn,
    dialogSays,
    orderInfoHasNo,
    orderInfoSays,
    paymentInfoSays,
    receiptHas,
    selectCustomerOnPaymentScreen,
    selectedLineIsExactly,
} from "@loyalty_points/../tests/tours/utils/loyalty_points_util";
import { registry } from "@web/core/registry";

/**
 * What the cashier is told at the till (tests/test_frontend.py,
 * test_pending_expiring_and_refusals): pending points and from when they are
 * spendable, points that expire soon, why a points payment stops where it
 * does, and the amount typed after a refusal replacing the capped one.
 */
registry.category("web_tour.tours").add("LoyaltyPointsTillTour", {
    checkDelay: 50,
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Loyalty Mug", "1"),

            // Leo: no spendable points, 21 pending for 12 more days.
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Leo Pending"),
            orderInfoSays("loyalty-points-order-pending", `21 points pending, spendable from ${dayIn(12)}`),
            ProductScreen.clickPayButton(),
            paymentInfoSays("loyalty-points-pending", `21 points pending, spendable from ${dayIn(12)}`),
            PaymentScreen.clickPaymentMethod("Points"),
            dialogSays(
                `Leo Pending has 0 points: nothing can be paid with points. 21 points pending, spendable from ${dayIn(12)}.`
            ),
            PaymentScreen.emptyPaymentlines("80.00"),

            // Sofia: 15 of her 115 points expire in 5 days.
            selectCustomerOnPaymentScreen("Sofia Soon"),
            paymentInfoSays("loyalty-points-expiring", `15 points expire after ${dayIn(5)}`),
            // The limit says why: half of the order, less than her balance's worth.
            paymentInfoSays(
                "loyalty-points-limit",
                "Up to $ 40.00 with points: at most 50 % of the order can be paid with points."
            ),
            PaymentScreen.clickPaymentMethod("Points", true, { amount: "40.00" }),
            // More is refused and says why; the capped line is replaced by the next digits.
            PaymentScreen.clickNumpad("4 5"),
            dialogSays("at most 50 % of the order can be paid with points"),
            selectedLineIsExactly("40.00"),
            PaymentScreen.clickNumpad("2 5"),
            selectedLineIsExactly("25.00"),
            PaymentScreen.clickPaymentMethod("Bank", true, { amount: "55.00", remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptHas("loyalty-points-redeemed", "25"),
            ReceiptScreen.clickNextOrder(),

            // The 15 points paid first were the ones expiring soon: nothing to warn about.
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Sofia Soon"),
            orderInfoSays("loyalty-points-order-balance", "95 points"),
            orderInfoHasNo("loyalty-points-order-expiring", "the points expiring soon were spent"),
        ].flat(),
});
