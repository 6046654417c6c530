import sys

from plan_import.cli import main

sys.exit(main())
