/**
 * Tour steps of the loyalty figures at the till, shared by the addon's POS
 * tours (as point_of_sale/static/tests/tours/utils/ holds Odoo's).
 */
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import { negate } from "@point_of_sale/../tests/tours/utils/common";
import { formatDate } from "@web/core/l10n/dates";

const { DateTime } = luxon;

/** `days` from today in the user's date format, as the till shows dates. */
export function dayIn(days) {
    return formatDate(DateTime.local().plus({ days }));
}

/** The open dialog says `text`; it is closed. */
export function dialogSays(text) {
    return [
        { content: `the dialog says "${text}"`, trigger: `.modal-body:contains("${text}")` },
        Dialog.confirm(),
    ];
}

/** The payment screen shows the customer's balance (and tier). */
export function pointsInfoIs(balance, tier = "") {
    const steps = [
        {
            content: `the customer has ${balance} points`,
            trigger: `.payment-screen .loyalty-points-info .loyalty-points-balance:contains("${balance} points")`,
        },
    ];
    if (tier) {
        steps.push({
            content: `the customer's tier is ${tier}`,
            trigger: `.payment-screen .loyalty-points-info .loyalty-points-tier:contains("${tier}")`,
        });
    }
    return steps;
}

/** The payment screen's loyalty box has a line of `cssClass` saying `text`. */
export function paymentInfoSays(cssClass, text) {
    return {
        content: `the payment screen says "${text}"`,
        trigger: `.payment-screen .loyalty-points-info .${cssClass}:contains("${text}")`,
    };
}

/** The loyalty figures beside the order (product screen) say `text` in `cssClass`. */
export function orderInfoSays(cssClass, text) {
    return {
        content: `the order says "${text}"`,
        trigger: `.product-screen .loyalty-points-order .${cssClass}:contains("${text}")`,
    };
}

/** Nothing of `cssClass` beside the order (product screen). */
export function orderInfoHasNo(cssClass, reason) {
    return {
        content: `the order shows no ${cssClass} (${reason})`,
        trigger: negate(`.loyalty-points-order .${cssClass}`, ".product-screen .loyalty-points-order"),
    };
}

/** The selected payment line is exactly `amount` (not `amount` after other digits). */
export function selectedLineIsExactly(amount) {
    const escaped = amount.replace(/[.]/g, "\\.");
    return {
        content: `the selected payment line is exactly ${amount}`,
        trigger: `.paymentlines .paymentline.selected .payment-amount:contains(/^[^0-9]*${escaped}\\s*$/)`,
    };
}

/** The receipt's loyalty line of `cssClass` shows `value`. */
export function receiptHas(cssClass, value) {
    return {
        content: `the receipt shows ${cssClass}: ${value}`,
        trigger: `.receipt-screen .pos-receipt .${cssClass} span:last-child:contains("${value}")`,
    };
}

/** Select `name` from the payment screen's customer button. */
export function selectCustomerOnPaymentScreen(name) {
    return [
        {
            content: "click the customer button",
            trigger: ".payment-screen button.partner-button",
            run: "click",
        },
        {
            content: `select ${name}`,
            trigger: `.modal .partner-list b:contains("${name}")`,
            run: "click",
        },
        {
            content: `${name} is the customer`,
            trigger: `.payment-screen button.partner-button:contains("${name}")`,
        },
    ];
}

export function setOffline(offline) {
    return {
        content: offline ? "the till goes offline" : "the till is back online",
        trigger: ".payment-screen",
        run: () => {
            window.posmodel.data.network.offline = offline;
        },
    };
}

/** A scanned card selected nobody: the dialog says why. */
export function cardRefused(text) {
    return [
        Dialog.is({ title: "Loyalty card" }),
        { content: `the dialog says "${text}"`, trigger: `.modal-body:contains("${text}")` },
        Dialog.confirm(),
    ];
}

/** The product screen shows the balance and tier of the order's customer. */
export function orderShowsPoints(name, balance, tier) {
    return {
        content: `the order shows ${name}'s ${balance} points and tier ${tier}`,
        trigger: `.product-screen .loyalty-points-order:contains("${name}"):has(.loyalty-points-order-balance:contains("${balance} points")):has(.loyalty-points-order-tier:contains("${tier}"))`,
    };
}

export function orderShowsNoPoints(reason) {
    return {
        content: `the order shows no loyalty figures (${reason})`,
        trigger: negate(".loyalty-points-order", ".product-screen"),
    };
}
