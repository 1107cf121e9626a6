import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { usePos } from "@point_of_sale/app/store/pos_hook";

/**
 * The loyalty figures of the order's customer, next to the order on the
 * product screen: the balance, pending points (and from when they are
 * spendable), the points that expire first and the tier, loaded with the
 * customer and refreshed by each synced order of theirs (see the PosStore
 * patch). No server call: the payment screen asks the server for fresh
 * figures before a points payment.
 */
export class LoyaltyPointsOrderInfo extends Component {
    static template = "loyalty_points.LoyaltyPointsOrderInfo";
    static props = {
        partner: { type: Object, optional: true },
    };

    setup() {
        this.pos = usePos();
    }

    get balance() {
        return this.props.partner?.loyalty_points_balance || 0;
    }
    get pending() {
        return this.props.partner?.loyalty_points_pending || 0;
    }
    get tier() {
        return this.props.partner?.loyalty_tier_id || null;
    }
    /**
     * Nothing for a customer without points, pending points nor tier (no
     * loyalty account in the till's company, or an empty one), as in the
     * customer list.
     */
    get visible() {
        return Boolean(this.props.partner && (this.balance || this.pending || this.tier));
    }
    get balanceText() {
        return _t("%(points)s points", { points: this.pos.formatLoyaltyPoints(this.balance) });
    }
    get pendingText() {
        return this.pos.loyaltyPointsPendingText(
            this.pending,
            this.props.partner?.loyalty_points_available_date
        );
    }
    get expiringText() {
        const partner = this.props.partner;
        return this.pos.loyaltyPointsExpiringText(
            partner?.loyalty_points_expiring,
            partner?.loyalty_points_expiry_date
        );
    }
}
