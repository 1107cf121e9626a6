"""The translations never fall behind the module silently.

The template (i18n/loyalty_points.pot) must hold every term Odoo's own exporter
reads from the module (Python ``_()``, ``_t()`` of static/src, QWeb, views, data),
and every language of i18n/ must translate every term of the template, without
fuzzy entries (Odoo loads a fuzzy translation as if it were right) and with the
placeholders of the English.
"""

import logging
import re
from pathlib import Path

import polib

from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

MODULE = "loyalty_points"
I18N = Path(__file__).resolve().parent.parent / "i18n"
POT = I18N / f"{MODULE}.pot"
LANGUAGES = ("ru", "bg")
# what must survive a translation unchanged: %(name)s, %s, %%, {{ ... }}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdgf]|%[sdgf]|%%|\{\{.*?\}\}")

REGENERATE = f"""
How to bring the translations up to date:
 1. Regenerate the template with Odoo's exporter, from a database where {MODULE} is
    installed with its demo data (scripts/run makes one and prints its name):
      odoo -d DB --addons-path=DIR_HOLDING_{MODULE.upper()} -u {MODULE} --stop-after-init
      odoo -d DB --addons-path=DIR_HOLDING_{MODULE.upper()} --modules={MODULE} \\
        --i18n-export=i18n/{MODULE}.pot --stop-after-init
    (add the --data-dir of that database; keep the exporter's header.)
 2. Merge the template into each language:
      msgmerge --update --backup=none i18n/ru.po i18n/{MODULE}.pot
      msgmerge --update --backup=none i18n/bg.po i18n/{MODULE}.pot
 3. Translate every entry listed here (msgstr ""), review each '#, fuzzy' one and
    remove its flag, keep the placeholders, then check:
      msgfmt --check-format -o /dev/null i18n/ru.po
      msgfmt --check-format -o /dev/null i18n/bg.po
"""


def _short(text, size=110):
    text = " ".join(text.split())
    return text if len(text) <= size else text[: size - 1] + "…"


def _placeholders(text):
    # the default of an inline template ({{ x ||| Standard }}) is text to translate
    return sorted(re.sub(r"\|\|\|.*\}\}$", "|||}}", token) for token in PLACEHOLDER.findall(text))


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        self.records.append(record)


@tagged("post_install", "-at_install")
class TestI18n(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = polib.pofile(str(POT))
        cls.template_ids = {entry.msgid for entry in cls.template if not entry.obsolete}
        cls.terms, cls.read_errors = cls._read_module_terms()

    @classmethod
    def _read_module_terms(cls):
        """The module's terms as Odoo's exporter reads them ({source: where}), and
        the errors it logged on the files it could not read."""
        logger = logging.getLogger("odoo.tools.translate")
        errors = _Collect()
        logger.addHandler(errors)
        try:
            reader = TranslationModuleReader(cls.env.cr, modules=[MODULE])
            terms = {}
            for module, ttype, name, res_id, source, _value, _comments in reader:
                if module == MODULE:
                    terms.setdefault(source, f"{ttype}:{name}:{res_id}")
        finally:
            logger.removeHandler(errors)
        return terms, errors.records

    def test_exporter_reads_every_file(self):
        """A file Babel cannot parse loses all its terms from any exported template
        (Odoo only logs it): e.g. an f-string among the arguments of ``_()``."""
        unread = []
        for record in self.read_errors:
            path = str(record.args[0]) if record.args else record.getMessage()
            path = path.split(f"/{MODULE}/", 1)[-1]
            error = f": {record.exc_info[1]!r}" if record.exc_info else ""
            unread.append(f"  - {path}{error}")
        if unread:
            self.fail(
                "Odoo's exporter cannot read these files of %s, so their terms are missing "
                "from any template it exports (and from the translations):\n%s\n"
                "Babel evaluates the arguments of _() and _t(): compute f-strings and "
                "expressions before the call and pass plain names.\n%s"
                % (MODULE, "\n".join(unread), REGENERATE)
            )

    def test_template_holds_every_term(self):
        terms = self.terms
        self.assertGreater(len(terms), 100, "Odoo's exporter read no terms of the module")
        missing = sorted(source for source in terms if source not in self.template_ids)
        if missing:
            self.fail(
                "Terms of %s missing from i18n/%s.pot (%d):\n%s\n%s"
                % (
                    MODULE,
                    MODULE,
                    len(missing),
                    "\n".join(f"  - {_short(source)!r} ({terms[source]})" for source in missing),
                    REGENERATE,
                ),
            )

    def test_languages_translate_every_term(self):
        problems = []
        for lang in LANGUAGES:
            catalog = polib.pofile(str(I18N / f"{lang}.po"))
            entries = {entry.msgid: entry for entry in catalog if not entry.obsolete}
            for term in self.template:
                if term.obsolete or not term.msgid:
                    continue
                entry = entries.get(term.msgid)
                where = term.occurrences[0][0] if term.occurrences else ""
                if entry is None:
                    problems.append(f"  - {lang}.po has no entry: {_short(term.msgid)!r} ({where})")
                elif not entry.msgstr:
                    problems.append(f"  - {lang}.po untranslated: {_short(term.msgid)!r} ({where})")
                elif "fuzzy" in entry.flags:
                    problems.append(f"  - {lang}.po fuzzy: {_short(term.msgid)!r} ({where})")
                elif _placeholders(entry.msgid) != _placeholders(entry.msgstr):
                    problems.append(
                        f"  - {lang}.po placeholders differ: {_short(term.msgid)!r} "
                        f"has {_placeholders(entry.msgid)}, the translation "
                        f"{_placeholders(entry.msgstr)}"
                    )
        if problems:
            self.fail(
                "Entries of i18n/%s.pot not translated (or not usable) in %s (%d):\n%s\n%s"
                % (MODULE, ", ".join(LANGUAGES), len(problems), "\n".join(problems), REGENERATE),
            )
