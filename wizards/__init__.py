from . import loyalty_points_adjust
from . import loyalty_points_rollforward
from . import loyalty_points_rollforward_line
from . import loyalty_points_statement
from . import loyalty_points_card_issue
from . import loyalty_points_import
from . import loyalty_points_import_column
from . import loyalty_points_import_problem
