"""End to end against `cfiq local`: the package's messages go through the real handler to the CloudFront emulator."""

from __future__ import annotations

from cloudfront_invalidation_queue import send_invalidation
from cloudfront_invalidation_queue.wagtail import InvalidationQueueBackend

from conftest import WWW


def test_purge_batch_of_a_set_of_three_urls_ends_as_one_create_invalidation_with_a_list(local_mode):
    # The seed bug: Wagtail 6.3's CloudFront backend passed this set to botocore as Paths.Items, and every publish
    # failed to purge. GIVEN the backend as Wagtail's settings would configure it
    backend = InvalidationQueueBackend(
        {"BACKEND": "cloudfront_invalidation_queue.wagtail.InvalidationQueueBackend", "QUEUE_URL": local_mode.queue_url,
         "ENDPOINT_URL": local_mode.sqs_endpoint}
    )
    urls = {
        "https://www.example.org/path/to/page?query=value",
        "https://www.example.org/another/path",
        "https://www.example.org?root=query",
    }
    before = local_mode.invalidation_ids()

    # WHEN
    backend.purge_batch(urls)

    # THEN one CreateInvalidation, its paths a sorted list
    created = local_mode.new_invalidations(before)
    assert list(created.values()) == [["/?root=query", "/another/path", "/path/to/page?query=value"]]


def test_send_invalidation_with_paths_reaches_the_distribution(local_mode):
    # GIVEN
    before = local_mode.invalidation_ids()

    # WHEN
    message_ids = send_invalidation(
        local_mode.queue_url, paths=("/café/", "/python/*"), distribution_id=WWW, source="pytest", reason="e2e",
        sqs_client=local_mode.client("sqs"),
    )

    # THEN
    assert len(message_ids) == 1
    assert list(local_mode.new_invalidations(before).values()) == [["/caf%C3%A9/", "/python/*"]]


def test_the_default_client_finds_local_mode_from_the_queue_url_alone(local_mode):
    # GIVEN no endpoint configured: the queue URL's *.localhost host means 127.0.0.1 on its port
    before = local_mode.invalidation_ids()

    # WHEN
    send_invalidation(local_mode.queue_url, urls=["https://www.example.org/default-client/"])

    # THEN
    assert list(local_mode.new_invalidations(before).values()) == [["/default-client/"]]
