/**
 * Points payment arithmetic, pure (no POS model, no RPC): the till uses it to
 * propose and cap a points payment; the server re-checks with the same rules
 * (res.partner.loyalty_points_check_payment) before the order is validated.
 */

import { formatFloat } from "@web/core/utils/numbers";

/**
 * Round `value` down to `decimals` decimals, tolerating binary noise
 * (floorTo(0.3 * 3, 2) === 0.9).
 */
export function floorTo(value, decimals) {
    const factor = 10 ** decimals;
    return Math.floor(value * factor + 1e-6) / factor;
}

/**
 * The most an order of `orderTotal` may take in points: what the balance is
 * worth, and at most `maxShare` % of the order; never negative.
 *
 * @param {Object} info fresh figures from res.partner.loyalty_points_pos_info
 * @param {number} info.balance points of the customer
 * @param {number} info.point_value value of one point, in the company currency
 * @param {number} info.max_redeem_share percentage of an order payable with points
 * @param {number} orderTotal total of the order, taxes included
 * @param {number} decimals decimal places of the currency
 */
export function maxRedeemAmount(info, orderTotal, decimals) {
    const balanceValue = floorTo(Math.max(info.balance, 0) * info.point_value, decimals);
    const shareValue = floorTo((Math.max(orderTotal, 0) * info.max_redeem_share) / 100, decimals);
    return Math.min(balanceValue, shareValue);
}

/**
 * What a new points payment line proposes: the amount due, if the points
 * left after the order's other points payments (`alreadyRedeemed`) allow it.
 */
export function proposedRedeemAmount({ due, maxAmount, alreadyRedeemed, decimals }) {
    const left = floorTo(maxAmount - Math.max(alreadyRedeemed, 0), decimals);
    return Math.max(Math.min(floorTo(due, decimals), left), 0);
}

/**
 * Points as the till shows them: up to 2 decimals, no trailing zeros, in the
 * user's language (1,234.5).
 */
export function formatLoyaltyPoints(points) {
    return formatFloat(points, { digits: [69, 2], trailingZeros: false });
}
