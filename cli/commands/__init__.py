"""The ``orders`` commands, one module per concern; ``cli.main`` registers them.

Each command parses its options, calls one library function and hands the
result to ``cli.render``. Errors are raised, never printed (``cli.errors``).
Heavy imports (boto3, moto, polars, DuckDB) happen inside the commands, so
``orders --help`` stays fast.
"""
