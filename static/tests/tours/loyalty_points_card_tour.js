import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PartnerList from "@point_of_sale/../tests/tours/utils/partner_list_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import { registry } from "@web/core/registry";

// The cards of the test (tests/test_frontend_cards.py).
const ANNA_CARD = "2900007770013";
const BORIS_BLOCKED_CARD = "2900007770020";
const BORIS_CARD = "2900007770037";
const UNKNOWN_CARD = "2900007770990";

function cardRefused(text) {
    return [
        Dialog.is({ title: "Loyalty card" }),
        { content: `the dialog says "${text}"`, trigger: `.modal-body:contains("${text}")` },
        Dialog.confirm(),
    ];
}

registry.category("web_tour.tours").add("LoyaltyPointsCardTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            // A scanned card selects its customer.
            scan_barcode(ANNA_CARD),
            ProductScreen.customerIsSelected("Anna Points"),
            // A blocked card and an unknown one: a message, nobody selected.
            scan_barcode(BORIS_BLOCKED_CARD),
            cardRefused("is blocked"),
            ProductScreen.customerIsSelected("Anna Points"),
            scan_barcode(UNKNOWN_CARD),
            cardRefused("Unknown loyalty card"),
            ProductScreen.customerIsSelected("Anna Points"),
            // The customer list shows the balance and the tier.
            ProductScreen.clickPartnerButton(),
            {
                content: "Anna's balance and tier are in the customer list",
                trigger: `.partner-list .partner-info:contains("Anna Points") .loyalty-points-partner:contains("100") .loyalty-points-partner-tier:contains("Silver")`,
            },
            // The card number typed in the customer search finds its customer.
            {
                content: `type the card number ${BORIS_CARD} in the customer search`,
                trigger: ".modal-dialog .input-group input",
                run: `edit ${BORIS_CARD}`,
            },
            {
                content: "search on the server",
                trigger: ".modal .search-more-button > button",
                run: "click",
            },
            PartnerList.clickPartner("Boris Nopoints"),
            ProductScreen.customerIsSelected("Boris Nopoints"),
        ].flat(),
});
