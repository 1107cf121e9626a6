import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import * as Reward from "@loyalty_points/../tests/tours/utils/loyalty_points_reward_util";
import { registry } from "@web/core/registry";

function receiptHas(cssClass, value) {
    return {
        content: `the receipt shows ${cssClass}: ${value}`,
        trigger: `.receipt-screen .pos-receipt .${cssClass} span:last-child:contains("${value}")`,
    };
}

registry.category("web_tour.tours").add("LoyaltyPointsRewardTour", {
    checkDelay: 50,
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Loyalty Mug", "1"),

            // Without a customer, the till asks for one first.
            Reward.clickRewardsButton().slice(0, 1),
            Dialog.is({ title: "Customer Required" }),
            Dialog.cancel(),

            ProductScreen.clickPartnerButton(),
            ProductScreen.clickCustomer("Anna Rewards"),
            // 220 points: the manicure (150) can be taken, the spa day (500) not yet.
            Reward.clickRewardsButton(),
            Reward.rewardIsAffordable("Free manicure", "150"),
            Reward.rewardIsMissing("Spa day", "280"),
            Reward.selectReward("Free manicure"),
            Reward.orderlineHasReward("Manicure Service", "Reward: Free manicure −150 points"),

            // A second manicure is more than the 70 points left can pay.
            Reward.clickRewardsButton(),
            Reward.rewardIsMissing("Free manicure", "80"),
            Dialog.cancel(),

            ProductScreen.clickPayButton(),
            Reward.paymentScreenHasReward("Reward: Free manicure −150 points", "70"),
            PaymentScreen.clickPaymentMethod("Bank", true, { amount: "80.00", remaining: "0.00" }),
            PaymentScreen.clickValidate(),

            // The receipt: the reward and what the server booked (8 points on the
            // mug, none on the manicure).
            ReceiptScreen.isShown(),
            Reward.receiptHasReward("Reward: Free manicure −150 points"),
            receiptHas("loyalty-points-earned", "8"),
            receiptHas("loyalty-points-new-balance", "78"),
            ReceiptScreen.clickNextOrder(),
        ].flat(),
});
