import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as Numpad from "@point_of_sale/../tests/tours/utils/numpad_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import { inLeftSide } from "@point_of_sale/../tests/tours/utils/common";
import {
    dialogSays,
    pointsInfoIs,
    receiptHas,
    selectCustomerOnPaymentScreen,
    setOffline,
} from "@loyalty_points/../tests/tours/utils/loyalty_points_util";
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("LoyaltyPointsPayTour", {
    checkDelay: 50,
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            ProductScreen.clickPayButton(),

            // The points method asks for a customer first and adds nothing.
            PaymentScreen.clickPaymentMethod("Points"),
            Dialog.is({ title: "Customer Required" }),
            Dialog.cancel(),
            PaymentScreen.emptyPaymentlines("80.00"),

            // A customer without points pays nothing with points.
            selectCustomerOnPaymentScreen("Boris Nopoints"),
            pointsInfoIs("0"),
            PaymentScreen.clickPaymentMethod("Points"),
            dialogSays("nothing can be paid with points"),
            PaymentScreen.emptyPaymentlines("80.00"),

            // Anna: 100 points, Silver; offline, points are refused.
            selectCustomerOnPaymentScreen("Anna Points"),
            pointsInfoIs("100", "Silver"),
            setOffline(true),
            PaymentScreen.clickPaymentMethod("Points"),
            dialogSays("Points payments need a connection to the server"),
            setOffline(false),
            PaymentScreen.emptyPaymentlines("80.00"),

            // Online: proposes min(due 80, balance 100, 50 % of 80) = 40.
            PaymentScreen.clickPaymentMethod("Points", true, { amount: "40.00" }),
            // More is refused, the line keeps the most allowed.
            PaymentScreen.clickNumpad("4 5"),
            dialogSays("45.00 cannot be paid with points"),
            PaymentScreen.selectedPaymentlineHas("Points", "40.00"),
            // Less is fine.
            PaymentScreen.clickPaymentline("Points", "40.00"),
            PaymentScreen.clickNumpad("3 0"),
            PaymentScreen.selectedPaymentlineHas("Points", "30.00"),
            PaymentScreen.clickPaymentMethod("Bank", true, { amount: "50.00", remaining: "0.00" }),
            pointsInfoIs("100", "Silver"),
            PaymentScreen.clickValidate(),

            // The receipt shows what the server booked: 10 % of the 50.00 paid by bank.
            ReceiptScreen.isShown(),
            receiptHas("loyalty-points-redeemed", "30"),
            receiptHas("loyalty-points-earned", "5"),
            receiptHas("loyalty-points-new-balance", "75"),
            receiptHas("loyalty-points-receipt-tier", "Silver"),
            ReceiptScreen.clickNextOrder(),

            // Second order: the points payment is added, then the order shrinks.
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            ProductScreen.addOrderline("Loyalty Cap", "1"),
            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Anna Points"),
            ProductScreen.clickPayButton(),
            pointsInfoIs("75", "Silver"),
            // min(due 160, balance 75, 50 % of 160) = 75
            PaymentScreen.clickPaymentMethod("Points", true, { amount: "75.00" }),
            PaymentScreen.clickBack(),
            inLeftSide([
                ...ProductScreen.clickLine("Loyalty Mug"),
                Numpad.click("⌫"),
                ...ProductScreen.selectedOrderlineHasDirect("Loyalty Mug", "0.0"),
                Numpad.click("⌫"),
                ...ProductScreen.selectedOrderlineHasDirect("Loyalty Cap", "1.0"),
            ]),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank", true, { amount: "5.00", remaining: "0.00" }),
            // The server refuses 75.00 on an order of 80.00: nothing is paid.
            PaymentScreen.clickValidate(),
            dialogSays("At most 50 % of this order"),
            PaymentScreen.isShown(),
            PaymentScreen.clickPaymentline("Points", "75.00"),
            PaymentScreen.clickNumpad("4 0"),
            PaymentScreen.selectedPaymentlineHas("Points", "40.00"),
            PaymentScreen.clickPaymentline("Bank", "5.00"),
            PaymentScreen.clickNumpad("4 0"),
            PaymentScreen.selectedPaymentlineHas("Bank", "40.00"),
            PaymentScreen.remainingIs("0.00"),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptHas("loyalty-points-redeemed", "40"),
            receiptHas("loyalty-points-earned", "4"),
            receiptHas("loyalty-points-new-balance", "39"),
            ReceiptScreen.clickNextOrder(),
            ProductScreen.isShown(),
        ].flat(),
});

registry.category("web_tour.tours").add("LoyaltyPointsRefundTour", {
    checkDelay: 50,
    steps: () =>
        [
            Chrome.startPoS(),
            ...ProductScreen.clickRefund(),
            TicketScreen.selectOrder("-0001"),
            ProductScreen.clickNumpad("1"),
            TicketScreen.toRefundTextContains("To Refund: 1.00"),
            TicketScreen.confirmRefund(),
            ProductScreen.isShown(),
            ProductScreen.customerIsSelected("Anna Points"),
            ProductScreen.clickPayButton(),
            // The refund gives back what the order paid with points, no more.
            PaymentScreen.clickPaymentMethod("Points", true, { amount: "-30.00" }),
            PaymentScreen.clickPaymentMethod("Bank", true, { amount: "-50.00", remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            receiptHas("loyalty-points-redeemed", "30"),
            {
                content: "the points come back",
                trigger: ".receipt-screen .loyalty-points-redeemed:contains('Points given back')",
            },
            receiptHas("loyalty-points-earned", "5"),
            receiptHas("loyalty-points-new-balance", "64"),
            ReceiptScreen.clickNextOrder(),
            ProductScreen.isShown(),
        ].flat(),
});
