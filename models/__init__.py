from . import res_company
from . import res_config_settings
from . import loyalty_points_account
from . import loyalty_points_entry
from . import loyalty_points_allocation
from . import res_partner
