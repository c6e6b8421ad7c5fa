"""orders-pipeline: the analytics core (``shared.core``) and its AWS side (``shared.aws``).

``shared.core`` computes the reports every front end (CLI, Lambda) shows;
``shared.aws`` runs it on S3 objects inside the Lambda. The dependency runs one
way: ``aws`` imports ``core``, never the reverse.

Importing ``shared`` is deliberately cheap (a Lambda cold start pays for it):
heavy dependencies such as Polars are imported by the modules that use them.
Start with ``shared.core.pipeline.run_file``.
"""

__version__ = "0.1.0"
