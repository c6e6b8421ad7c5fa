"""Test helpers: sample paths, a data-line builder, input writers."""

from __future__ import annotations

import gzip
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "assessment_assets" / "sample_orders.csv"
BRIEF_HEADER = (
    "Order Id,Order Date,Ship Mode,Segment,Country,City,State,Postal Code,Region,"
    "Category,Sub Category,Product Id,cost price,List Price,Quantity,Discount Percent"
)


def row(
    *,
    order_id: str = "O-1",
    ship_mode: str = "First Class",
    region: str = "East",
    category: str = "Furniture",
    sub_category: str = "Chairs",
    cost: str = "10",
    list_price: str = "20",
    quantity: str = "1",
    discount: str = "0",
    city: str = "Springfield",
) -> str:
    """One data line in the brief's column order (no quoting: pass quoted values yourself)."""
    return ",".join(
        [
            order_id,
            "2024-01-01",
            ship_mode,
            "Consumer",
            "United States",
            city,
            "Illinois",
            "62701",
            region,
            category,
            sub_category,
            "FUR-CH-1",
            cost,
            list_price,
            quantity,
            discount,
        ]
    )


def write_input(path: Path, text: str | bytes, compress: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path``, gzip-compressed when asked."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path
