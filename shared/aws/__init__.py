"""The AWS side: the output bucket's key layout, event shapes, the S3 processor, the
Lambda app and its telemetry.

Depends on ``shared.core`` (never the other way round) and on boto3 and
Powertools, which the core does not need.
"""
