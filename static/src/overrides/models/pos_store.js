import { _t } from "@web/core/l10n/translation";
import { formatDate } from "@web/core/l10n/dates";
import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { formatLoyaltyPoints } from "@loyalty_points/utils/loyalty_points";

const { DateTime } = luxon;

/** A day the server sent ("2026-12-14"), in the user's date format. */
function formatServerDate(day) {
    return day ? formatDate(typeof day === "string" ? DateTime.fromSQL(day) : day) : "";
}

patch(PosStore.prototype, {
    async setup() {
        // Customer id: the loyalty figures the server last sent for it.
        this.loyaltyPointsInfo = {};
        await super.setup(...arguments);
    },
    /** Points as the till shows them: with the decimals of the company's rounding. */
    formatLoyaltyPoints(points) {
        return formatLoyaltyPoints(points, this.company?.loyalty_points_rounding);
    },
    /** "21 points pending, spendable from 12/14/2026" ("+ 21 pending" without the day). */
    loyaltyPointsPendingText(points, availableDate) {
        if (!points) {
            return "";
        }
        if (!availableDate) {
            return _t("+ %(points)s pending", { points: this.formatLoyaltyPoints(points) });
        }
        return _t("%(points)s points pending, spendable from %(date)s", {
            points: this.formatLoyaltyPoints(points),
            date: formatServerDate(availableDate),
        });
    },
    /** "15 points expire after 12/07/2026": spendable points that expire first. */
    loyaltyPointsExpiringText(points, expiryDate) {
        if (!points || !expiryDate) {
            return "";
        }
        return _t("%(points)s points expire after %(date)s", {
            points: this.formatLoyaltyPoints(points),
            date: formatServerDate(expiryDate),
        });
    },
    /**
     * Ask the server for the fresh balance, tier, point value and redeem share
     * of `partner`. Rejects when offline: points payments need the server.
     */
    async fetchLoyaltyPointsInfo(partner) {
        const info = await this.data.call("res.partner", "loyalty_points_pos_info", [
            [partner.id],
            this.config.id,
        ]);
        this.loyaltyPointsInfo[partner.id] = info;
        return info;
    },
    /**
     * Ask the server whether `partner` may pay `amount` with points on an order
     * of `orderTotal`; the answer carries the fresh figures too.
     */
    async checkLoyaltyPointsPayment(partner, amount, orderTotal) {
        const result = await this.data.call("res.partner", "loyalty_points_check_payment", [
            [partner.id],
            this.config.id,
            amount,
            orderTotal,
        ]);
        this.loyaltyPointsInfo[partner.id] = result;
        return result;
    },

    // ------------------------------------------------------------------
    // rewards: the catalogue (loyalty.points.reward) comes with the till's data

    /**
     * The rewards `partner` may take today at this till: within their dates
     * and the customer's tier, cheapest first.
     */
    getLoyaltyPointsRewards(partner) {
        const today = luxon.DateTime.now().toISODate();
        const tier = partner?.loyalty_tier_id;
        return this.models["loyalty.points.reward"]
            .filter(
                (reward) =>
                    (!reward.date_from || reward.date_from <= today) &&
                    (!reward.date_to || reward.date_to >= today) &&
                    (!reward.tier_ids.length || (tier && reward.tier_ids.includes(tier)))
            )
            .sort((a, b) => a.points_cost - b.points_cost || a.sequence - b.sequence || a.id - b.id);
    },
    /**
     * Ask the server whether `partner` may take the rewards of `order` (and
     * `extraReward`, about to be added) and pay its points payments: the
     * fresh balance must cover them together. Rejects when offline.
     */
    async checkLoyaltyPointsRewards(partner, order, extraReward = null) {
        const result = await this.data.call("res.partner", "loyalty_points_check_rewards", [
            [partner.id],
            this.config.id,
            order.getLoyaltyPointsRewardClaims(extraReward),
            order.getLoyaltyPointsRedeemedAmount(),
            order.get_total_with_tax(),
        ]);
        this.loyaltyPointsInfo[partner.id] = result;
        return result;
    },
    /** Add `reward`'s product to `order` at a 100 % discount, on a line that claims it. */
    async addLoyaltyPointsReward(order, reward) {
        return await this.addLineToOrder(
            {
                product_id: reward.product_id,
                loyalty_points_reward_id: reward,
                discount: 100,
                qty: 1,
            },
            order,
            {},
            false
        );
    },
    /**
     * After a sync, the customers of the synced orders show the balance,
     * pending points and tier the server booked (the order carries them): no
     * extra call. Points paid or given back may change which points expire
     * first: only then are those figures read again.
     */
    postSyncAllOrders(orders) {
        super.postSyncAllOrders(...arguments);
        const spent = new Set();
        for (const order of orders || []) {
            const partner = order.partner_id;
            if (!partner || typeof order.loyalty_points_balance !== "number") {
                continue;
            }
            const pending = order.loyalty_points_pending || 0;
            const orderDay = order.loyalty_points_available_date;
            const knownDay = partner.loyalty_points_available_date;
            partner.update({
                loyalty_points_balance: order.loyalty_points_balance,
                loyalty_points_pending: pending,
                loyalty_tier_id: order.loyalty_points_tier_id || false,
                // the first day pending points become spendable
                loyalty_points_available_date: !pending
                    ? false
                    : knownDay && (!orderDay || knownDay < orderDay)
                    ? knownDay
                    : orderDay || false,
            });
            if (order.loyalty_points_redeemed) {
                spent.add(partner);
            }
        }
        if (spent.size) {
            this.refreshLoyaltyPointsExpiry([...spent]);
        }
    },
    /** Read again which points of `partners` expire first (after a points payment). */
    async refreshLoyaltyPointsExpiry(partners) {
        const fields = ["loyalty_points_expiring", "loyalty_points_expiry_date"];
        let records;
        try {
            records = await this.data.call("res.partner", "read", [
                partners.map((partner) => partner.id),
                fields,
            ]);
        } catch {
            return; // offline: the payment screen reads fresh figures anyway
        }
        for (const values of records || []) {
            this.models["res.partner"].get(values.id)?.update({
                loyalty_points_expiring: values.loyalty_points_expiring,
                loyalty_points_expiry_date: values.loyalty_points_expiry_date,
            });
        }
    },
});
