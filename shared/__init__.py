"""orders-pipeline analytics: the reports every front end (CLI, Lambda) computes.

Importing ``shared`` is deliberately cheap (a Lambda cold start pays for it):
heavy dependencies such as Polars are imported by the modules that use them.
Start with ``shared.pipeline.run_file``.
"""

__version__ = "0.1.0"
