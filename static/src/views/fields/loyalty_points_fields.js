/**
 * Back office widgets of the loyalty figures:
 * - `loyalty_points`: points with the decimals of their company's points
 *   rounding (the record's company_id, else the current company), in forms,
 *   lists, their totals and pivots (a field widget and a formatter of the same
 *   name, as Odoo's `monetary`);
 * - `loyalty_points_value`: an amount per point with its currency, with more
 *   decimals than the currency only when the value needs them ($ 1.00, $ 0.005);
 * - `loyalty_points_rate`: a rate or a percentage without trailing zeros (50, 12.5);
 * - `loyalty_points_company_monetary` (a formatter): an amount of a pivot or
 *   a graph with the currency of the current company, where a record has none.
 * Each company's rounding comes with the session (models/ir_http.py).
 */

import { registry } from "@web/core/registry";
import { user } from "@web/core/user";
import { session } from "@web/session";
import { FloatField, floatField } from "@web/views/fields/float/float_field";
import { MonetaryField, monetaryField } from "@web/views/fields/monetary/monetary_field";
import { formatFloat, formatMonetary } from "@web/views/fields/formatters";
import { formatLoyaltyPoints } from "@loyalty_points/utils/loyalty_points";

/** The session's values of the company `companyId`, else of the current company. */
function sessionCompany(companyId) {
    const companies = session.user_companies?.allowed_companies || {};
    const current =
        user.context.allowed_company_ids?.[0] ?? session.user_companies?.current_company;
    return companies[companyId] || companies[current];
}

/** The points rounding of the company `companyId`, else of the current company. */
export function loyaltyPointsRounding(companyId) {
    return sessionCompany(companyId)?.loyalty_points_rounding ?? 1;
}

function recordCompanyId(record) {
    const company = record.data.company_id;
    return Array.isArray(company) ? company[0] : company?.id;
}

export class LoyaltyPointsField extends FloatField {
    get formattedValue() {
        const companyId = recordCompanyId(this.props.record);
        return formatLoyaltyPoints(this.value, loyaltyPointsRounding(companyId));
    }
}

export const loyaltyPointsField = {
    ...floatField,
    component: LoyaltyPointsField,
    listViewWidth: [93],
};

/** The `loyalty_points` formatter: list totals, group rows, pivot cells. */
export function formatLoyaltyPointsValue(value, options = {}) {
    if (value === false || value === undefined || value === null) {
        return "";
    }
    return formatLoyaltyPoints(value, loyaltyPointsRounding(options.companyId));
}

export class LoyaltyPointsValueField extends MonetaryField {
    get currencyDigits() {
        const digits = super.currencyDigits;
        if (!digits) {
            return digits;
        }
        const maxDecimals = this.props.record.fields[this.props.name].digits?.[1] ?? digits[1];
        let decimals = digits[1];
        const value = Math.abs(this.value || 0);
        while (decimals < maxDecimals) {
            const scaled = value * 10 ** decimals;
            if (Math.abs(scaled - Math.round(scaled)) < 1e-9) {
                break;
            }
            decimals++;
        }
        return [digits[0], decimals];
    }
}

export const loyaltyPointsValueField = { ...monetaryField, component: LoyaltyPointsValueField };

export class LoyaltyPointsRateField extends FloatField {
    get formattedValue() {
        return formatFloat(this.value, {
            digits: this.props.record.fields[this.props.name].digits || [16, 2],
            trailingZeros: false,
        });
    }
}

export const loyaltyPointsRateField = { ...floatField, component: LoyaltyPointsRateField };

registry.category("fields").add("loyalty_points", loyaltyPointsField);
registry.category("fields").add("loyalty_points_value", loyaltyPointsValueField);
registry.category("fields").add("loyalty_points_rate", loyaltyPointsRateField);
/** The `loyalty_points_company_monetary` formatter (pivot cells, graph values). */
export function formatCompanyMonetary(value, options = {}) {
    if (value === false || value === undefined || value === null) {
        return "";
    }
    const currencyId = sessionCompany(options.companyId)?.loyalty_points_currency_id;
    return formatMonetary(value, { currencyId });
}

registry.category("formatters").add("loyalty_points", formatLoyaltyPointsValue);
registry.category("formatters").add("loyalty_points_company_monetary", formatCompanyMonetary);
