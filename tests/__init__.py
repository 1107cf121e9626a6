from . import test_tools
from . import test_journal
from . import test_expiry
from . import test_security
from . import test_demo
