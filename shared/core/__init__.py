"""The analytics core: the input contract, the engine and the reports.

Everything here works on bytes and files and knows nothing about AWS: it never
imports ``shared.aws``, boto3 or Powertools (``tests/test_architecture.py``
checks this), so ``orders run-local`` and the Lambda compute the same reports
with the same code. Start with ``shared.core.pipeline.run_file``.
"""
