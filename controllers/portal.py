from urllib.parse import urlencode

from odoo import fields, http
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..tools.ean import EAN13_LENGTH, is_valid_ean13

JOURNAL_PAGE_SIZE = 20
EXPIRING_LOTS_SHOWN = 5
# How far "expiring soon" looks when the company warns nobody (no warning days).
EXPIRING_SOON_DAYS = 90


class LoyaltyPointsPortal(CustomerPortal):
    """``/my/loyalty``: the customer's own loyalty accounts and journal.

    Everything is read as the logged-in user, through the portal record rules
    (own commercial partner, own companies); the domains below also name the
    partner, so an internal user sees only their own accounts here too.
    """

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "loyalty_points_count" in counters:
            Account = request.env["loyalty.points.account"]
            values["loyalty_points_count"] = (
                Account.search_count(self._loyalty_points_account_domain())
                if Account.has_access("read")
                else 0
            )
        return values

    def _loyalty_points_account_domain(self):
        user = request.env.user
        return [
            ("partner_id", "=", user.commercial_partner_id.id),
            ("company_id", "in", user.company_ids.ids),
        ]

    @http.route(
        ["/my/loyalty", "/my/loyalty/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_loyalty(self, page=1, **kw):
        values = self._prepare_loyalty_points_portal_values(page=page)
        return request.render("loyalty_points.portal_my_loyalty", values)

    def _prepare_loyalty_points_portal_values(self, page=1):
        values = self._prepare_portal_layout_values()
        Account = request.env["loyalty.points.account"]
        Entry = request.env["loyalty.points.entry"]
        accounts = Account.browse()
        entries = Entry.browse()
        entry_count = 0
        if Account.has_access("read") and Entry.has_access("read"):
            accounts = Account.search(self._loyalty_points_account_domain(), order="company_id")
            entry_domain = [("account_id", "in", accounts.ids)]
            entry_count = Entry.search_count(entry_domain)
        pager = portal_pager(
            url="/my/loyalty",
            total=entry_count,
            page=page,
            step=JOURNAL_PAGE_SIZE,
        )
        if entry_count:
            entries = Entry.search(entry_domain, limit=JOURNAL_PAGE_SIZE, offset=pager["offset"])
        values.update(
            {
                "page_name": "loyalty_points",
                "accounts": accounts,
                "sections": self._loyalty_points_sections(accounts),
                "entries": entries,
                "entry_details": self._loyalty_points_entry_details(entries),
                "show_company": len(accounts.company_id) > 1,
                "pager": pager,
                "default_url": "/my/loyalty",
            }
        )
        return values

    def _loyalty_points_sections(self, accounts):
        """{account id: values} for the section of each account."""
        lots = self._loyalty_points_expiring_lots(accounts)
        return {
            account.id: {
                "next_tier": self._loyalty_points_next_tier(account),
                "expiring_lots": lots.get(account.id, {}).get("soon", []),
                "expiring_later": lots.get(account.id, {}).get("later", 0.0),
                "barcode_url": self._loyalty_points_barcode_url(account.card_number),
                **self._loyalty_points_rewards(account),
            }
            for account in accounts
        }

    def _loyalty_points_rewards(self, account):
        """The reward catalogue of the account's company for this customer:
        ``rewards`` [{"reward", "affordable", "missing" points}], cheapest
        first, ``rewards_now`` (those the balance pays for) and ``next_reward``
        (the cheapest one still out of reach, or None). Only the rewards the
        customer may take today (dates, tier) are shown; they are read as
        superuser (portal users have no access to the catalogue)."""
        today = fields.Date.context_today(account)
        rewards = request.env["loyalty.points.reward"]._loyalty_points_available(account, today)
        balance = max(account.balance, 0.0)
        items = [
            {
                "reward": reward,
                "affordable": reward.points_cost <= balance,
                "missing": max(reward.points_cost - balance, 0.0),
            }
            for reward in rewards
        ]
        return {
            "rewards": items,
            "rewards_now": rewards.filtered(lambda reward: reward.points_cost <= balance),
            "next_reward": next((item for item in items if not item["affordable"]), None),
        }

    def _loyalty_points_next_tier(self, account):
        """{"tier": the next tier, "missing": turnover still needed,
        "missing_visits": visits still needed} or None when the account is in
        the highest tier (or the company has none). Tiers rank as
        ``loyalty.points.tier._tier_thresholds`` orders them."""
        Tier = request.env["loyalty.points.tier"]
        thresholds = Tier._tier_thresholds(account.company_id.id)
        ranks = [tier_id for _turnover, _visits, tier_id in thresholds]
        rank = ranks.index(account.tier_id.id) if account.tier_id.id in ranks else -1
        for minimum, min_visits, tier_id in thresholds[rank + 1 :]:
            missing = max(minimum - account.turnover, 0.0)
            missing_visits = max(min_visits - account.visit_count, 0)
            if missing or missing_visits:
                return {
                    "tier": Tier.browse(tier_id),
                    "missing": missing,
                    "missing_visits": missing_visits,
                }
        return None

    @staticmethod
    def _loyalty_points_expiring_horizon(company, today):
        """The last day "expiring soon" covers: the company's expiry warning
        window (when it warns nobody: EXPIRING_SOON_DAYS)."""
        days = company.loyalty_points_warning_days or EXPIRING_SOON_DAYS
        return fields.Date.add(today, days=days)

    def _loyalty_points_expiring_lots(self, accounts):
        """{account id: {"soon": [(expiry date, points)], "later": points}}:
        the open lots of each account that expire within the company's warning
        window, summed per day (the first ones), and the points of the lots
        that expire after them."""
        if not accounts:
            return {}
        today = fields.Date.context_today(accounts)
        horizons = {
            company: self._loyalty_points_expiring_horizon(company, today)
            for company in accounts.company_id
        }
        groups = request.env["loyalty.points.entry"]._read_group(
            [
                ("account_id", "in", accounts.ids),
                ("remaining", ">", 0),
                ("expiry_date", "!=", False),
            ],
            ["account_id", "expiry_date:day"],
            ["remaining:sum"],
            order="expiry_date:day",
        )
        lots = {}
        for account, day, points in groups:
            account_lots = lots.setdefault(account.id, {"soon": [], "later": 0.0})
            if day > horizons[account.company_id]:
                account_lots["later"] += points
            elif len(account_lots["soon"]) < EXPIRING_LOTS_SHOWN:
                account_lots["soon"].append((day, points))
            else:  # within the window, after the days shown
                account_lots["later"] += points
        return lots

    def _loyalty_points_barcode_url(self, number):
        if not number:
            return False
        if number.isdigit() and len(number) == EAN13_LENGTH and is_valid_ean13(number):
            barcode_type, width = "EAN13", 300
        else:
            barcode_type, width = "Code128", 400
        query = urlencode(
            {
                "barcode_type": barcode_type,
                "value": number,
                "width": width,
                "height": 100,
                "humanreadable": 1,
            }
        )
        return f"/report/barcode/?{query}"

    def _loyalty_points_entry_details(self, entries):
        """{entry id: text shown to the customer}: the receipt number of the
        order or the number of the invoice, and the entry's note. The
        responsible user, the program, the accounting and the allocations are
        internal and stay out.

        The entries were read through the portal rules: only then are the
        order and the invoice read as superuser (portal users cannot read POS
        orders)."""
        details = {}
        for entry in entries.sudo():
            parts = [entry.pos_order_id.pos_reference, entry.invoice_id.name, entry.note]
            details[entry.id] = " - ".join(part for part in parts if part)
        return details
