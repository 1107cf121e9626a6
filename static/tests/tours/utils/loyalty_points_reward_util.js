/** Tour steps for the rewards at the till (loyalty.points.reward). */

export function clickRewardsButton() {
    return [
        {
            content: "click the Rewards button",
            trigger: ".product-screen .loyalty-points-rewards-button",
            run: "click",
        },
        {
            content: "the rewards are shown",
            trigger: ".modal .loyalty-points-reward-popup",
        },
    ];
}

export function rewardIsAffordable(name, cost) {
    return {
        content: `${name} (${cost} points) can be taken`,
        trigger: `.modal .loyalty-points-reward-affordable:has(.loyalty-points-reward-name:contains("${name}")) .loyalty-points-reward-cost:contains("${cost} points")`,
    };
}

export function rewardIsMissing(name, missing) {
    return {
        content: `${name} is greyed: ${missing} points missing`,
        trigger: `.modal .loyalty-points-reward-missing:has(.loyalty-points-reward-name:contains("${name}")) .loyalty-points-reward-missing-points:contains("${missing} points missing")`,
    };
}

export function selectReward(name) {
    return [
        {
            content: `take ${name}`,
            trigger: `.modal .loyalty-points-reward-affordable:has(.loyalty-points-reward-name:contains("${name}"))`,
            run: "click",
        },
        {
            content: "the rewards are closed",
            trigger: "body:not(:has(.modal .loyalty-points-reward-popup))",
        },
    ];
}

export function orderlineHasReward(productName, text) {
    return {
        content: `the line ${productName} says "${text}"`,
        trigger: `.order-container .orderline:has(.product-name:contains("${productName}")) .loyalty-points-reward-line:contains("${text}")`,
    };
}

export function paymentScreenHasReward(text, balance) {
    return [
        {
            content: `the payment screen shows "${text}"`,
            trigger: `.payment-screen .loyalty-points-rewards-info .loyalty-points-rewards-reward:contains("${text}")`,
        },
        {
            content: `and the new balance: ${balance}`,
            trigger: `.payment-screen .loyalty-points-rewards-info .loyalty-points-rewards-left:contains("New balance: ${balance} points")`,
        },
    ];
}

export function receiptHasReward(text) {
    return {
        content: `the receipt says "${text}"`,
        trigger: `.receipt-screen .pos-receipt .loyalty-points-reward-line:contains("${text}")`,
    };
}
