/**
 * Loyalty points helpers, pure (no POS model, no RPC, no service): the one
 * points formatter of the back office and the till, and the points payment
 * arithmetic the till uses to propose and cap a points payment (the server
 * re-checks with the same rules, res.partner.loyalty_points_check_payment,
 * before the order is validated).
 */

import { formatFloat } from "@web/core/utils/numbers";

/** Decimals points are stored with (tools/points.py POINTS_PRECISION). */
export const POINTS_PRECISION = 2;

/**
 * Round `value` down to `decimals` decimals, tolerating binary noise
 * (floorTo(0.3 * 3, 2) === 0.9).
 */
export function floorTo(value, decimals) {
    const factor = 10 ** decimals;
    return Math.floor(value * factor + 1e-6) / factor;
}

/**
 * The decimals a company's points rounding allows: 1 and 5 give 0, 0.5 gives
 * 1, 0.01 and 0.25 give 2; never more than points are stored with.
 *
 * @param {number} rounding the company's loyalty_points_rounding (> 0)
 */
export function pointsDecimals(rounding) {
    if (!(rounding > 0)) {
        return POINTS_PRECISION;
    }
    for (let decimals = 0; decimals < POINTS_PRECISION; decimals++) {
        const scaled = rounding * 10 ** decimals;
        if (Math.abs(scaled - Math.round(scaled)) < 1e-6) {
            return decimals;
        }
    }
    return POINTS_PRECISION;
}

/**
 * The decimals to show `points` with: those of the company's rounding, or
 * the stored precision when the value has a finer fraction (a points payment
 * of 12.34 takes 12.34 points even where earnings are whole points), so a
 * figure is never shown rounded.
 */
export function pointsDisplayDecimals(points, rounding) {
    const decimals = pointsDecimals(rounding);
    const scaled = Math.abs(points) * 10 ** decimals;
    return Math.abs(scaled - Math.round(scaled)) < 1e-6 ? decimals : POINTS_PRECISION;
}

/**
 * Points as everyone sees them, in the back office and at the till: with the
 * decimals the company's points rounding allows (rounding 1: "3,324"; 0.01:
 * "3,324.00"), in the user's language. Python twin: tools/points.py
 * points_display_digits and res.company._loyalty_points_format.
 *
 * @param {number} points
 * @param {number} [rounding=1] the company's loyalty_points_rounding
 */
export function formatLoyaltyPoints(points, rounding = 1) {
    const value = points || 0;
    return formatFloat(value, { digits: [69, pointsDisplayDecimals(value, rounding)] });
}

/**
 * The most an order of `orderTotal` may take in points, and what sets it:
 * "balance" (what the balance is worth) or "share" (the company's maximum
 * share of an order); never negative.
 *
 * @param {Object} info fresh figures from res.partner.loyalty_points_pos_info
 * @param {number} info.balance points of the customer
 * @param {number} info.point_value value of one point, in the company currency
 * @param {number} info.max_redeem_share percentage of an order payable with points
 * @param {number} orderTotal total of the order, taxes included
 * @param {number} decimals decimal places of the currency
 * @returns {{amount: number, reason: "balance"|"share"}}
 */
export function redeemLimit(info, orderTotal, decimals) {
    const balanceValue = floorTo(Math.max(info.balance, 0) * info.point_value, decimals);
    const shareValue = floorTo((Math.max(orderTotal, 0) * info.max_redeem_share) / 100, decimals);
    return shareValue < balanceValue
        ? { amount: shareValue, reason: "share" }
        : { amount: balanceValue, reason: "balance" };
}

/** The most an order of `orderTotal` may take in points (see redeemLimit). */
export function maxRedeemAmount(info, orderTotal, decimals) {
    return redeemLimit(info, orderTotal, decimals).amount;
}

/**
 * What a new points payment line proposes: the amount due, if the points
 * left after the order's other points payments (`alreadyRedeemed`) allow it.
 */
export function proposedRedeemAmount({ due, maxAmount, alreadyRedeemed, decimals }) {
    const left = floorTo(maxAmount - Math.max(alreadyRedeemed, 0), decimals);
    return Math.max(Math.min(floorTo(due, decimals), left), 0);
}
