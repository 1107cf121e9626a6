import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { formatLoyaltyPoints } from "@loyalty_points/utils/loyalty_points";

/**
 * Rewards and points payments of one order spend the same balance: the
 * payment screen proposes and caps points payments with what the rewards
 * leave, and the server checks both together before the order is validated.
 */
patch(PaymentScreen.prototype, {
    get loyaltyPointsRewardPoints() {
        return this.currentOrder.getLoyaltyPointsRewardPoints();
    },
    /** "Reward: Free manicure −500 points", one per reward line. */
    get loyaltyPointsRewardTexts() {
        return this.currentOrder
            .getLoyaltyPointsRewardLines()
            .map((line) => line.getLoyaltyPointsRewardText())
            .filter(Boolean);
    },
    /** The balance once the order's rewards and points payments are taken. */
    get loyaltyPointsLeftText() {
        const info = this.loyaltyPointsInfo;
        if (!info) {
            return "";
        }
        const paid = info.point_value
            ? this.currentOrder.getLoyaltyPointsRedeemedAmount() / info.point_value
            : 0;
        return _t("New balance: %(points)s points, before what this order earns", {
            points: formatLoyaltyPoints(info.balance - this.loyaltyPointsRewardPoints - paid),
        });
    },
    loyaltyPointsMaxAmount(info) {
        const reserved = this.loyaltyPointsRewardPoints;
        return super.loyaltyPointsMaxAmount(
            reserved ? { ...info, balance: info.balance - reserved } : info
        );
    },
    async checkLoyaltyPointsPayments() {
        const order = this.currentOrder;
        if (!order.getLoyaltyPointsRewardLines().length) {
            return await super.checkLoyaltyPointsPayments(...arguments);
        }
        const partner = order.get_partner();
        if (!partner) {
            this.showLoyaltyPointsError(
                _t("This order takes a reward: select the customer whose points pay for it.")
            );
            return false;
        }
        let result;
        try {
            result = await this.pos.checkLoyaltyPointsRewards(partner, order);
        } catch {
            this.showLoyaltyPointsError(
                _t(
                    "Rewards need a connection to the server, to check the customer's balance. Please try again when the till is online, or remove the reward."
                )
            );
            return false;
        }
        if (!result.ok) {
            this.showLoyaltyPointsError(result.message);
            return false;
        }
        return true;
    },
});
