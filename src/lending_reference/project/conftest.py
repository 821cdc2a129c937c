"""Your code from the course notebooks, assembled by helpers.workspace.

Edit the notebooks, not this file: it is rewritten whenever a workspace cell runs.
"""

pytest_plugins = ("lending.testing",)
