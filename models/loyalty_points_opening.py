from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import POINTS_DIGITS, ledger_context


class LoyaltyPointsOpening(models.Model):
    """What a customer brought in when the shop switched to these loyalty
    points: one record per row of an imported file (or per card of Odoo's
    own loyalty program), written once by the import
    (``loyalty.points.import``), never changed.

    Its key is the key of the opening lot (``import:<import>:<line>``), so a
    row is imported once however often its file is. The opening turnover and
    visits count in the account's tier window from the import day
    (``loyalty.points.account._window_totals``), as a sale of that day would.
    """

    _name = "loyalty.points.opening"
    _description = "Loyalty Opening Figures"
    _order = "date desc, id desc"
    _rec_name = "account_id"
    _check_company_auto = True

    account_id = fields.Many2one(
        "loyalty.points.account",
        required=True,
        index=True,
        readonly=True,
        ondelete="restrict",
        check_company=True,
    )
    partner_id = fields.Many2one(related="account_id.partner_id", store=True, string="Customer")
    company_id = fields.Many2one(related="account_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(
        required=True,
        readonly=True,
        help="The import day: the opening turnover and visits count in the tier window "
        "from this day on.",
    )
    points = fields.Float(digits=POINTS_DIGITS, readonly=True)
    entry_id = fields.Many2one(
        "loyalty.points.entry",
        string="Opening Lot",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    expiry_date = fields.Date(related="entry_id.expiry_date")
    turnover = fields.Monetary(currency_field="currency_id", readonly=True)
    visits = fields.Integer(readonly=True)
    card_number = fields.Char(readonly=True)
    source = fields.Char(
        required=True, readonly=True, help="The file the row came from, or Odoo's loyalty program."
    )
    line = fields.Integer(
        readonly=True, help="The row of the file (as a spreadsheet counts them), or the Odoo card."
    )
    import_key = fields.Char(required=True, readonly=True, copy=False)
    user_id = fields.Many2one("res.users", string="Imported By", readonly=True)

    _sql_constraints = [
        ("import_key_uniq", "UNIQUE(import_key)", "This row is already imported."),
    ]

    def write(self, vals):
        if self:
            raise UserError(self.env._("Imported opening figures cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(self.env._("Imported opening figures cannot be deleted."))

    @api.model
    def _window_totals(self, accounts, since):
        """{account id: (turnover, visits)} that the opening figures of
        ``accounts`` add to their tier window, which starts on ``since``
        (None: the whole history)."""
        self.flush_model(["account_id", "date", "turnover", "visits"])
        self.env.cr.execute(
            SQL(
                """
                SELECT account_id, COALESCE(SUM(turnover), 0), COALESCE(SUM(visits), 0)
                  FROM loyalty_points_opening
                 WHERE account_id IN %(accounts)s
                   AND (%(since)s::date IS NULL OR date >= %(since)s)
              GROUP BY account_id
                """,
                accounts=tuple(accounts.ids),
                since=since,
            )
        )
        return {
            account_id: (float(turnover), int(visits))
            for account_id, turnover, visits in self.env.cr.fetchall()
        }

    @api.model
    def _apply_tiers(self, accounts):
        """Turnover, visits and tier of ``accounts`` once their opening
        figures are in, in bulk (an import brings thousands of customers at
        once): what ``_update_tiers`` does for a sale, without its SMS (the
        customers had their tier before the switch) nor its chatter message
        (the import's note says the tier).

        The figures are written in one statement; the tiers' discount cards
        are given, and the moves of members who had a tier recorded, group by
        group of accounts that move alike (a first tier is where a customer
        starts, not a move).

        :return: {account id: tier} of the accounts whose tier changed
        """
        if not accounts:
            return {}
        totals = accounts._window_totals()
        Tier = self.env["loyalty.points.tier"].sudo()
        rows = []
        moves = defaultdict(list)  # (old tier, new tier): [account id]
        for account in accounts:
            turnover, visits = totals[account.id]
            tier = Tier._tier_for_turnover(account.company_id, turnover, visits)
            rows.append((account.id, turnover, visits, tier.id or None))
            if tier != account.tier_id:
                moves[account.tier_id, tier].append(account.id)
        accounts.flush_recordset(["turnover", "visit_count", "tier_id"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE loyalty_points_account AS account
                   SET turnover = new.turnover, visit_count = new.visits, tier_id = new.tier_id,
                       write_uid = %(uid)s, write_date = NOW() AT TIME ZONE 'UTC'
                  FROM unnest(%(ids)s::int[], %(turnovers)s::numeric[], %(visits)s::int[],
                              %(tiers)s::int[]) AS new(id, turnover, visits, tier_id)
                 WHERE account.id = new.id
                   AND (account.turnover IS DISTINCT FROM new.turnover
                        OR account.visit_count IS DISTINCT FROM new.visits
                        OR account.tier_id IS DISTINCT FROM new.tier_id)
                """,
                uid=self.env.uid,
                ids=[row[0] for row in rows],
                turnovers=[row[1] for row in rows],
                visits=[row[2] for row in rows],
                tiers=[row[3] for row in rows],
            )
        )
        accounts.invalidate_recordset(
            ["turnover", "visit_count", "tier_id", "write_uid", "write_date"]
        )
        changed = {}
        for (old_tier, new_tier), account_ids in moves.items():
            group = accounts.browse(account_ids)
            if old_tier:
                # a member moved by what they brought in; a first tier is a
                # starting point, not a move of the tier moves analysis
                group._record_tier_move(old_tier)
            self._apply_tier_pricelists(group, old_tier, new_tier)
            changed.update(dict.fromkeys(account_ids, new_tier))
        return changed

    @api.model
    def _apply_tier_pricelists(self, accounts, old_tier, new_tier):
        """Give ``accounts``, moved from ``old_tier`` to ``new_tier``, the new
        tier's discount card, as ``_apply_tier_pricelist`` does account by
        account: the common move of an import (no card before, one now) in
        one write; any other one account by account."""
        if not (old_tier.pricelist_id or new_tier.pricelist_id):
            return
        if old_tier.pricelist_id or not new_tier.pricelist_id:
            for account in accounts:
                account._apply_tier_pricelist(old_tier)
            return
        company = accounts.company_id
        partners = accounts.partner_id.sudo().with_company(company)
        # the pricelist chosen for each customer in the company (company
        # dependent: read from its column, without the ORM's fallbacks)
        partners.flush_recordset(["specific_property_product_pricelist"])
        self.env.cr.execute(
            SQL(
                """
                SELECT id, (specific_property_product_pricelist ->> %(company)s)::int
                  FROM res_partner WHERE id = ANY(%(ids)s)
                """,
                company=str(company.id),
                ids=partners.ids,
            )
        )
        chosen = dict(self.env.cr.fetchall())
        previous = defaultdict(list)
        for account in accounts:
            pricelist_id = chosen.get(account.partner_id.id)
            if pricelist_id != (account.previous_pricelist_id.id or None):
                previous[pricelist_id].append(account.id)
        for pricelist_id, account_ids in previous.items():
            accounts.browse(account_ids).with_context(**ledger_context()).write(
                {"previous_pricelist_id": pricelist_id or False}
            )
        contacts = partners.search([("commercial_partner_id", "in", partners.ids)])
        contacts.with_context(tracking_disable=True).write(
            {"specific_property_product_pricelist": new_tier.pricelist_id.id}
        )
        contacts.flush_recordset(["specific_property_product_pricelist"])
