import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { formatFloat } from "@web/core/utils/numbers";
import { useEffect, useState } from "@odoo/owl";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { ask } from "@point_of_sale/app/store/make_awaitable_dialog";
import { floorTo, proposedRedeemAmount, redeemLimit } from "@loyalty_points/utils/loyalty_points";

patch(PaymentScreen.prototype, {
    setup() {
        super.setup(...arguments);
        this.loyaltyPointsState = useState({ loading: false, failed: false });
        useEffect(
            (partnerId) => {
                if (partnerId) {
                    this.refreshLoyaltyPointsInfo();
                }
            },
            () => [this.currentOrder?.get_partner()?.id]
        );
    },

    // ------------------------------------------------------------------
    // the customer's figures, always fresh from the server

    get loyaltyPointsInfo() {
        const partner = this.currentOrder.get_partner();
        return partner ? this.pos.loyaltyPointsInfo[partner.id] : undefined;
    },
    get loyaltyPointsDecimals() {
        return this.pos.currency.decimal_places;
    },
    /** The share of an order payable with points, as text ("50", "12.5"). */
    formatLoyaltyPointsShare(share) {
        return formatFloat(share, { digits: [69, 2], trailingZeros: false });
    },
    async refreshLoyaltyPointsInfo() {
        const partner = this.currentOrder.get_partner();
        if (!partner) {
            return undefined;
        }
        this.loyaltyPointsState.loading = true;
        try {
            const info = await this.pos.fetchLoyaltyPointsInfo(partner);
            this.loyaltyPointsState.failed = false;
            return info;
        } catch {
            this.loyaltyPointsState.failed = true;
            delete this.pos.loyaltyPointsInfo[partner.id];
            return undefined;
        } finally {
            this.loyaltyPointsState.loading = false;
        }
    },
    /** The most the order may take in points, and why, from the last fresh figures. */
    loyaltyPointsLimit(info) {
        return redeemLimit(info, this.currentOrder.get_total_with_tax(), this.loyaltyPointsDecimals);
    },
    loyaltyPointsMaxAmount(info) {
        return this.loyaltyPointsLimit(info).amount;
    },
    /** Why a points payment cannot go higher: the share, or the balance's worth. */
    loyaltyPointsLimitReason(info) {
        const limit = this.loyaltyPointsLimit(info);
        return limit.reason === "share"
            ? _t("at most %(share)s % of the order can be paid with points", {
                  share: this.formatLoyaltyPointsShare(info.max_redeem_share),
              })
            : _t("the %(points)s points are worth %(value)s", {
                  points: this.pos.formatLoyaltyPoints(Math.max(info.balance, 0)),
                  value: this.env.utils.formatCurrency(limit.amount),
              });
    },
    /** "At most 40.00 with points: at most 50 % of the order ...", beside the balance. */
    get loyaltyPointsLimitText() {
        const info = this.loyaltyPointsInfo;
        if (!info || info.balance <= 0 || this.currentOrder.get_total_with_tax() <= 0) {
            return "";
        }
        return _t("Up to %(max)s with points: %(reason)s.", {
            max: this.env.utils.formatCurrency(this.loyaltyPointsMaxAmount(info)),
            reason: this.loyaltyPointsLimitReason(info),
        });
    },
    get loyaltyPointsPendingText() {
        const info = this.loyaltyPointsInfo;
        return info ? this.pos.loyaltyPointsPendingText(info.pending, info.available_date) : "";
    },
    get loyaltyPointsExpiringText() {
        const info = this.loyaltyPointsInfo;
        return info ? this.pos.loyaltyPointsExpiringText(info.expiring, info.expiry_date) : "";
    },
    showLoyaltyPointsError(body) {
        this.dialog.add(AlertDialog, { title: _t("Loyalty Points"), body });
    },
    showLoyaltyPointsOffline() {
        this.showLoyaltyPointsError(
            _t(
                "Points payments need a connection to the server, to check the customer's balance. Please try again when the till is online, or use another payment method."
            )
        );
    },
    async askLoyaltyPointsCustomer(paymentMethod) {
        const confirmed = await ask(this.dialog, {
            title: _t("Customer Required"),
            body: _t(
                "Select the customer who pays with points first: %(method)s needs the customer's points balance.",
                { method: paymentMethod.name }
            ),
        });
        if (confirmed) {
            await this.pos.selectPartner();
        }
    },

    // ------------------------------------------------------------------
    // adding and editing a points payment

    async addNewPaymentLine(paymentMethod) {
        if (!paymentMethod.is_loyalty_points) {
            return super.addNewPaymentLine(...arguments);
        }
        const order = this.currentOrder;
        const partner = order.get_partner();
        if (!partner) {
            await this.askLoyaltyPointsCustomer(paymentMethod);
            return false;
        }
        const due = order.get_due();
        if (due < 0) {
            // A refund: points go back to the customer; the server caps them.
            const added = await super.addNewPaymentLine(...arguments);
            const refundable = order.getLoyaltyPointsRefundableAmount();
            const line = this.selectedPaymentLine;
            if (added && line && refundable > 0 && -line.amount > refundable) {
                line.set_amount(-refundable);
            }
            return added;
        }
        const info = await this.refreshLoyaltyPointsInfo();
        if (!info) {
            this.showLoyaltyPointsOffline();
            return false;
        }
        const amount = proposedRedeemAmount({
            due,
            maxAmount: this.loyaltyPointsMaxAmount(info),
            alreadyRedeemed: order.getLoyaltyPointsRedeemedAmount(),
            decimals: this.loyaltyPointsDecimals,
        });
        if (amount <= 0) {
            let message;
            if (due > 0 && info.balance > 0) {
                message = _t("%(partner)s cannot pay more of this order with points: %(reason)s.", {
                    partner: partner.name,
                    reason: this.loyaltyPointsLimitReason(info),
                });
            } else if (info.pending > 0 && info.available_date) {
                message = _t(
                    "%(partner)s has %(points)s points: nothing can be paid with points. %(pending)s.",
                    {
                        partner: partner.name,
                        points: this.pos.formatLoyaltyPoints(info.balance),
                        pending: this.pos.loyaltyPointsPendingText(
                            info.pending,
                            info.available_date
                        ),
                    }
                );
            } else {
                message = _t("%(partner)s has %(points)s points: nothing can be paid with points.", {
                    partner: partner.name,
                    points: this.pos.formatLoyaltyPoints(info.balance),
                });
            }
            this.showLoyaltyPointsError(message);
            return false;
        }
        const added = await super.addNewPaymentLine(...arguments);
        if (added && this.selectedPaymentLine?.payment_method_id === paymentMethod) {
            this.selectedPaymentLine.set_amount(amount);
        }
        return added;
    },
    updateSelectedPaymentline(amount = false) {
        super.updateSelectedPaymentline(...arguments);
        const line = this.selectedPaymentLine;
        if (!line?.payment_method_id.is_loyalty_points || line.amount <= 0) {
            return;
        }
        const info = this.loyaltyPointsInfo;
        if (!info) {
            // Never fetched (or offline): validation checks with the server.
            return;
        }
        const order = this.currentOrder;
        const allowed = floorTo(
            this.loyaltyPointsMaxAmount(info) - order.getLoyaltyPointsRedeemedAmount(line),
            this.loyaltyPointsDecimals
        );
        if (line.amount > allowed + 10 ** -(this.loyaltyPointsDecimals + 1)) {
            const refused = line.amount;
            const capped = Math.max(allowed, 0);
            line.set_amount(capped);
            // The line shows the capped amount; the next digit typed replaces
            // it instead of being appended to it.
            this.numberBuffer.set(capped.toString());
            this.numberBuffer.state.toStartOver = true;
            this.showLoyaltyPointsError(
                _t(
                    "%(amount)s cannot be paid with points: %(reason)s. %(partner)s may pay %(max)s with points; type another amount to replace it.",
                    {
                        amount: this.env.utils.formatCurrency(refused),
                        reason: this.loyaltyPointsLimitReason(info),
                        partner: order.get_partner().name,
                        max: this.env.utils.formatCurrency(capped),
                    }
                )
            );
        }
    },

    // ------------------------------------------------------------------
    // validation: the server has the last word

    async _isOrderValid(isForceValidate) {
        if (!(await super._isOrderValid(...arguments))) {
            return false;
        }
        return await this.checkLoyaltyPointsPayments();
    },
    async checkLoyaltyPointsPayments() {
        const order = this.currentOrder;
        const lines = order.getLoyaltyPointsPaymentLines();
        if (!lines.length) {
            return true;
        }
        const partner = order.get_partner();
        if (!partner) {
            await this.askLoyaltyPointsCustomer(lines[0].payment_method_id);
            return false;
        }
        const amount = order.getLoyaltyPointsRedeemedAmount();
        if (amount <= 0) {
            // Only points given back (a refund): nothing to check.
            return true;
        }
        let result;
        try {
            result = await this.pos.checkLoyaltyPointsPayment(
                partner,
                amount,
                order.get_total_with_tax()
            );
        } catch {
            this.showLoyaltyPointsOffline();
            return false;
        }
        if (!result.ok) {
            this.showLoyaltyPointsError(result.message);
            return false;
        }
        return true;
    },
});
