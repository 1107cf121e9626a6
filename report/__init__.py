from . import loyalty_points_aging_report
from . import loyalty_points_statement
from . import loyalty_points_rollforward_report
from . import loyalty_points_member_report
from . import loyalty_points_program_report
