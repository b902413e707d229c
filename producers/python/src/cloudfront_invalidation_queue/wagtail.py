"""A Wagtail frontend-cache backend that queues invalidations instead of calling CloudFront.

.. code-block:: python

    WAGTAILFRONTENDCACHE = {
        "cloudfront": {
            "BACKEND": "cloudfront_invalidation_queue.wagtail.InvalidationQueueBackend",
            "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/cfiq-invalidation-queue",
        },
    }

It subclasses Wagtail's ``BaseBackend`` when Wagtail is installed; without Wagtail it still imports, on a base with
the same interface, so it can be used (and tested) on its own.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional

from .errors import InvalidationQueueError
from .send import default_sqs_client, send_invalidation

logger = logging.getLogger("cloudfront_invalidation_queue")

try:
    from wagtail.contrib.frontend_cache.backends import BaseBackend
except ImportError:

    class BaseBackend:  # type: ignore[no-redef]
        """Wagtail's frontend-cache backend interface, for use without Wagtail."""

        def __init__(self, params: Dict[str, Any]) -> None:
            self.hostnames: List[str] = list(params.get("HOSTNAMES", ["*"]))

        def purge(self, url: str) -> None:
            raise NotImplementedError

        def purge_batch(self, urls: Iterable[str]) -> None:
            for url in urls:
                self.purge(url)

        def invalidates_hostname(self, hostname: str) -> bool:
            """Is ``hostname`` one of ``HOSTNAMES``? ``*`` matches any; ``.example.org`` matches it and its subdomains."""
            hostname = hostname.lower().rstrip(".")
            for pattern in (name.lower() for name in self.hostnames):
                if pattern == "*" or pattern == hostname:
                    return True
                if pattern.startswith(".") and (hostname == pattern[1:] or hostname.endswith(pattern)):
                    return True
            return False


class InvalidationQueueBackend(BaseBackend):
    """Queues every purge as one v1 message (or a few, for a large batch) on the invalidation queue.

    Params, beside ``BACKEND`` and Wagtail's ``HOSTNAMES``:

    ``QUEUE_URL`` (required)
        The invalidation queue's URL: the stack's ``QueueUrl`` output.
    ``SOURCE``, ``REASON``
        Kept in the handler's logs and dead-letter entries. Default ``"wagtail"``, ``"page published"``.
    ``REGION``, ``ENDPOINT_URL``
        For the boto3 SQS client. Default: the queue URL's region; ``AWS_ENDPOINT_URL_SQS`` or AWS's endpoint.

    Like Wagtail's own backends it logs failures (logger ``cloudfront_invalidation_queue``, level ERROR, with the
    reason and SQS's error codes) and does not raise them into the publish action.
    """

    def __init__(self, params: Dict[str, Any]) -> None:
        super().__init__(params)
        queue_url = params.get("QUEUE_URL")
        if not isinstance(queue_url, str) or not queue_url:
            raise ValueError(f"InvalidationQueueBackend needs QUEUE_URL, the invalidation queue's URL (given {queue_url!r})")
        self.queue_url: str = queue_url
        self.source: str = params.get("SOURCE", "wagtail")
        self.reason: str = params.get("REASON", "page published")
        self._client_kwargs = {
            key: params[name] for name, key in (("REGION", "region_name"), ("ENDPOINT_URL", "endpoint_url")) if params.get(name)
        }
        self._client: Optional[Any] = None

    @property
    def sqs_client(self) -> Any:
        """The boto3 SQS client, made on first use."""
        if self._client is None:
            self._client = default_sqs_client(self.queue_url, **self._client_kwargs)
        return self._client

    def purge(self, url: str) -> None:
        self.purge_batch([url])

    def purge_batch(self, urls: Iterable[str]) -> None:
        """Queue the URLs (any iterable: Wagtail passes a set) as one request, sent as a sorted list."""
        urls = list(urls)
        if not urls:
            return
        try:
            message_ids = send_invalidation(self.queue_url, urls=urls, source=self.source, reason=self.reason, sqs_client=self.sqs_client)
        except (InvalidationQueueError, ValueError) as error:
            logger.error("Could not queue the invalidation of %d URLs: %s", len(urls), error)
            return
        except Exception as error:  # botocore's ClientError, EndpointConnectionError, NoCredentialsError, ...
            logger.error("Could not queue the invalidation of %d URLs: %s: %s", len(urls), type(error).__name__, error)
            return
        logger.info("Queued the invalidation of %d URLs: message %s", len(urls), ", ".join(message_ids))
