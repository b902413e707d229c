"""The Wagtail backend: Wagtail's conventions, with and without Wagtail installed."""

from __future__ import annotations

import importlib
import json
import logging
import sys
import types

import pytest

import cloudfront_invalidation_queue.wagtail as backend_module
from test_send import RecordingSqs

PARAMS = {
    "BACKEND": "cloudfront_invalidation_queue.wagtail.InvalidationQueueBackend",
    "QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/cfiq-invalidation-queue",
}


def backend_with(sqs, **params):
    backend = backend_module.InvalidationQueueBackend({**PARAMS, **params})
    backend._client = sqs
    return backend


def test_without_wagtail_it_imports_on_its_own_base():
    assert "wagtail" not in sys.modules
    assert backend_module.BaseBackend.__module__ == "cloudfront_invalidation_queue.wagtail"
    assert issubclass(backend_module.InvalidationQueueBackend, backend_module.BaseBackend)


def test_with_wagtail_it_subclasses_wagtail_s_base_backend(monkeypatch):
    # GIVEN a minimal wagtail.contrib.frontend_cache.backends
    class WagtailBaseBackend:
        def __init__(self, params):
            self.hostnames = params.get("HOSTNAMES", ["*"])

    names = ["wagtail", "wagtail.contrib", "wagtail.contrib.frontend_cache", "wagtail.contrib.frontend_cache.backends"]
    for name in names:
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    sys.modules["wagtail.contrib.frontend_cache.backends"].BaseBackend = WagtailBaseBackend
    try:
        # WHEN the module is imported with Wagtail present
        module = importlib.reload(backend_module)

        # THEN
        assert module.BaseBackend is WagtailBaseBackend
        backend = module.InvalidationQueueBackend({**PARAMS, "HOSTNAMES": ["www.example.org"]})
        assert isinstance(backend, WagtailBaseBackend)
        assert backend.hostnames == ["www.example.org"]
    finally:
        for name in names:
            monkeypatch.delitem(sys.modules, name)
        importlib.reload(backend_module)


def test_purge_batch_sends_a_set_as_one_sorted_list():
    # GIVEN
    sqs = RecordingSqs()
    backend = backend_with(sqs)

    # WHEN
    backend.purge_batch({"https://www.example.org/b/", "https://www.example.org/a/", "https://www.example.org/"})

    # THEN
    assert sqs.bodies() == [
        {"urls": ["https://www.example.org/", "https://www.example.org/a/", "https://www.example.org/b/"], "source": "wagtail", "reason": "page published"}
    ]


def test_purge_sends_one_url_with_the_configured_source_and_reason():
    sqs = RecordingSqs()
    backend_with(sqs, SOURCE="cms-eu", REASON="page unpublished").purge("https://www.example.org/news/")
    assert sqs.bodies() == [{"urls": ["https://www.example.org/news/"], "source": "cms-eu", "reason": "page unpublished"}]


def test_an_empty_batch_sends_nothing():
    sqs = RecordingSqs()
    backend_with(sqs).purge_batch(set())
    assert sqs.calls == []


@pytest.mark.parametrize(
    ("urls", "logged"),
    [
        (["ftp://www.example.org/a"], 'invalid URL "ftp://www.example.org/a": scheme "ftp" is not http or https'),
        (["https://www.example.org/fail/"], "SendMessageBatch failed for 1 of 1 messages: InternalError"),
    ],
    ids=["invalid URL", "failed entry"],
)
def test_failures_are_logged_not_raised_into_the_publish(caplog, urls, logged):
    # GIVEN
    sqs = RecordingSqs(fail={"/fail/"})

    # WHEN
    with caplog.at_level(logging.ERROR, logger="cloudfront_invalidation_queue"):
        backend_with(sqs).purge_batch(urls)

    # THEN
    assert [record.getMessage() for record in caplog.records] == [f"Could not queue the invalidation of 1 URLs: {logged}"]


def test_queue_url_is_required():
    with pytest.raises(ValueError, match="InvalidationQueueBackend needs QUEUE_URL, the invalidation queue's URL \\(given None\\)"):
        backend_module.InvalidationQueueBackend({"BACKEND": PARAMS["BACKEND"]})


def test_region_and_endpoint_params_reach_the_client():
    backend = backend_module.InvalidationQueueBackend({**PARAMS, "REGION": "eu-central-1", "ENDPOINT_URL": "http://127.0.0.1:4566"})
    assert (backend.sqs_client.meta.region_name, backend.sqs_client.meta.endpoint_url) == ("eu-central-1", "http://127.0.0.1:4566")


@pytest.mark.parametrize(
    ("hostnames", "hostname", "expected"),
    [
        (None, "anything.example", True),
        (["www.example.org"], "www.example.org", True),
        (["www.example.org"], "media.example.org", False),
        ([".example.org"], "media.example.org", True),
        ([".example.org"], "example.org", True),
        ([".example.org"], "badexample.org", False),
    ],
)
def test_the_fallback_base_answers_invalidates_hostname_like_wagtail(hostnames, hostname, expected):
    params = PARAMS if hostnames is None else {**PARAMS, "HOSTNAMES": hostnames}
    assert backend_module.InvalidationQueueBackend(params).invalidates_hostname(hostname) is expected
