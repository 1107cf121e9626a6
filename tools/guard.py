"""The guards of the ledger, without the ORM.

``ledger_context``: the context under which the ledger writes the fields that
hold points. Its value is a Python object that no RPC payload can carry, so a
caller over RPC can never pass it (a plain context key could be forged).

``check_protected_fields``: the one check of the fields only the ledger
writes. Each model lists them in ``_loyalty_points_protected_fields`` and calls
it from ``create`` and ``write``.

``never_block``: run loyalty work so that it never blocks a sale: only the
errors Odoo retries propagate; anything else is rolled back to a savepoint,
logged and reported to ``on_error``.
"""

import logging
from contextlib import contextmanager

from odoo.exceptions import AccessError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

_logger = logging.getLogger(__name__)

LEDGER_KEY = "loyalty_points_ledger"
_LEDGER_TOKEN = object()


def ledger_context():
    return {LEDGER_KEY: _LEDGER_TOKEN}


def is_ledger(context):
    return context.get(LEDGER_KEY) is _LEDGER_TOKEN


def check_protected_fields(records, vals_list, superuser=False):
    """Refuse ``vals_list`` (values to create or write ``records``' model) that
    set a field of the model's ``_loyalty_points_protected_fields``, unless
    the ledger writes them (its context): never anybody else, whatever their
    rights, not even in superuser mode unless ``superuser`` allows it (data
    files of a field that is no figure of the ledger). A model may word the
    error itself (``_loyalty_points_protected_error(fields)``, an exception to
    raise)."""
    env = records.env
    if is_ledger(env.context) or (superuser and env.su):
        return
    protected = records._loyalty_points_protected_fields
    forged = sorted({name for vals in vals_list for name in vals if name in protected})
    if not forged:
        return
    wording = getattr(records, "_loyalty_points_protected_error", None)
    if wording:
        raise wording(forged)
    raise AccessError(
        env._(
            "Loyalty points are decided by the server: %(fields)s cannot be set.",
            fields=", ".join(forged),
        )
    )


class NeverBlock:
    """What ``never_block`` caught: ``failed`` and the exception."""

    failed = False
    error = None


@contextmanager
def never_block(cr, what):
    """``with never_block(cr, "booking of order X") as outcome:`` run the body in
    a savepoint; on any error but a retryable concurrency one (or the loss of
    the database connection: the whole request fails then, and the till sends
    the order again), roll the body back, log it and set ``outcome.failed``."""
    outcome = NeverBlock()
    try:
        with cr.savepoint():
            yield outcome
    except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
        raise
    except Exception as error:
        if cr._cnx.closed:
            raise
        _logger.exception("Loyalty points: %s failed and was rolled back", what)
        outcome.failed = True
        outcome.error = error
