from . import loyalty_points_aging_report
