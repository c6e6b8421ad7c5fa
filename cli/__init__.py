"""The ``orders`` developer CLI: thin Typer commands over the ``shared`` package."""
