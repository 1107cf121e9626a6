# missing-readme asks for OCA's README.rst: we keep README.md and readme/ fragments.
# pylint: disable=missing-readme
{
    "name": "Loyalty Points",
    "summary": "Points on every purchase, tiers by turnover, an immutable points "
    "journal with per-lot expiry, paying with points at the POS, SMS notifications",
    "version": "18.0.1.2.0",
    "category": "Sales/Point of Sale",
    "license": "LGPL-3",
    "author": "loyalty_points developers",
    "website": "https://github.com/loyalty-points/loyalty_points",
    "maintainers": ["loyalty-points"],
    "development_status": "Beta",
    "depends": ["point_of_sale", "sms", "phone_validation", "digest", "portal"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        # security
        "security/ir.model.access.csv",
        "security/loyalty_points_security.xml",
        "security/loyalty_points_card_security.xml",
        "security/loyalty_points_portal_security.xml",
        # data
        "data/ir_cron_data.xml",
        "data/ir_cron_report_data.xml",
        "data/ir_cron_birthday_data.xml",
        "data/ir_cron_pending_data.xml",
        "data/sms_template_data.xml",
        "data/sms_template_birthday_data.xml",
        "data/barcode_rule_data.xml",
        "data/digest_data.xml",
        # wizards
        "wizards/loyalty_points_adjust_views.xml",
        "wizards/loyalty_points_rollforward_views.xml",
        "wizards/loyalty_points_statement_views.xml",
        "wizards/loyalty_points_card_issue_views.xml",
        # views
        "views/digest_digest_views.xml",
        "views/loyalty_points_account_views.xml",
        "views/loyalty_points_card_views.xml",
        "views/loyalty_points_entry_views.xml",
        "views/loyalty_points_program_views.xml",
        "views/loyalty_points_tier_views.xml",
        "views/pos_config_views.xml",
        "views/pos_order_views.xml",
        "views/pos_payment_method_views.xml",
        "views/portal_templates.xml",
        "views/product_template_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        # reports
        "report/loyalty_points_aging_report_views.xml",
        "report/loyalty_points_analysis_views.xml",
        "report/loyalty_points_statement.xml",
        "report/loyalty_points_rollforward_report.xml",
        "report/loyalty_points_card.xml",
        # the statement mail attaches the statement report
        "data/mail_template_data.xml",
        # menus, after every action they open
        "views/loyalty_points_menus.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "loyalty_points/static/src/utils/**/*",
            "loyalty_points/static/src/views/**/*",
        ],
        "point_of_sale._assets_pos": [
            "loyalty_points/static/src/utils/**/*",
            "loyalty_points/static/src/overrides/**/*",
        ],
        "web.assets_tests": [
            "loyalty_points/static/tests/tours/**/*",
        ],
        "web.assets_unit_tests": [
            "loyalty_points/static/tests/unit/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "demo": [
        "demo/res_company_demo.xml",
        "demo/product_pricelist_demo.xml",
        "demo/loyalty_points_tier_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/loyalty_points_program_demo.xml",
        "demo/pos_payment_method_demo.xml",
        "demo/pos_order_demo.xml",
        "demo/loyalty_points_bonus_demo.xml",
        "demo/loyalty_points_pending_demo.xml",
        "demo/loyalty_points_odoo_loyalty_demo.xml",
    ],
}
