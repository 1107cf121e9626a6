import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { dayIn } from "@loyalty_points/../tests/tours/utils/loyalty_points_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("LoyaltyPointsPendingTour", {
    checkDelay: 50,
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Carla Pending"),
            {
                content: "the order shows Carla's pending points and from when they are spendable",
                trigger: `.loyalty-points-order .loyalty-points-order-pending:contains("20 points pending, spendable from ${dayIn(7)}")`,
            },
            ProductScreen.clickPayButton(),
            // 20 points earned last week are pending: nothing to spend yet.
            {
                content: "Carla has no spendable points",
                trigger: `.payment-screen .loyalty-points-info .loyalty-points-balance:contains("0 points")`,
            },
            {
                content: "her 20 pending points show beside the balance",
                trigger: `.payment-screen .loyalty-points-info .loyalty-points-pending:contains("20")`,
            },
            PaymentScreen.clickPaymentMethod("Points"),
            {
                content: "pending points cannot pay",
                trigger: `.modal-body:contains("nothing can be paid with points")`,
            },
            Dialog.confirm(),
            PaymentScreen.emptyPaymentlines("80.00"),
            PaymentScreen.clickPaymentMethod("Bank", true, { amount: "80.00", remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            // The 8 points of this order are pending too, until the return window closes.
            ReceiptScreen.isShown(),
            {
                content: "the receipt shows the points earned",
                trigger: `.receipt-screen .pos-receipt .loyalty-points-earned span:last-child:contains("8")`,
            },
            {
                content: "the receipt shows the pending points",
                trigger: `.receipt-screen .pos-receipt .loyalty-points-pending span:last-child:contains("28")`,
            },
            {
                content: "the receipt says from when this order's points can be spent",
                trigger: `.receipt-screen .pos-receipt .loyalty-points-available-date:contains("spendable from")`,
            },
            ReceiptScreen.clickNextOrder(),
            ProductScreen.isShown(),
            // The synced order refreshed her figures: no call to the server.
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Carla Pending"),
            {
                content: "the next order shows the new pending points, the first spendable in 7 days",
                trigger: `.loyalty-points-order .loyalty-points-order-pending:contains("28 points pending, spendable from ${dayIn(7)}")`,
            },
        ].flat(),
});
