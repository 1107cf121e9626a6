import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PartnerList from "@point_of_sale/../tests/tours/utils/partner_list_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import {
    cardRefused,
    orderShowsNoPoints,
    orderShowsPoints,
} from "@loyalty_points/../tests/tours/utils/loyalty_points_util";
import { registry } from "@web/core/registry";

// The cards of the test (tests/test_frontend_cards.py).
const ANNA_CARD = "2900007770013";
const BORIS_BLOCKED_CARD = "2900007770020";
const BORIS_CARD = "2900007770037";
const UNKNOWN_CARD = "2900007770990";

registry.category("web_tour.tours").add("LoyaltyPointsCardTour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            orderShowsNoPoints("no customer"),
            // A scanned card selects its customer; the order shows their figures.
            scan_barcode(ANNA_CARD),
            ProductScreen.customerIsSelected("Anna Points"),
            orderShowsPoints("Anna Points", "100", "Silver"),
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
            // Another customer, without points nor tier: Anna's figures are gone.
            orderShowsNoPoints("Boris has no points"),
            // Anna pays the order by bank and earns 10 % of 80.00.
            scan_barcode(ANNA_CARD),
            ProductScreen.customerIsSelected("Anna Points"),
            orderShowsPoints("Anna Points", "100", "Silver"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Bank", true, { amount: "80.00", remaining: "0.00" }),
            PaymentScreen.clickValidate(),
            ReceiptScreen.isShown(),
            ReceiptScreen.clickNextOrder(),
            // The next order: nobody yet, then her card shows the balance the
            // server booked with the synced order, without asking again.
            ProductScreen.isShown(),
            orderShowsNoPoints("a new order has no customer"),
            scan_barcode(ANNA_CARD),
            ProductScreen.customerIsSelected("Anna Points"),
            orderShowsPoints("Anna Points", "108", "Silver"),
            ProductScreen.addOrderline("Loyalty Mug", "1"),
            orderShowsPoints("Anna Points", "108", "Silver"),
        ].flat(),
});
