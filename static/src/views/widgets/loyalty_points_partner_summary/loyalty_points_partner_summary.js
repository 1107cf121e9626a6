import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/core/utils/numbers";
import { useService } from "@web/core/utils/hooks";
import { useRecordObserver } from "@web/model/relational_model/utils";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * The loyalty balance and tier of a document's customer, in its company: a
 * line under the customer of a form (the sales order's, when `sale` is
 * installed). The server decides the figures (res.partner.loyalty_points_summary);
 * nothing is shown for a customer without a loyalty account.
 */
export class LoyaltyPointsPartnerSummary extends Component {
    static template = "loyalty_points.LoyaltyPointsPartnerSummary";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.state = useState({ summary: false });
        this.loaded = null;
        onWillStart(() => this.load(this.props.record));
        useRecordObserver((record) => this.load(record));
    }

    async load(record) {
        const partnerId = record.data.partner_id && record.data.partner_id[0];
        const companyId = record.data.company_id && record.data.company_id[0];
        const key = `${partnerId}-${companyId}`;
        if (key === this.loaded) {
            return;
        }
        this.loaded = key;
        this.state.summary = partnerId
            ? await this.orm.call("res.partner", "loyalty_points_summary", [[partnerId]], {
                  company_id: companyId || false,
              })
            : false;
    }

    get points() {
        return formatFloat(this.state.summary.balance, { digits: [16, 2] });
    }

    get pending() {
        return formatFloat(this.state.summary.pending, { digits: [16, 2] });
    }
}

registry.category("view_widgets").add("loyalty_points_partner_summary", {
    component: LoyaltyPointsPartnerSummary,
    fieldDependencies: [
        { name: "partner_id", type: "many2one" },
        { name: "company_id", type: "many2one" },
    ],
});
