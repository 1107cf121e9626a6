import { patch } from "@web/core/utils/patch";
import { Orderline } from "@point_of_sale/app/generic_components/orderline/orderline";

// The reward a line takes ("Reward: Free manicure −500 points"), from
// PosOrderline.getDisplayData (see models/pos_order_reward.js).
patch(Orderline, {
    props: {
        ...Orderline.props,
        line: {
            ...Orderline.props.line,
            shape: {
                ...Orderline.props.line.shape,
                loyaltyPointsReward: { type: String, optional: true },
            },
        },
    },
});
