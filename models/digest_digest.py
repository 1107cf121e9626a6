from odoo import fields, models
from odoo.exceptions import AccessError


class DigestDigest(models.Model):
    """Loyalty KPIs in Odoo's periodic digest email, for POS managers."""

    _inherit = "digest.digest"

    kpi_loyalty_points_new_members = fields.Boolean("Loyalty: New Members")
    kpi_loyalty_points_new_members_value = fields.Integer(
        compute="_compute_kpi_loyalty_points_new_members_value"
    )
    kpi_loyalty_points_active_members = fields.Boolean("Loyalty: Active Members")
    kpi_loyalty_points_active_members_value = fields.Integer(
        compute="_compute_kpi_loyalty_points_active_members_value"
    )
    kpi_loyalty_points_issued = fields.Boolean("Loyalty: Points Issued")
    kpi_loyalty_points_issued_value = fields.Float(
        compute="_compute_kpi_loyalty_points_issued_value"
    )
    kpi_loyalty_points_redeemed = fields.Boolean("Loyalty: Points Redeemed")
    kpi_loyalty_points_redeemed_value = fields.Float(
        compute="_compute_kpi_loyalty_points_redeemed_value"
    )
    kpi_loyalty_points_expired = fields.Boolean("Loyalty: Points Expired")
    kpi_loyalty_points_expired_value = fields.Float(
        compute="_compute_kpi_loyalty_points_expired_value"
    )
    kpi_loyalty_points_outstanding = fields.Boolean("Loyalty: Outstanding Points")
    kpi_loyalty_points_outstanding_value = fields.Float(
        compute="_compute_kpi_loyalty_points_outstanding_value"
    )
    kpi_loyalty_points_outstanding_amount = fields.Boolean("Loyalty: Outstanding Points Value")
    kpi_loyalty_points_outstanding_amount_value = fields.Monetary(
        compute="_compute_kpi_loyalty_points_outstanding_amount_value"
    )
    kpi_loyalty_points_redemption_rate = fields.Boolean("Loyalty: Redemption Rate (%)")
    kpi_loyalty_points_redemption_rate_value = fields.Float(
        compute="_compute_kpi_loyalty_points_redemption_rate_value"
    )

    def _compute_kpi_loyalty_points_new_members_value(self):
        def new_members(companies, start, end):
            return {
                company.id: count
                for company, count in self.env["loyalty.points.account"]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "in", companies.ids),
                        ("create_date", ">=", start),
                        ("create_date", "<", end),
                    ],
                    ["company_id"],
                    ["__count"],
                )
            }

        self._loyalty_points_kpi("kpi_loyalty_points_new_members_value", new_members)

    def _compute_kpi_loyalty_points_active_members_value(self):
        def active_members(companies, start, end):
            return {
                company.id: count
                for company, count in self.env["loyalty.points.entry"]
                .sudo()
                ._read_group(
                    [
                        ("company_id", "in", companies.ids),
                        ("date", ">=", start),
                        ("date", "<", end),
                        ("kind", "in", self._loyalty_points_activity_kinds()),
                    ],
                    ["company_id"],
                    ["account_id:count_distinct"],
                )
            }

        self._loyalty_points_kpi("kpi_loyalty_points_active_members_value", active_members)

    def _compute_kpi_loyalty_points_issued_value(self):
        self._loyalty_points_kpi(
            "kpi_loyalty_points_issued_value",
            lambda companies, start, end: {
                company_id: row["issued"]
                for company_id, row in self._loyalty_points_movements(companies, start, end).items()
            },
        )

    def _compute_kpi_loyalty_points_redeemed_value(self):
        self._loyalty_points_kpi(
            "kpi_loyalty_points_redeemed_value",
            lambda companies, start, end: {
                company_id: -row["redeemed"]
                for company_id, row in self._loyalty_points_movements(companies, start, end).items()
            },
        )

    def _compute_kpi_loyalty_points_expired_value(self):
        self._loyalty_points_kpi(
            "kpi_loyalty_points_expired_value",
            lambda companies, start, end: {
                company_id: -row["expired"]
                for company_id, row in self._loyalty_points_movements(companies, start, end).items()
            },
        )

    def _compute_kpi_loyalty_points_outstanding_value(self):
        self._loyalty_points_kpi(
            "kpi_loyalty_points_outstanding_value",
            lambda companies, start, end: self.env["loyalty.points.rollforward"]._get_outstanding(
                companies, end
            ),
        )

    def _compute_kpi_loyalty_points_outstanding_amount_value(self):
        def outstanding_amount(companies, start, end):
            points = self.env["loyalty.points.rollforward"]._get_outstanding(companies, end)
            return {
                company.id: points[company.id] * company.loyalty_points_value
                for company in companies
            }

        self._loyalty_points_kpi("kpi_loyalty_points_outstanding_amount_value", outstanding_amount)

    def _compute_kpi_loyalty_points_redemption_rate_value(self):
        def redemption_rate(companies, start, end):
            return {
                company_id: (-row["redeemed"] / row["issued"] * 100.0) if row["issued"] else 0.0
                for company_id, row in self._loyalty_points_movements(companies, start, end).items()
            }

        self._loyalty_points_kpi("kpi_loyalty_points_redemption_rate_value", redemption_rate)

    def _compute_kpis_actions(self, company, user):
        actions = super()._compute_kpis_actions(company, user)
        menu = self.env.ref("point_of_sale.menu_point_root").id
        journal = f"loyalty_points.loyalty_points_entry_action&menu_id={menu}"
        for field_name in self._fields:
            if field_name.startswith("kpi_loyalty_points_") and not field_name.endswith("_value"):
                actions[field_name] = journal
        actions["kpi_loyalty_points_new_members"] = (
            f"loyalty_points.loyalty_points_account_action&menu_id={menu}"
        )
        return actions

    # ------------------------------------------------------------------
    # helpers

    def _loyalty_points_activity_kinds(self):
        """Entry kinds that make a member active in a period. Hook."""
        return ["earn", "redeem"]

    def _loyalty_points_movements(self, companies, start, end):
        return self.env["loyalty.points.rollforward"]._get_movements(companies, start, end)

    def _loyalty_points_kpi(self, field_name, compute):
        """Set ``field_name`` of these digests from ``compute(companies,
        start, end)`` ({company id: value}) over the digest's period. The
        figures are the loyalty reports': POS managers only (the digest skips
        a KPI that raises AccessError for its recipient), and only of the
        companies the reader belongs to (any internal user reads any digest;
        the digest mail computes them as its recipient): a digest of another
        company shows zeros."""
        user = self.env.user
        if not user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(self.env._("Only Point of Sale managers see the loyalty figures."))
        start, end, companies = self._get_kpi_compute_parameters()
        start, end = fields.Datetime.to_datetime(start), fields.Datetime.to_datetime(end)
        companies &= user.company_ids
        values = compute(companies, start, end) if companies else {}
        for digest in self:
            company = digest.company_id or self.env.company
            digest[field_name] = values.get(company.id, 0)
