"""``python -m langchain_gradient``."""

import sys

from langchain_gradient.cli import main

sys.exit(main())
