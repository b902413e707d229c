"""Build v1 messages and send them with SendMessageBatch, within SQS's size limits."""

from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, Iterable, Iterator, List, Optional
from urllib.parse import urlsplit

from .errors import FailedEntry, InvalidInvalidationError, SendInvalidationError
from .validate import (
    MAX_REASON_LENGTH,
    MAX_SOURCE_LENGTH,
    as_sorted_list,
    check_distribution_id,
    check_text,
    display,
    normalize_path,
    url_path,
)

#: Bytes in one SQS message (body and attributes; these messages carry no attributes).
MAX_MESSAGE_BYTES = 1_048_576
#: Entries in one SendMessageBatch call.
MAX_BATCH_ENTRIES = 10
#: Bytes of all the messages of one SendMessageBatch call.
MAX_BATCH_BYTES = 1_048_576

# A queue URL's region: https://sqs.eu-west-1.amazonaws.com/..., the legacy https://eu-west-1.queue.amazonaws.com/...,
# and local mode's http://sqs.us-east-1.localhost:PORT/...
_QUEUE_URL_REGION = re.compile(r"^(?:sqs\.)?([a-z]{2}(?:-[a-z]+)+-\d+)\.")


def message_bodies(
    *,
    paths: Optional[Iterable[str]] = None,
    urls: Optional[Iterable[str]] = None,
    distribution_id: Optional[str] = None,
    source: Optional[str] = None,
    reason: Optional[str] = None,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
) -> List[str]:
    """The SQS message bodies for one request: as few as fit ``max_message_bytes`` each, paths first, then URLs.

    Paths are sent percent-encoded as the handler would submit them; URLs as given. Each list is sorted and without
    duplicates, whatever iterable it came from (a ``set`` included). Bodies are ASCII JSON (``\\u`` escapes), so
    their length in characters is their size in bytes.

    :raises InvalidInvalidationError: naming the first bad value; nothing is built
    """
    path_list = sorted({normalize_path(path) for path in as_sorted_list("paths", paths)})
    url_list = as_sorted_list("urls", urls)
    for url in url_list:
        url_path(url)
    check_distribution_id(distribution_id)
    check_text("source", source, MAX_SOURCE_LENGTH)
    check_text("reason", reason, MAX_REASON_LENGTH)
    if not path_list and not url_list:
        raise InvalidInvalidationError("paths", None, "at least one of paths, urls must hold a path or URL (both are empty)")

    def body(chunk_paths: List[str], chunk_urls: List[object]) -> str:
        message: Dict[str, Any] = {}  # in the schema's order, as the handler's fast path expects
        if distribution_id is not None:
            message["distributionId"] = distribution_id
        if chunk_paths:
            message["paths"] = chunk_paths
        if chunk_urls:
            message["urls"] = chunk_urls
        if source is not None:
            message["source"] = source
        if reason is not None:
            message["reason"] = reason
        return json.dumps(message, separators=(",", ":"), ensure_ascii=True)

    base = len(body([], []))
    bodies: List[str] = []
    chunk: Dict[str, List[Any]] = {"paths": [], "urls": []}
    size = base
    for field, values in (("paths", path_list), ("urls", url_list)):
        for value in values:
            # An upper bound: the item and a comma, plus `"field":[]` and a comma for a field's first item.
            cost = len(json.dumps(value, ensure_ascii=True)) + 1
            opening = 0 if chunk[field] else len(field) + 6
            if size + cost + opening > max_message_bytes and size > base:
                bodies.append(body(chunk["paths"], chunk["urls"]))
                chunk = {"paths": [], "urls": []}
                size, opening = base, len(field) + 6
            if size + cost + opening > max_message_bytes:
                raise InvalidInvalidationError(field, value, f"{display(value)} does not fit in one SQS message of {max_message_bytes} bytes")
            chunk[field].append(value)
            size += cost + opening
    bodies.append(body(chunk["paths"], chunk["urls"]))
    return bodies


def batches(bodies: List[str], max_entries: int = MAX_BATCH_ENTRIES, max_bytes: int = MAX_BATCH_BYTES) -> Iterator[List[str]]:
    """Consecutive groups of bodies for SendMessageBatch: at most ``max_entries`` and ``max_bytes`` in all."""
    group: List[str] = []
    size = 0
    for body in bodies:
        if group and (len(group) == max_entries or size + len(body) > max_bytes):
            yield group
            group, size = [], 0
        group.append(body)
        size += len(body)
    if group:
        yield group


def send_invalidation(
    queue_url: str,
    *,
    urls: Optional[Iterable[str]] = None,
    paths: Optional[Iterable[str]] = None,
    reason: Optional[str] = None,
    source: Optional[str] = None,
    distribution_id: Optional[str] = None,
    sqs_client: Any = None,
) -> List[str]:
    """Queue an invalidation: validate like the handler, then send the messages with SendMessageBatch.

    >>> send_invalidation(queue_url, urls={"https://www.example.org/news/", "https://www.example.org/"},
    ...                   source="wagtail", reason="page published")
    ['5fea7756-0ea4-451a-a703-a558b933e274']

    :param queue_url: the invalidation queue's URL (the stack's ``QueueUrl`` output, or local mode's ``Queue URL``)
    :param urls: page URLs; each goes to the distribution that serves its hostname
    :param paths: invalidation paths, each starting with ``/``; need ``distribution_id`` when the handler
        is configured with several distributions
    :param sqs_client: a boto3 SQS client; by default one for the queue URL's region (see ``default_sqs_client``)
    :returns: the message ids, in the order of the messages (usually one)
    :raises InvalidInvalidationError: (a ``ValueError``) naming the bad value; nothing was sent
    :raises SendInvalidationError: when SendMessageBatch reports failed entries (their codes, and the ids of the
        messages that were sent)
    """
    bodies = message_bodies(paths=paths, urls=urls, distribution_id=distribution_id, source=source, reason=reason)
    client = sqs_client if sqs_client is not None else default_sqs_client(queue_url)
    message_ids: List[str] = []
    failed: List[FailedEntry] = []
    first = 0
    for group in batches(bodies):
        entries = [{"Id": str(first + offset), "MessageBody": body} for offset, body in enumerate(group)]
        response = client.send_message_batch(QueueUrl=queue_url, Entries=entries)
        sent = {entry["Id"]: entry["MessageId"] for entry in response.get("Successful", [])}
        message_ids.extend(sent[entry["Id"]] for entry in entries if entry["Id"] in sent)
        failed.extend(
            FailedEntry(int(entry["Id"]), entry.get("Code", ""), entry.get("Message", ""), bool(entry.get("SenderFault")))
            for entry in response.get("Failed", [])
        )
        first += len(group)
    if failed:
        raise SendInvalidationError(failed, message_ids, len(bodies))
    return message_ids


def default_sqs_client(queue_url: str, **client_kwargs: Any) -> Any:
    """A boto3 SQS client for ``queue_url``, as the ``cfiq`` CLI makes one.

    Region: ``client_kwargs``, else the queue URL's (a queue lives in one region), else boto3's (``AWS_REGION``,
    ``AWS_DEFAULT_REGION``, the config file). For a queue URL on
    ``localhost`` or a ``*.localhost`` name (local mode) without ``AWS_ENDPOINT_URL_SQS``/``AWS_ENDPOINT_URL``:
    the endpoint ``http://127.0.0.1:<the URL's port>``, and dummy credentials when none are configured.
    """
    import boto3

    parts = urlsplit(queue_url)
    host = (parts.hostname or "").lower()
    kwargs = dict(client_kwargs)
    region = _QUEUE_URL_REGION.match(host)
    if "region_name" not in kwargs and region:
        kwargs["region_name"] = region.group(1)
    loopback = host == "localhost" or host.endswith(".localhost")
    if loopback and "endpoint_url" not in kwargs and not (os.environ.get("AWS_ENDPOINT_URL_SQS") or os.environ.get("AWS_ENDPOINT_URL")):
        kwargs["endpoint_url"] = f"http://127.0.0.1:{parts.port or 80}"
    session = boto3.session.Session()
    if loopback and "aws_access_key_id" not in kwargs and session.get_credentials() is None:
        kwargs.update(aws_access_key_id="local", aws_secret_access_key="local")
    return session.client("sqs", **kwargs)
