import { patch } from "@web/core/utils/patch";
import { formatDate } from "@web/core/l10n/dates";
import { PosOrder } from "@point_of_sale/app/models/pos_order";
import { formatLoyaltyPoints } from "@loyalty_points/utils/loyalty_points";

const { DateTime } = luxon;

patch(PosOrder.prototype, {
    getLoyaltyPointsPaymentLines() {
        return this.payment_ids.filter((line) => line.payment_method_id.is_loyalty_points);
    },
    /** Sum of the positive points payments, except `excludedLine`'s. */
    getLoyaltyPointsRedeemedAmount(excludedLine = null) {
        return this.getLoyaltyPointsPaymentLines()
            .filter((line) => line !== excludedLine && line.amount > 0)
            .reduce((total, line) => total + line.amount, 0);
    },
    /**
     * What the refunded orders of this refund were paid with points, when the
     * till knows them: a refund to the points method proposes no more.
     */
    getLoyaltyPointsRefundableAmount() {
        const originals = new Set(
            this.lines.map((line) => line.refunded_orderline_id?.order_id).filter(Boolean)
        );
        let amount = 0;
        for (const original of originals) {
            amount += original.getLoyaltyPointsRedeemedAmount();
        }
        return amount;
    },
    /**
     * The loyalty figures the server booked at sync (never computed here), for
     * the receipt; null before the order is synced or without a customer.
     */
    getLoyaltyPointsReceiptData() {
        if (typeof this.id !== "number" || !this.get_partner()) {
            return null;
        }
        const earned = this.loyalty_points_earned || 0;
        const redeemed = this.loyalty_points_redeemed || 0;
        const tier = this.loyalty_points_tier_id;
        if (!earned && !redeemed && !this.loyalty_points_balance && !this.loyalty_points_pending && !tier) {
            return null;
        }
        const availableDate = this.loyalty_points_available_date;
        const balance = this.loyalty_points_balance || 0;
        const pending = this.loyalty_points_pending || 0;
        const format = (points) =>
            formatLoyaltyPoints(points, this.company?.loyalty_points_rounding);
        return {
            earned,
            redeemed,
            balance,
            pending,
            // as the till shows points: with the decimals of the company's rounding
            earnedText: format(Math.abs(earned)),
            redeemedText: format(Math.abs(redeemed)),
            balanceText: format(balance),
            pendingText: format(pending),
            availableDate: availableDate ? formatDate(DateTime.fromSQL(availableDate)) : "",
            tier: tier?.name || "",
        };
    },
    export_for_printing() {
        return {
            ...super.export_for_printing(...arguments),
            loyaltyPoints: this.getLoyaltyPointsReceiptData(),
        };
    },
});
