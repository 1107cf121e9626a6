"""The access matrix: who may do what with the addon's models, reports and
public methods, derived from the live access rights (``ir.model.access``) and
record rules (``ir.rule``) for real users of each role, and compared with the
tables below and with the tables of ``docs/server_authority.md``.

When access changes, this test fails: change the expected tables here and in
the document, on purpose. A new model, report or public method of the addon
fails it too until it has its row.
"""

import base64
import re
from contextlib import contextmanager, suppress

from odoo import Command, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.misc import file_open

from odoo.addons.base.models.ir_qweb import QWebException

ADDON = "loyalty_points"
DOC = f"{ADDON}/docs/server_authority.md"

# role: (column title in the document, groups)
ROLES = {
    "public": ("public", "base.group_public"),
    "portal": ("portal", "base.group_portal"),
    "internal": ("internal user", "base.group_user"),
    "cashier": ("cashier", "base.group_user,point_of_sale.group_pos_user"),
    "manager": ("POS manager", "base.group_user,point_of_sale.group_pos_manager"),
    "accountant": ("accounting manager", "base.group_user,account.group_account_manager"),
    "other_manager": (
        "other company's POS manager",
        "base.group_user,point_of_sale.group_pos_manager",
    ),
}
MODES = {"r": "read", "w": "write", "c": "create", "u": "unlink"}

# Models: one cell per role, in the order of ROLES. A cell lists the operations
# allowed on a record of company A (r read, w write, c create, u unlink); an
# operation followed by * is allowed on the user's own records only (as a
# customer: their own loyalty account and its entries); - is nothing.
MODELS = {
    "loyalty.points.account":           "-     r*    -     r     rw    -     -",
    "loyalty.points.adjust":            "-     -     -     -     rwc   -     -",
    "loyalty.points.aging.report":      "-     -     -     -     r     -     -",
    "loyalty.points.allocation":        "-     -     -     r     r     -     -",
    "loyalty.points.card":              "-     -     -     r     r     -     -",
    "loyalty.points.card.issue":        "-     -     -     -     rwc   -     -",
    "loyalty.points.entry":             "-     r*    -     r     r     -     -",
    # an import, its columns and problems: their owner's only (rwc/rwcu for the
    # POS manager who created it), so another's, as here, is out of reach
    "loyalty.points.import":            "-     -     -     -     -     -     -",
    "loyalty.points.import.column":     "-     -     -     -     -     -     -",
    "loyalty.points.import.problem":    "-     -     -     -     -     -     -",
    "loyalty.points.member.report":     "-     -     -     -     r     -     -",
    "loyalty.points.opening":           "-     -     -     -     r     -     -",
    "loyalty.points.program":           "-     -     -     r     rwcu  -     -",
    "loyalty.points.program.report":    "-     -     -     -     r     -     -",
    "loyalty.points.redemption.estimate": "-   -     -     -     -     r     -",
    "loyalty.points.revenue.pool":      "-     -     -     -     -     r     -",
    "loyalty.points.reward":            "-     -     -     r     rwcu  -     -",
    "loyalty.points.rollforward":       "-     -     -     -     rwcu  -     -",
    "loyalty.points.rollforward.line":  "-     -     -     -     rwcu  -     -",
    "loyalty.points.statement":         "-     -     -     -     rwc   -     -",
    "loyalty.points.tier":              "-     r     -     r     rwcu  -     -",
    "loyalty.points.tier.move":         "-     -     -     -     r     -     -",
}  # fmt: skip

# Abstract models: no records of their own.
ABSTRACT = {
    "ir.qweb.field.loyalty_points": "the points' QWeb widget (portal pages, PDF reports)",
    "loyalty.points.cache.mixin": "clears the programs' and tiers' caches",
    "report.loyalty_points.report_customer_statement": "the customer statement (Reports)",
    "report.loyalty_points.report_rollforward": "the roll-forward PDF (Reports)",
}

# Reports (ir.actions.report of the addon): r when the role renders the report
# of a record of company A (r*: of their own loyalty account only), - otherwise.
REPORTS = {
    "loyalty_points.action_report_customer_statement":  "-     -     -     -     r     -     -",
    "loyalty_points.action_report_loyalty_card":        "-     r*    -     r     r     -     -",
    "loyalty_points.action_report_rollforward":         "-     -     -     -     r     -     -",
}  # fmt: skip

# Public methods (callable over RPC): yes when the role's call on a record of
# company A goes through (no AccessError nor UserError), - when it is refused.
# "Open" methods only return a window action (no data, no change).
METHODS = {
    "ir.http": {
        "session_info":  "-    yes  yes  yes  yes  yes  yes",
    },
    "ir.qweb.field.loyalty_points": {
        "record_to_html":  "-    yes  yes  yes  yes  yes  yes",
        "value_to_html":   "-    yes  yes  yes  yes  yes  yes",
    },
    "loyalty.points.card": {
        "action_block":    "-    -    -    -    yes  -    -",
        "action_print":    "-    -    open open open open open",
        "action_replace":  "-    -    -    -    yes  -    -",
    },
    "pos.config": {
        "action_loyalty_points_apply_tier_pricelists":  "-    -    -    yes  yes  -    -",
        "action_loyalty_points_convert_odoo_loyalty":   "open open open open open open open",
        "action_loyalty_points_open_odoo_loyalty":      "-    -    -    open open -    -",
    },
    "loyalty.points.import": {
        "action_check":              "-    -    -    -    yes  -    yes",
        "action_download_template":  "-    -    -    -    yes  -    yes",
        "action_import":             "-    -    -    -    yes  -    yes",
        "action_open_openings":      "-    -    -    -    open -    open",
    },
    "loyalty.points.account": {
        "action_adjust":        "open open open open open open open",
        "action_block_card":    "-    -    -    -    yes  -    -",
        "action_issue_card":    "-    -    -    -    yes  -    -",
        "action_open_entries":  "open open open open open open open",
        "action_print_card":    "-    -    open open open open open",
        "action_replace_card":  "-    -    -    -    yes  -    -",
    },
    "loyalty.points.adjust": {
        "action_confirm":  "-    -    -    -    yes  -    -",
    },
    "loyalty.points.card.issue": {
        "action_confirm":  "-    -    -    -    yes  -    -",
    },
    "loyalty.points.program": {
        "action_open_lots":  "open open open open open open open",
    },
    "loyalty.points.rollforward": {
        "action_open_report":  "-    -    -    -    yes  -    -",
    },
    "loyalty.points.rollforward.line": {
        "action_open_entries":  "-    -    -    -    yes  -    -",
    },
    "loyalty.points.statement": {
        "action_print":  "-    -    -    -    yes  -    -",
        "action_send":   "-    -    -    -    yes  -    -",
    },
    "loyalty.points.tier": {
        "action_apply_pricelist_in_pos":  "-    -    -    -    yes  -    -",
        "action_open_accounts":  "open open open open open open open",
    },
    "pos.order": {
        "action_pos_order_paid":  "-    -    -    yes  yes  -    -",
    },
    "res.config.settings": {
        "action_loyalty_points_post_liability":     "-    -    -    -    -    yes  -",
        "action_loyalty_points_apply_tier_pricelists":  "-    -    yes  yes  yes  yes  yes",
        "action_loyalty_points_check_ledger":       "-    -    -    -    yes  -    yes",
        "action_loyalty_points_convert_odoo_loyalty":   "-    -    open open open open open",
        "action_loyalty_points_open_odoo_loyalty":      "-    -    open open open open open",
        "action_loyalty_points_reconcile":          "-    -    -    -    -    yes  -",
        "action_loyalty_points_revenue_pools":      "-    -    -    -    -    yes  -",
        "action_loyalty_points_report_send_now":    "-    -    -    -    yes  -    -",
        "action_open_loyalty_points_sms_birthday":  "-    -    open open open open open",
        "action_open_loyalty_points_sms_template":  "-    -    open open open open open",
    },
    "res.partner": {
        "action_open_loyalty_points_entries":  "-    -    open open open open open",
        "loyalty_points_check_payment":        "-    -    -    yes  yes  -    -",
        "loyalty_points_check_rewards":        "-    -    -    yes  yes  -    -",
        "loyalty_points_partner_by_card":      "-    -    -    yes  yes  -    -",
        "loyalty_points_pos_info":             "-    -    -    yes  yes  -    -",
        "loyalty_points_summary":              "-    -    yes  yes  yes  yes  yes",
    },
    "account.move": {
        "button_cancel":  "-    -    -    -    -    yes  -",
        "button_draft":   "-    -    -    -    -    yes  -",
    },
}  # fmt: skip

# Methods that only return a window (or report) action: no data but ids, no
# change; what the window then shows is read with the user's rights. Their
# cells say "open" where the call returns the action.
OPENERS = {
    "loyalty.points.account.action_adjust",
    "loyalty.points.account.action_open_entries",
    "loyalty.points.import.action_open_openings",
    "loyalty.points.card.action_print",
    "pos.config.action_loyalty_points_convert_odoo_loyalty",
    "pos.config.action_loyalty_points_open_odoo_loyalty",
    "res.config.settings.action_loyalty_points_convert_odoo_loyalty",
    "res.config.settings.action_loyalty_points_open_odoo_loyalty",
    "loyalty.points.account.action_print_card",
    "loyalty.points.program.action_open_lots",
    "loyalty.points.tier.action_open_accounts",
    "res.config.settings.action_open_loyalty_points_sms_birthday",
    "res.config.settings.action_open_loyalty_points_sms_template",
    "res.partner.action_open_loyalty_points_entries",
}

# Methods this test does not call (their access is tested where their fixtures are).
METHODS_TESTED_ELSEWHERE = {
    "ir.http.session_info": "tests/test_number_formats.py (each company's points rounding "
    "in the user's own session)",
    "ir.qweb.field.loyalty_points.record_to_html": "tests/test_number_formats.py (a QWeb "
    "widget of the portal and the PDF reports, not an RPC entry point)",
    "ir.qweb.field.loyalty_points.value_to_html": "tests/test_number_formats.py (likewise)",
    "pos.order.action_pos_order_paid": "tests/test_server_authority.py (a paid POS order)",
    "account.move.button_cancel": "tests/test_invoice_security.py (an invoice that earned)",
    "account.move.button_draft": "tests/test_invoice_security.py (a points payment)",
}


def _table(rows):
    """{name: (one cell per role)} of a table above."""
    return {name: tuple(cells.split()) for name, cells in rows.items()}


EXPECTED_MODELS = _table(MODELS)
EXPECTED_REPORTS = _table(REPORTS)
EXPECTED_METHODS = _table(
    {
        f"{model}.{method}": cells
        for model, rows in METHODS.items()
        for method, cells in rows.items()
    }
)


class _Rollback(Exception):
    pass


@tagged("post_install", "-at_install")
class TestAccessMatrix(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Matrix Other Shop"})
        cls.users = {}
        for role, (_title, groups) in ROLES.items():
            company = cls.company_b if role == "other_manager" else cls.company_a
            cls.users[role] = new_test_user(
                cls.env,
                login=f"lp_matrix_{role}",
                groups=groups,
                company_id=company.id,
                company_ids=[Command.set(company.ids)],
            )
        Account = cls.env["loyalty.points.account"]
        cls.customer = cls.env["res.partner"].create({"name": "Matrix Customer"})
        cls.account = Account._get_or_create(cls.customer, cls.company_a)
        cls.account_without_card = Account._get_or_create(
            cls.env["res.partner"].create({"name": "Matrix Cardless"}), cls.company_a
        )
        cls.accounts = {
            user.partner_id: Account._get_or_create(user.partner_id, cls.company_a)
            for user in cls.users.values()
        }
        cls.program = cls.env["loyalty.points.program"].create(
            {"name": "Matrix 5 %", "scope": "all", "earn_mode": "percent", "earn_rate": 5.0}
        )
        cls.tier = cls.env["loyalty.points.tier"].create(
            {"name": "Matrix Gold", "min_turnover": 1e9}
        )
        Entry = cls.env["loyalty.points.entry"]
        cls.lots = {
            account: Entry._post(Entry._prepare_adjust_vals(account, 100, "opening"))
            for account in (cls.account, *cls.accounts.values())
        }
        cls.account.sudo().action_issue_card()
        cls.config = cls.env["pos.config"].search([("company_id", "=", cls.company_a.id)], limit=1)
        if not cls.config:
            cls.config = cls.env["pos.config"].create({"name": "Matrix Shop"})
        cls.company_a.loyalty_points_report_user_ids = cls.users["manager"]
        cls.today = fields.Date.context_today(cls.env.user)

    # ------------------------------------------------------------------
    # the addon's models, reports and methods

    def _addon_models(self):
        return {
            name: model
            for name, model in self.env.registry.items()
            if model._original_module == ADDON
        }

    def _addon_reports(self):
        data = self.env["ir.model.data"].search(
            [("module", "=", ADDON), ("model", "=", "ir.actions.report")]
        )
        return {f"{ADDON}.{d.name}": self.env["ir.actions.report"].browse(d.res_id) for d in data}

    def _addon_methods(self):
        """Public methods the addon defines or overrides, on any model, except
        the ORM's own (create, write, ...: the models' table covers them)."""
        orm = set(dir(models.BaseModel))
        methods = set()
        for name, model in self.env.registry.items():
            for cls in model.__mro__:
                if not cls.__module__.startswith(f"odoo.addons.{ADDON}."):
                    continue
                for attr, value in vars(cls).items():
                    if not attr.startswith("_") and callable(value) and attr not in orm:
                        methods.add(f"{name}.{attr}")
        return methods

    # ------------------------------------------------------------------
    # deriving the matrix

    def _owner_partner(self, user):
        return user.partner_id.commercial_partner_id

    def _sample(self, model_name, partner, depth=0):
        """An in-memory record of ``model_name`` in company A, of ``partner``'s
        loyalty account where the model has a customer or an account."""
        Model = self.env[model_name].sudo()
        account = self.accounts.get(partner, self.account)
        known = {
            "res.company": self.company_a,
            "res.partner": partner,
            "loyalty.points.account": account,
            "loyalty.points.entry": self.lots[account],
            "loyalty.points.program": self.program,
            "loyalty.points.tier": self.tier,
            "pos.config": self.config,
        }
        values = {}
        for name, field in Model._fields.items():
            if field.type != "many2one" or field.related or field.compute:
                continue
            if field.comodel_name in known:
                values[name] = known[field.comodel_name].id
            elif self._addon_models().get(field.comodel_name) and depth < 2:
                values[name] = self._sample(field.comodel_name, partner, depth + 1)
        return Model.new(values)

    def _allows(self, user, sample, mode):
        """Whether ``user`` may ``mode`` ``sample``: the access rights, then the
        record rules evaluated on the sample (as Odoo checks a record)."""
        if (
            not self.env["ir.model.access"]
            .with_user(user)
            .check(sample._name, mode, raise_exception=False)
        ):
            return False
        domain = self.env["ir.rule"].with_user(user)._compute_domain(sample._name, mode)
        return not domain or bool(sample.filtered_domain(domain))

    def _cell(self, allowed):
        """Cell of ``allowed`` ({letter: (on the user's own, on another's)})."""
        cell = "".join(
            letter if other else f"{letter}*" if own else ""
            for letter, (own, other) in allowed.items()
        )
        return cell or "-"

    def _derive_models(self, names):
        result = {}
        for name in sorted(names):
            other = self._sample(name, self.customer)
            row = []
            for user in self.users.values():
                own = self._sample(name, self._owner_partner(user))
                row.append(
                    self._cell(
                        {
                            letter: (self._allows(user, own, mode), self._allows(user, other, mode))
                            for letter, mode in MODES.items()
                        }
                    )
                )
            result[name] = tuple(row)
        return result

    def _report_records(self, report, partner):
        if report.model == "res.company":
            return self.company_a
        if report.model == "loyalty.points.account":
            return self.accounts.get(partner, self.account)
        record = self.env[report.model].sudo().search([("company_id", "=", self.company_a.id)])
        self.assertTrue(record, f"the access matrix needs a record of {report.model} to render")
        return record[:1]

    def _renders(self, user, report, records):
        try:
            with self._rolled_back():
                self.env(user=user)["ir.actions.report"]._render_qweb_html(report.id, records.ids)
        except (AccessError, UserError):
            return False
        except QWebException as error:  # raised while the template read a record
            if isinstance(error.__cause__, (AccessError, UserError)):
                return False
            raise
        return True

    def _derive_reports(self, reports):
        result = {}
        for xmlid, report in sorted(reports.items()):
            other = self._report_records(report, self.customer)
            row = []
            for user in self.users.values():
                own = self._report_records(report, self._owner_partner(user))
                can_own = self._renders(user, report, own)
                can_other = self._renders(user, report, other)
                row.append("r" if can_other else "r*" if can_own else "-")
            result[xmlid] = tuple(row)
        return result

    @contextmanager
    def _rolled_back(self, groups_changed=False):
        try:
            with suppress(_Rollback), self.env.cr.savepoint():
                yield
                raise _Rollback
        finally:
            self.env.invalidate_all()
            if groups_changed:
                self.env.registry.clear_all_caches()  # the groups given to a user

    def _calls(self):
        """{method: call(env)}: a call that the right user makes with effect, on
        records of company A."""
        account, card_account = self.account_without_card.id, self.account.id
        period = {"date_from": self.today.replace(day=1), "date_to": self.today}

        def rollforward_line(env):
            wizard = self.env["loyalty.points.rollforward"].create(
                {"company_ids": [Command.set(self.company_a.ids)], **period}
            )
            wizard.action_open_report()
            return env["loyalty.points.rollforward.line"].browse(wizard.line_ids[:1].id)

        return {
            "loyalty.points.account.action_adjust": lambda env: env["loyalty.points.account"]
            .browse(card_account)
            .action_adjust(),
            "loyalty.points.account.action_block_card": lambda env: env["loyalty.points.account"]
            .browse(card_account)
            .action_block_card(),
            "loyalty.points.account.action_issue_card": lambda env: env["loyalty.points.account"]
            .browse(account)
            .action_issue_card(),
            "loyalty.points.account.action_open_entries": lambda env: env["loyalty.points.account"]
            .browse(card_account)
            .action_open_entries(),
            "loyalty.points.account.action_print_card": lambda env: env["loyalty.points.account"]
            .browse(card_account)
            .action_print_card(),
            "loyalty.points.account.action_replace_card": lambda env: env["loyalty.points.account"]
            .browse(card_account)
            .action_replace_card(),
            "loyalty.points.card.action_block": lambda env: self._card(env).action_block(),
            "loyalty.points.card.action_replace": lambda env: self._card(env).action_replace(),
            "loyalty.points.card.action_print": lambda env: self._card(env).action_print(),
            "loyalty.points.tier.action_apply_pricelist_in_pos": lambda env: env[
                "loyalty.points.tier"
            ]
            .browse(self.tier.id)
            .action_apply_pricelist_in_pos(),
            "pos.config.action_loyalty_points_apply_tier_pricelists": lambda env: env["pos.config"]
            .browse(self.config.id)
            .action_loyalty_points_apply_tier_pricelists(),
            "pos.config.action_loyalty_points_convert_odoo_loyalty": lambda env: env["pos.config"]
            .browse(self.config.id)
            .action_loyalty_points_convert_odoo_loyalty(),
            "pos.config.action_loyalty_points_open_odoo_loyalty": lambda env: env["pos.config"]
            .browse(self.config.id)
            .action_loyalty_points_open_odoo_loyalty(),
            "res.config.settings.action_loyalty_points_apply_tier_pricelists": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_apply_tier_pricelists(),
            "res.config.settings.action_loyalty_points_convert_odoo_loyalty": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_convert_odoo_loyalty(),
            "res.config.settings.action_loyalty_points_open_odoo_loyalty": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_open_odoo_loyalty(),
            "loyalty.points.import.action_check": lambda env: self._import(env).action_check(),
            "loyalty.points.import.action_import": lambda env: self._import(env).action_import(),
            "loyalty.points.import.action_download_template": lambda env: self._import(
                env
            ).action_download_template(),
            "loyalty.points.import.action_open_openings": lambda env: self._import(
                env
            ).action_open_openings(),
            "loyalty.points.adjust.action_confirm": lambda env: env["loyalty.points.adjust"]
            .create({"account_id": card_account, "points": 5, "reason": "matrix"})
            .action_confirm(),
            "loyalty.points.card.issue.action_confirm": lambda env: env["loyalty.points.card.issue"]
            .create({"company_id": self.company_a.id, "account_ids": [Command.set([account])]})
            .action_confirm(),
            "loyalty.points.program.action_open_lots": lambda env: env["loyalty.points.program"]
            .browse(self.program.id)
            .action_open_lots(),
            "loyalty.points.rollforward.action_open_report": lambda env: env[
                "loyalty.points.rollforward"
            ]
            .create({"company_ids": [Command.set(self.company_a.ids)], **period})
            .action_open_report(),
            "loyalty.points.rollforward.line.action_open_entries": lambda env: rollforward_line(
                env
            ).action_open_entries(),
            "loyalty.points.statement.action_print": lambda env: env["loyalty.points.statement"]
            .create({"account_id": card_account})
            .action_print(),
            "loyalty.points.statement.action_send": lambda env: env["loyalty.points.statement"]
            .create({"account_id": card_account})
            .action_send(),
            "loyalty.points.tier.action_open_accounts": lambda env: env["loyalty.points.tier"]
            .browse(self.tier.id)
            .action_open_accounts(),
            "res.config.settings.action_loyalty_points_check_ledger": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_check_ledger(),
            "res.config.settings.action_loyalty_points_post_liability": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_post_liability(),
            "res.config.settings.action_loyalty_points_revenue_pools": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_revenue_pools(),
            "res.config.settings.action_loyalty_points_reconcile": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_reconcile(),
            "res.config.settings.action_loyalty_points_report_send_now": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_loyalty_points_report_send_now(),
            "res.config.settings.action_open_loyalty_points_sms_birthday": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_open_loyalty_points_sms_birthday(),
            "res.config.settings.action_open_loyalty_points_sms_template": lambda env: env[
                "res.config.settings"
            ]
            .create({})
            .action_open_loyalty_points_sms_template(),
            "res.partner.action_open_loyalty_points_entries": lambda env: env["res.partner"]
            .browse(self.customer.id)
            .action_open_loyalty_points_entries(),
            "res.partner.loyalty_points_check_payment": lambda env: env["res.partner"]
            .browse(self.customer.id)
            .loyalty_points_check_payment(self.config.id, 1.0, 10.0),
            "res.partner.loyalty_points_check_rewards": lambda env: env["res.partner"]
            .browse(self.customer.id)
            .loyalty_points_check_rewards(self.config.id, [], 1.0, 10.0),
            "res.partner.loyalty_points_summary": lambda env: env["res.partner"]
            .browse(self.customer.id)
            .loyalty_points_summary(),
            "res.partner.loyalty_points_partner_by_card": lambda env: env[
                "res.partner"
            ].loyalty_points_partner_by_card(self.config.id, self.account.card_number),
            "res.partner.loyalty_points_pos_info": lambda env: env["res.partner"]
            .browse(self.customer.id)
            .loyalty_points_pos_info(self.config.id),
        }

    def _card(self, env):
        """The active card of company A's sample account, as ``env``'s user."""
        return env["loyalty.points.card"].browse(
            self.account.card_ids.filtered(lambda card: card.state == "active")[:1].id
        )

    def _import(self, env):
        """An import of one new customer, made by ``env``'s user (given Odoo's
        Contact Creation right by :meth:`_derive_methods`: creating the
        customer needs it)."""
        data = f"name,email,points\nMatrix {env.uid},matrix{env.uid}@example.com,10\n"
        return env["loyalty.points.import"].create(
            {
                "file": base64.b64encode(data.encode()),
                "filename": "matrix.csv",
                "create_missing": True,
            }
        )

    def _derive_methods(self, calls):
        settings_admin = self.env.ref("base.group_system")
        contact_creation = self.env.ref("base.group_partner_manager")
        result = {}
        for method, call in sorted(calls.items()):
            row = []
            for user in self.users.values():
                # the settings are for Settings administrators: give the role
                # their rights, see what the method itself allows
                settings = method.startswith("res.config.settings.") and not user.share
                # an import creates its missing customers: give the role
                # Odoo's Contact Creation, see what the import itself allows
                contacts = method.startswith("loyalty.points.import.") and not user.share
                try:
                    with self._rolled_back(groups_changed=settings or contacts):
                        if settings:
                            user.sudo().groups_id = [Command.link(settings_admin.id)]
                        if contacts:
                            user.sudo().groups_id = [Command.link(contact_creation.id)]
                        value = call(self.env(user=user))
                except (AccessError, UserError):
                    row.append("-")
                    continue
                if method in OPENERS:
                    self.assertIn(
                        value.get("type"),
                        ("ir.actions.act_window", "ir.actions.report"),
                        f"{method} only opens a window or a report",
                    )
                    row.append("open")
                else:
                    row.append("yes")
            result[method] = tuple(row)
        return result

    # ------------------------------------------------------------------
    # the document

    def _doc_tables(self):
        """{section title: {first cell: (the other cells)}} of the tables of the
        access matrix in the document."""
        tables, section = {}, None
        with file_open(DOC) as doc:
            for line in doc:
                if line.startswith("### "):
                    section = line[4:].strip()
                    continue
                match = re.match(r"^\| `([^`]+)`[^|]*\|(.*)\|\s*$", line)
                if section and match:
                    cells = tuple(cell.strip() for cell in match.group(2).split("|"))
                    tables.setdefault(section, {})[match.group(1)] = cells[: len(ROLES)]
        return tables

    def _markdown(self, rows):
        return "\n".join(f"| `{name}` | {' | '.join(row)} |" for name, row in sorted(rows.items()))

    def _assertMatrix(self, derived, expected, what):
        self.assertEqual(
            derived,
            expected,
            f"The access to the addon's {what} changed. If it is meant, update the "
            f"expected table in tests/test_access_matrix.py and in docs/server_authority.md; "
            f"the derived table is:\n{self._markdown(derived)}",
        )

    # ------------------------------------------------------------------
    # tests

    def test_every_model_report_and_method_has_a_row(self):
        addon_models = self._addon_models()
        concrete = {name for name, model in addon_models.items() if not model._abstract}
        abstract = set(addon_models) - concrete
        missing = [
            *(
                f"add {name} to the access matrix (MODELS in tests/test_access_matrix.py "
                f"and docs/server_authority.md)"
                for name in sorted(concrete - set(EXPECTED_MODELS))
            ),
            *(
                f"add the abstract model {name} to ABSTRACT in tests/test_access_matrix.py"
                for name in sorted(abstract - set(ABSTRACT))
            ),
            *(
                f"add the report {xmlid} to the access matrix (REPORTS in "
                f"tests/test_access_matrix.py and docs/server_authority.md)"
                for xmlid in sorted(set(self._addon_reports()) - set(EXPECTED_REPORTS))
            ),
            *(
                f"add the public method {method} to the access matrix (METHODS in "
                f"tests/test_access_matrix.py and docs/server_authority.md)"
                for method in sorted(self._addon_methods() - set(EXPECTED_METHODS))
            ),
        ]
        self.assertFalse(missing, "\n".join(missing))
        gone = (set(EXPECTED_MODELS) - concrete) | (set(ABSTRACT) - abstract)
        gone |= set(EXPECTED_REPORTS) - set(self._addon_reports())
        gone |= set(EXPECTED_METHODS) - self._addon_methods()
        self.assertFalse(gone, "rows of the access matrix for what the addon no longer has")

    def test_models(self):
        names = set(EXPECTED_MODELS) & set(self._addon_models())
        self._assertMatrix(self._derive_models(names), EXPECTED_MODELS, "models")

    def test_reports(self):
        reports = {
            xmlid: r for xmlid, r in self._addon_reports().items() if xmlid in EXPECTED_REPORTS
        }
        self._assertMatrix(self._derive_reports(reports), EXPECTED_REPORTS, "reports")

    def test_public_methods(self):
        calls = self._calls()
        self.assertEqual(
            set(calls) | set(METHODS_TESTED_ELSEWHERE),
            set(EXPECTED_METHODS),
            "every public method in METHODS has a call here or is tested elsewhere",
        )
        expected = {
            m: row for m, row in EXPECTED_METHODS.items() if m not in METHODS_TESTED_ELSEWHERE
        }
        self._assertMatrix(self._derive_methods(calls), expected, "public methods")

    def test_the_document_shows_the_same_matrix(self):
        tables = self._doc_tables()
        for section, expected in (
            ("Models", EXPECTED_MODELS),
            ("Reports", EXPECTED_REPORTS),
            ("Public methods", EXPECTED_METHODS),
        ):
            with self.subTest(section=section):
                self.assertEqual(
                    tables.get(section),
                    expected,
                    f"docs/server_authority.md, access matrix, {section}: the table must be "
                    f"the test's:\n{self._markdown(expected)}",
                )
