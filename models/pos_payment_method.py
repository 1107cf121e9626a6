from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PosPaymentMethod(models.Model):
    """Paying with loyalty points.

    A points payment is neither cash (nothing to count, no change to give) nor
    a customer debt (the ``pay_later`` "Customer Account" of a method without a
    journal would book it on the customer's receivable). So a points method
    books into a journal of its own: a journal of type ``bank`` (the only
    other type a POS method accepts), named "Loyalty Points", whose default
    account is a dedicated expense account, "Loyalty Points Redeemed", also
    used as the method's outstanding account. At session closing, the points
    payments move from the POS receivable to that account: the value of the
    points given away. The accountant may point the method at another account
    (e.g. a points provision) at any time.

    Setup is one step: tick "Loyalty Points" and save; a method without a
    journal then gets the company's Loyalty Points journal, created with its
    account on first use and shared by all the points methods of the company.
    """

    _inherit = "pos.payment.method"

    is_loyalty_points = fields.Boolean(
        string="Loyalty Points",
        help="Customers pay with their loyalty points: each point is worth the "
        "company's point value. The till checks the balance with the server "
        "before accepting such a payment. Leave the journal empty to use the "
        "company's Loyalty Points journal, created on save.",
    )

    @api.constrains("is_loyalty_points", "journal_id")
    def _check_loyalty_points_journal(self):
        for method in self.filtered("is_loyalty_points"):
            if method.journal_id.type != "bank":
                raise ValidationError(
                    self.env._(
                        "The points payment method %(method)s cannot use a cash journal "
                        "nor the customer account: points are neither cash nor a debt "
                        "of the customer. Leave its journal empty to use the Loyalty "
                        "Points journal.",
                        method=method.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("is_loyalty_points") and not vals.get("journal_id"):
                company = self.env["res.company"].browse(vals.get("company_id")) or self.env.company
                vals.update(self._loyalty_points_journal_vals(company, vals))
        methods = super().create(vals_list)
        methods._loyalty_points_use_liability_account()
        return methods

    def write(self, vals):
        if "is_loyalty_points" in vals or "journal_id" in vals:
            # Points methods left without a journal get the Loyalty Points journal.
            to_set = self.filtered(
                lambda method: (
                    vals.get("is_loyalty_points", method.is_loyalty_points)
                    and not vals.get("journal_id", method.journal_id)
                )
            )
            res = True
            for company, methods in to_set.grouped("company_id").items():
                journal_vals = self._loyalty_points_journal_vals(company or self.env.company, vals)
                res = super(PosPaymentMethod, methods).write({**vals, **journal_vals}) and res
            res = super(PosPaymentMethod, self - to_set).write(vals) and res
        else:
            res = super().write(vals)
        if {"is_loyalty_points", "outstanding_account_id", "journal_id"} & set(vals):
            self._loyalty_points_use_liability_account()
        return res

    @api.model
    def _load_pos_data_fields(self, config_id):
        return [*super()._load_pos_data_fields(config_id), "is_loyalty_points"]

    # ------------------------------------------------------------------
    # the Loyalty Points journal

    @api.model
    def _loyalty_points_journal_vals(self, company, vals):
        """The journal (and, unless ``vals`` sets one, the outstanding account)
        of a points method of ``company`` that has no journal."""
        journal = self._loyalty_points_journal(company)
        return {
            "journal_id": journal.id,
            "outstanding_account_id": vals.get("outstanding_account_id")
            or journal.default_account_id.id,
        }

    @api.model
    def _loyalty_points_journal(self, company):
        """The Loyalty Points journal of ``company``: a ``bank`` journal with its
        own expense account, created on first use (as superuser: a POS manager
        configures payment methods without accounting rights)."""
        xmlid = self._loyalty_points_journal_xmlid(company)
        journal = self.env.ref(xmlid, raise_if_not_found=False)
        if journal:
            return journal.with_env(self.env)
        Journal = self.env["account.journal"].sudo().with_company(company)
        account = (
            self.env["account.account"]
            .sudo()
            .with_company(company)
            .create(self._loyalty_points_account_vals(company))
        )
        journal = Journal.create(
            {
                "name": self.env._("Loyalty Points"),
                "type": "bank",
                "code": self._loyalty_points_journal_code(company),
                "company_id": company.id,
                "default_account_id": account.id,
                "sequence": 90,
            }
        )
        self.env["ir.model.data"].sudo()._update_xmlids(
            [{"xml_id": xmlid, "record": journal, "noupdate": True}]
        )
        return journal.with_env(self.env)

    @api.model
    def _loyalty_points_journal_xmlid(self, company):
        return f"loyalty_points.{company.id}_loyalty_points_journal"

    @api.model
    def _loyalty_points_account_vals(self, company):
        Account = self.env["account.account"].sudo().with_company(company)
        expense = Account.search(
            [*Account._check_company_domain(company), ("account_type", "=", "expense")],
            order="code desc",
            limit=1,
        )
        return {
            "name": self.env._("Loyalty Points Redeemed"),
            "code": Account._search_new_account_code(expense.code or "699000"),
            "account_type": "expense",
            "company_ids": [fields.Command.link(company.id)],
        }

    @api.model
    def _loyalty_points_journal_code(self, company):
        Journal = self.env["account.journal"].sudo().with_context(active_test=False)
        used = set(
            Journal.search(
                [*Journal._check_company_domain(company), ("code", "=like", "LPT%")]
            ).mapped("code")
        )
        return next(
            code for code in ("LPTS", *(f"LPT{n}" for n in range(1, 100))) if code not in used
        )

    def _loyalty_points_use_liability_account(self):
        """With points liability accounting, points payments settle against the
        liability: the points methods' outstanding account is the company's
        liability account, whatever was chosen before."""
        for company, methods in self.filtered("is_loyalty_points").grouped("company_id").items():
            company = company.sudo()
            liability = company.loyalty_points_liability_account_id
            if company.loyalty_points_liability_accounting:
                methods.filtered(lambda m, acc=liability: m.outstanding_account_id != acc).write(
                    {"outstanding_account_id": liability.id}
                )
