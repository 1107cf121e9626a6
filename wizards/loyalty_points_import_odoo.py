"""The other source of an import: the cards of a program of Odoo's own
Loyalty app (``loyalty``, a soft dependency: used when it is installed), each
card with points one row, converted once (see :class:`LoyaltyPointsImport`)."""

from odoo import fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import POINTS_DIGITS
from .loyalty_points_import import ROWS_TABLE


class LoyaltyPointsImport(models.TransientModel):
    _inherit = "loyalty.points.import"

    def _get_odoo_program(self):
        """The program of Odoo's Loyalty app to convert, checked.

        :raises UserError: the app is not installed, no program is chosen, or
            it is no loyalty program of this company the user may read
        """
        if "loyalty.program" not in self.env:
            raise UserError(self.env._("Odoo's Loyalty app is not installed."))
        program = self.env["loyalty.program"].browse(self.odoo_program_id).exists()
        if not program or self.odoo_program_model != "loyalty.program":
            raise UserError(self.env._("Choose the Odoo loyalty program to convert."))
        try:
            program.check_access("read")
        except AccessError as error:
            raise AccessError(
                self.env._("You cannot read the Odoo loyalty program you chose.")
            ) from error
        if program.company_id and program.company_id != self.company_id:
            raise UserError(
                self.env._(
                    "%(program)s belongs to %(company)s, not to %(target)s.",
                    program=program.name,
                    company=program.company_id.name,
                    target=self.company_id.name,
                )
            )
        if program.program_type != "loyalty":
            raise UserError(
                self.env._(
                    "%(program)s is not a loyalty program: only the points of a loyalty "
                    "program's cards can be converted.",
                    program=program.name,
                )
            )
        if self.archive_odoo_program:
            program.check_access("write")
        return program

    def _load_odoo_cards(self, program):
        """The cards of Odoo's ``program`` with points, as rows of the table
        (the row is the card's id, its customer found already).

        :return: no problems: cards without a customer the company sees (as
            a file's rows find them: :meth:`_partner_visible_sql`) or expired
            are left out, and counted
        """
        today = fields.Date.context_today(self)
        default_expiry = self.company_id._loyalty_points_default_expiry(today)
        self.env["loyalty.card"].flush_model(
            ["program_id", "partner_id", "points", "expiration_date", "active"]
        )
        self.env["res.partner"].flush_model(["active", "company_id", "commercial_partner_id"])
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO %(table)s (line, partner_id, matched_by, points, expiry_date)
                SELECT card.id, partner.commercial_partner_id, 'odoo',
                       ROUND((card.points * %(rate)s)::numeric, %(digits)s),
                       COALESCE(card.expiration_date, %(default)s::date)
                  FROM loyalty_card AS card
                  JOIN res_partner AS partner ON partner.id = card.partner_id
                 WHERE card.program_id = %(program)s AND card.active AND %(visible)s
                   AND ROUND((card.points * %(rate)s)::numeric, %(digits)s) > 0
                   AND (card.expiration_date IS NULL OR card.expiration_date >= %(today)s)
                """,
                table=SQL.identifier(ROWS_TABLE),
                rate=self.conversion_rate,
                digits=POINTS_DIGITS[1],
                default=default_expiry or None,
                program=program.id,
                today=today,
                visible=self._partner_visible_sql(),
            )
        )
        if not self.env.cr.rowcount:
            raise UserError(
                self.env._("No card of %(program)s has points to convert.", program=program.name)
            )
        self.env.cr.execute(
            SQL(
                """
                SELECT COUNT(*) FROM loyalty_card AS card
             LEFT JOIN res_partner AS partner ON partner.id = card.partner_id
                 WHERE card.program_id = %(program)s AND card.active AND card.points > 0
                   AND (partner.id IS NULL OR NOT (%(visible)s)
                        OR card.expiration_date < %(today)s)
                """,
                program=program.id,
                today=today,
                visible=self._partner_visible_sql(),
            )
        )
        self.left_out_count = self.env.cr.fetchone()[0]
        return []
