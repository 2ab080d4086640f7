import sys

from onestop.cli import main

sys.exit(main())
