import { _t } from "@web/core/l10n/translation";
import { patch } from "@web/core/utils/patch";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";

patch(ProductScreen.prototype, {
    /**
     * A scanned customer barcode may be a loyalty card: the server resolves it
     * (active cards of the till's company only), so no card number is loaded
     * into the till and customers that are not loaded are found too. A blocked
     * or unknown card selects nobody and says why.
     */
    async _barcodePartnerAction(code) {
        if (this.pos.models["res.partner"].getBy("barcode", code.code)) {
            return super._barcodePartnerAction(...arguments);
        }
        let result;
        try {
            result = await this.pos.data.call("res.partner", "loyalty_points_partner_by_card", [
                this.pos.config.id,
                code.code,
            ]);
        } catch {
            // Offline: only Odoo's own customer barcodes can be matched.
            return super._barcodePartnerAction(...arguments);
        }
        if (result.partner_id) {
            let partner = this.pos.models["res.partner"].get(result.partner_id);
            if (!partner) {
                [partner] = await this.pos.data.read("res.partner", [result.partner_id]);
            }
            if (partner) {
                if (this.currentOrder.get_partner() !== partner) {
                    this.currentOrder.set_partner(partner);
                }
                return;
            }
        }
        // Not a card of this company: maybe a customer's own barcode.
        const partner = await this._getPartnerByBarcode(code);
        if (partner && !result.blocked) {
            if (this.currentOrder.get_partner() !== partner) {
                this.currentOrder.set_partner(partner);
            }
            return;
        }
        this.dialog.add(AlertDialog, {
            title: _t("Loyalty card"),
            body: result.message || _t("Unknown loyalty card %s.", code.code),
        });
    },
});
