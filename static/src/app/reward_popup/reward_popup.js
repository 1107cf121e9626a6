import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { Dialog } from "@web/core/dialog/dialog";
import { formatLoyaltyPoints } from "@loyalty_points/utils/loyalty_points";

/**
 * The customer's rewards at the till: those the points left pay for can be
 * chosen; the others are greyed with the points still missing. The payload
 * is the chosen reward; the caller checks it with the server before adding it.
 */
export class LoyaltyPointsRewardPopup extends Component {
    static template = "loyalty_points.LoyaltyPointsRewardPopup";
    static components = { Dialog };
    static props = {
        title: String,
        partnerName: String,
        // points the customer can still spend on this order
        available: Number,
        rewards: Array,
        getPayload: Function,
        close: Function,
    };

    get items() {
        return this.props.rewards.map((reward) => {
            const missing = Math.max(reward.points_cost - this.props.available, 0);
            return {
                reward,
                missing,
                cost: _t("%(points)s points", { points: formatLoyaltyPoints(reward.points_cost) }),
                missingText: missing
                    ? _t("%(points)s points missing", { points: formatLoyaltyPoints(missing) })
                    : "",
            };
        });
    }
    get availableText() {
        return _t("%(partner)s can spend %(points)s points", {
            partner: this.props.partnerName,
            points: formatLoyaltyPoints(this.props.available),
        });
    }
    select(item) {
        if (item.missing) {
            return;
        }
        this.props.getPayload(item.reward);
        this.props.close();
    }
}
