import { patch } from "@web/core/utils/patch";
import { PartnerList } from "@point_of_sale/app/screens/partner_list/partner_list";

patch(PartnerList.prototype, {
    setup() {
        super.setup(...arguments);
        // The customer the server found by a loyalty card number typed in the search.
        this.loyaltyCardMatch = { query: null, partner: null };
    },
    /**
     * The server search of the customer list (Enter) finds a customer by the
     * number of their active loyalty card in the till's company too.
     */
    async getNewPartners() {
        const query = (this.state.query || "").trim();
        const result = await super.getNewPartners(...arguments);
        if (!query || this.state.currentOffset) {
            return result;
        }
        const [partner] = await this.pos.data.searchRead(
            "res.partner",
            [["loyalty_points_card_number", "=", query]],
            [],
            { limit: 1 }
        );
        this.loyaltyCardMatch = { query, partner: partner || null };
        return partner && !result.includes(partner) ? [partner, ...result] : result;
    },
    getPartners() {
        const partners = super.getPartners(...arguments);
        const query = (this.state.query || "").trim();
        const match = this.loyaltyCardMatch;
        if (query && match.query === query && match.partner && !partners.includes(match.partner)) {
            return [match.partner, ...partners];
        }
        return partners;
    },
});
