import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ControlButtons } from "@point_of_sale/app/screens/product_screen/control_buttons/control_buttons";
import { ask, makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { LoyaltyPointsRewardPopup } from "@loyalty_points/app/reward_popup/reward_popup";

patch(ControlButtons.prototype, {
    /** The till's company has a reward catalogue. */
    get hasLoyaltyPointsRewards() {
        return this.pos.models["loyalty.points.reward"].length > 0;
    },
    showLoyaltyPointsRewardError(body) {
        this.dialog.add(AlertDialog, { title: _t("Rewards"), body });
    },
    showLoyaltyPointsRewardOffline() {
        this.showLoyaltyPointsRewardError(
            _t(
                "Rewards need a connection to the server, to check the customer's balance. Please try again when the till is online."
            )
        );
    },
    /**
     * The customer's rewards: the fresh balance first (the server's), less
     * what the order already spends (rewards and points payments); the chosen
     * reward is checked with the server before its line is added.
     */
    async clickLoyaltyPointsRewards() {
        const order = this.pos.get_order();
        let partner = order.get_partner();
        if (!partner) {
            const confirmed = await ask(this.dialog, {
                title: _t("Customer Required"),
                body: _t("Select the customer who takes a reward first: it is paid with their points."),
            });
            if (confirmed) {
                await this.pos.selectPartner();
            }
            partner = order.get_partner();
            if (!partner) {
                return;
            }
        }
        let info;
        try {
            info = await this.pos.fetchLoyaltyPointsInfo(partner);
        } catch {
            this.showLoyaltyPointsRewardOffline();
            return;
        }
        const rewards = this.pos.getLoyaltyPointsRewards(partner);
        if (!rewards.length) {
            this.showLoyaltyPointsRewardError(
                _t("There is no reward for %(partner)s today.", { partner: partner.name })
            );
            return;
        }
        const paidPoints = info.point_value
            ? order.getLoyaltyPointsRedeemedAmount() / info.point_value
            : 0;
        const available = Math.max(info.balance - order.getLoyaltyPointsRewardPoints() - paidPoints, 0);
        const reward = await makeAwaitable(this.dialog, LoyaltyPointsRewardPopup, {
            title: _t("Rewards"),
            partnerName: partner.name,
            available,
            rewards,
        });
        if (!reward) {
            return;
        }
        let result;
        try {
            result = await this.pos.checkLoyaltyPointsRewards(partner, order, reward);
        } catch {
            this.showLoyaltyPointsRewardOffline();
            return;
        }
        if (!result.ok) {
            this.showLoyaltyPointsRewardError(result.message);
            return;
        }
        await this.pos.addLoyaltyPointsReward(order, reward);
        this.props.close?.();
    },
});
