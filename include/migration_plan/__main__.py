import sys

from migration_plan.cli import main

sys.exit(main())
