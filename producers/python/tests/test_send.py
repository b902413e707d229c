"""send_invalidation's batching and error reporting, against a recording stand-in for the boto3 SQS client."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Set

import pytest

from cloudfront_invalidation_queue import (
    MAX_BATCH_BYTES,
    MAX_MESSAGE_BYTES,
    FailedEntry,
    SendInvalidationError,
    default_sqs_client,
    batches,
    send_invalidation,
)

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/cfiq-invalidation-queue"


class RecordingSqs:
    """Answers SendMessageBatch like SQS, failing the entries whose body contains one of ``fail``."""

    def __init__(self, fail: Set[str] = frozenset()) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.fail = fail

    def send_message_batch(self, QueueUrl: str, Entries: List[Dict[str, str]]) -> Dict[str, Any]:
        self.calls.append({"QueueUrl": QueueUrl, "Entries": Entries})
        successful, failed = [], []
        for entry in Entries:
            if any(marker in entry["MessageBody"] for marker in self.fail):
                failed.append({"Id": entry["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"})
            else:
                successful.append({"Id": entry["Id"], "MessageId": f"message-{len(self.calls)}-{entry['Id']}", "MD5OfMessageBody": "-"})
        return {"Successful": successful, "Failed": failed} if failed else {"Successful": successful}

    def bodies(self) -> List[Dict[str, Any]]:
        return [json.loads(entry["MessageBody"]) for call in self.calls for entry in call["Entries"]]


def long_paths(count: int) -> List[str]:
    """Paths of 4,000 characters, the longest CloudFront takes: 262 make 1 MiB."""
    return [f"/{index:05d}/" + "a" * 3993 for index in range(count)]


def test_one_message_for_a_small_request():
    # Prepare
    sqs = RecordingSqs()

    # Act
    ids = send_invalidation(QUEUE_URL, urls={"https://www.example.org/b", "https://www.example.org/a"}, source="wagtail",
                            reason="page published", sqs_client=sqs)

    # Assess
    assert ids == ["message-1-0"]
    assert sqs.calls[0]["QueueUrl"] == QUEUE_URL
    assert sqs.bodies() == [{"urls": ["https://www.example.org/a", "https://www.example.org/b"], "source": "wagtail", "reason": "page published"}]


def test_splits_paths_across_messages_of_at_most_1_mib_and_batches_of_at_most_1_mib():
    # Prepare: 600 paths of 4,000 characters, 2.4 MB
    sqs = RecordingSqs()
    paths = long_paths(600)

    # Act
    ids = send_invalidation(QUEUE_URL, paths=paths, distribution_id="EDFDVBD6EXAMPLE", source="s", reason="r", sqs_client=sqs)

    # Assess: three messages (261, 261 and 78 paths: 1 MiB holds 261 with the other fields), each its own call
    sizes = [[len(entry["MessageBody"].encode()) for entry in call["Entries"]] for call in sqs.calls]
    assert [len(body["paths"]) for body in sqs.bodies()] == [261, 261, 78]
    assert all(size <= MAX_MESSAGE_BYTES for call in sizes for size in call)
    assert all(sum(call) <= MAX_BATCH_BYTES for call in sizes)
    assert len(sqs.calls) == 3
    assert len(ids) == 3
    assert [path for body in sqs.bodies() for path in body["paths"]] == paths
    assert all(body["distributionId"] == "EDFDVBD6EXAMPLE" and body["reason"] == "r" for body in sqs.bodies())


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([100] * 25, [10, 10, 5]),
        ([600_000, 400_000, 48_576, 1, 1_048_576], [3, 1, 1]),
        ([1_048_576] * 2, [1, 1]),
    ],
    ids=["10 entries", "1 MiB in all", "a full message alone"],
)
def test_batches_hold_at_most_10_entries_and_1_mib(sizes, expected):
    groups = list(batches(["x" * size for size in sizes]))
    assert [len(group) for group in groups] == expected
    assert [body for group in groups for body in group] == ["x" * size for size in sizes]


def test_raises_with_the_failed_entries_codes_and_the_ids_sent():
    # Prepare: the second of three messages fails
    sqs = RecordingSqs(fail={"/00300/"})

    # Act
    with pytest.raises(SendInvalidationError) as caught:
        send_invalidation(QUEUE_URL, paths=long_paths(600), sqs_client=sqs)

    # Assess: the other messages went out
    assert str(caught.value) == "SendMessageBatch failed for 1 of 3 messages: InternalError"
    assert caught.value.failed == [FailedEntry(index=1, code="InternalError", message="try again", sender_fault=False)]
    assert caught.value.message_ids == ["message-1-0", "message-3-2"]


def test_sends_nothing_when_a_value_is_invalid():
    # Prepare
    sqs = RecordingSqs()

    # Act
    with pytest.raises(ValueError, match='invalid path "news/": must start with "/"'):
        send_invalidation(QUEUE_URL, paths=["/ok/", "news/"], sqs_client=sqs)

    # Assess
    assert sqs.calls == []


@pytest.mark.parametrize(
    ("queue_url", "region"),
    [
        (QUEUE_URL, "eu-west-1"),
        ("https://ap-southeast-2.queue.amazonaws.com/123456789012/q", "ap-southeast-2"),
        ("http://sqs.us-east-1.localhost:4566/000000000000/cfiq-local-invalidation-queue", "us-east-1"),
    ],
)
def test_the_default_client_takes_the_queue_url_s_region(queue_url, region):
    assert default_sqs_client(queue_url).meta.region_name == region


def test_the_default_client_reaches_a_localhost_queue_at_127_0_0_1_with_dummy_credentials(monkeypatch):
    # Prepare: no credentials anywhere
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    # Act
    client = default_sqs_client("http://sqs.us-east-1.localhost:4566/000000000000/q")

    # Assess
    assert client.meta.endpoint_url == "http://127.0.0.1:4566"
    assert client._request_signer._credentials.access_key == "local"


def test_the_default_client_keeps_aws_s_endpoint_for_a_real_queue():
    assert default_sqs_client(QUEUE_URL).meta.endpoint_url == "https://sqs.eu-west-1.amazonaws.com"
