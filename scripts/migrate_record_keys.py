"""Move manifests and error records of the flat layout to the layout by upload day.

Before this layout the pipeline wrote ``manifests/<source-id>.json`` and
``errors/<source-id>.json``; it now writes
``manifests/ingest_date=YYYY-MM-DD/<countdown>-<source-id>.json`` (see
``shared/aws/layout.py`` and the README's "Output layout"). The function, the
CLI and Athena read only the new keys, so move the old ones once, after the new
function is deployed (needs AWS and the output bucket's name):

    python scripts/migrate_record_keys.py --bucket <output bucket> [--profile P]          # dry run
    python scripts/migrate_record_keys.py --bucket <output bucket> [--profile P] --apply  # move

The work is ``cli.cloud.migrate_records``; this file only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import sys

import boto3

from cli.cloud import CloudError, migrate_records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", required=True, help="the pipeline's output bucket")
    parser.add_argument("--profile", help="AWS profile (default: the usual credential chain)")
    parser.add_argument("--region", help="AWS region (default: the profile's)")
    parser.add_argument("--apply", action="store_true", help="move the records (default: list)")
    args = parser.parse_args(argv)
    session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
    try:
        moved = migrate_records(session.client("s3"), args.bucket, apply=args.apply)
    except CloudError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for item in moved:
        print(f"{item.old_key} -> {item.new_key}")
    verb = "moved" if args.apply else "would move (dry run; --apply moves them)"
    print(f"{len(moved)} record(s) {verb}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
