"""Send CloudFront invalidation requests to a cloudfront-invalidation-queue SQS queue (message contract v1).

>>> from cloudfront_invalidation_queue import send_invalidation
>>> send_invalidation(queue_url, urls={"https://www.example.org/news/"}, source="wagtail", reason="page published")
"""

from .errors import FailedEntry, InvalidationQueueError, InvalidInvalidationError, SendInvalidationError
from .send import MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, MAX_MESSAGE_BYTES, batches, default_sqs_client, message_bodies, send_invalidation
from .validate import MAX_PATH_LENGTH, normalize_path, url_path

__all__ = [
    "FailedEntry",
    "InvalidationQueueError",
    "InvalidInvalidationError",
    "SendInvalidationError",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_ENTRIES",
    "MAX_MESSAGE_BYTES",
    "MAX_PATH_LENGTH",
    "batches",
    "default_sqs_client",
    "message_bodies",
    "normalize_path",
    "send_invalidation",
    "url_path",
]
