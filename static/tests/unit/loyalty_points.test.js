import { beforeEach, describe, expect, test } from "@odoo/hoot";
import { patchWithCleanup } from "@web/../tests/web_test_helpers";
import { localization } from "@web/core/l10n/localization";
import {
    floorTo,
    formatLoyaltyPoints,
    maxRedeemAmount,
    pointsDecimals,
    pointsDisplayDecimals,
    proposedRedeemAmount,
    redeemLimit,
} from "@loyalty_points/utils/loyalty_points";

describe.current.tags("headless");

beforeEach(() => {
    patchWithCleanup(localization, { decimalPoint: ".", thousandsSep: ",", grouping: [3, 0] });
});

describe("points formatter", () => {
    test("decimals of a company's points rounding", () => {
        expect(pointsDecimals(1)).toBe(0);
        expect(pointsDecimals(5)).toBe(0);
        expect(pointsDecimals(0.5)).toBe(1);
        expect(pointsDecimals(0.1)).toBe(1);
        expect(pointsDecimals(0.01)).toBe(2);
        expect(pointsDecimals(0.25)).toBe(2);
        // no rounding: the stored precision
        expect(pointsDecimals(0)).toBe(2);
        expect(pointsDecimals(undefined)).toBe(2);
    });

    test("a finer fraction than the rounding is never hidden", () => {
        expect(pointsDisplayDecimals(3324, 1)).toBe(0);
        expect(pointsDisplayDecimals(0.1 * 3 * 10, 1)).toBe(0);
        expect(pointsDisplayDecimals(12.34, 1)).toBe(2);
        expect(pointsDisplayDecimals(-12.5, 0.5)).toBe(1);
        expect(pointsDisplayDecimals(3324, 0.01)).toBe(2);
    });

    test("points with the decimals of the rounding, in the user's language", () => {
        expect(formatLoyaltyPoints(3324, 1)).toBe("3,324");
        expect(formatLoyaltyPoints(3324, 0.01)).toBe("3,324.00");
        expect(formatLoyaltyPoints(12.34, 1)).toBe("12.34");
        expect(formatLoyaltyPoints(-250, 1)).toBe("-250");
        expect(formatLoyaltyPoints(21.5, 0.5)).toBe("21.5");
        // whole points by default, nothing for nothing
        expect(formatLoyaltyPoints(18690)).toBe("18,690");
        expect(formatLoyaltyPoints(undefined, 1)).toBe("0");
    });

    test("in the user's language", () => {
        patchWithCleanup(localization, { decimalPoint: ",", thousandsSep: "." });
        expect(formatLoyaltyPoints(3324.5, 0.01)).toBe("3.324,50");
        expect(formatLoyaltyPoints(1234567, 1)).toBe("1.234.567");
    });
});

describe("points payment arithmetic", () => {
    const info = { balance: 100, point_value: 1, max_redeem_share: 50 };

    test("floorTo rounds down, tolerating binary noise", () => {
        expect(floorTo(0.3 * 3, 2)).toBe(0.9);
        expect(floorTo(12.349, 2)).toBe(12.34);
        expect(floorTo(-0.001, 2)).toBe(-0.01);
    });

    test("the limit of an order and what sets it", () => {
        // 50 % of 80.00 = 40.00 < 100 points worth 100.00: the share
        expect(redeemLimit(info, 80, 2)).toEqual({ amount: 40, reason: "share" });
        // 50 % of 300.00 = 150.00 > 100.00: the balance
        expect(redeemLimit(info, 300, 2)).toEqual({ amount: 100, reason: "balance" });
        // a negative balance or order is worth nothing
        expect(redeemLimit({ ...info, balance: -5 }, 80, 2)).toEqual({
            amount: 0,
            reason: "balance",
        });
        expect(maxRedeemAmount(info, -80, 2)).toBe(0);
        // the balance's value is rounded down to the currency
        expect(maxRedeemAmount({ ...info, point_value: 0.015 }, 1000, 2)).toBe(1.5);
        expect(maxRedeemAmount({ ...info, balance: 33.333, max_redeem_share: 100 }, 80, 2)).toBe(
            33.33
        );
    });

    test("the proposal of a new points line", () => {
        const propose = (due, maxAmount, alreadyRedeemed) =>
            proposedRedeemAmount({ due, maxAmount, alreadyRedeemed, decimals: 2 });
        // the amount due, within what is left of the limit
        expect(propose(30, 40, 0)).toBe(30);
        expect(propose(80, 40, 0)).toBe(40);
        expect(propose(80, 40, 25)).toBe(15);
        // never negative: more was paid with points than allowed
        expect(propose(80, 40, 50)).toBe(0);
    });
});
