"""The contract's rules, on the cases the TypeScript suite checks the handler against (cases.json), and the fields."""

from __future__ import annotations

import json

import pytest

from cloudfront_invalidation_queue import InvalidInvalidationError, message_bodies, normalize_path, url_path

from conftest import ROOT, load_cases

CASES = load_cases()
SCHEMA = json.loads((ROOT / "schema" / "invalidation-message.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("raw", "expected"), CASES["paths"]["valid"])
def test_normalizes_a_path_as_the_handler_does(raw, expected):
    assert normalize_path(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), CASES["paths"]["invalid"])
def test_rejects_a_path_naming_it_and_the_rule(raw, reason):
    with pytest.raises(ValueError) as caught:
        normalize_path(raw)
    assert str(caught.value).startswith('invalid path "')
    assert reason in str(caught.value)
    assert (caught.value.field, caught.value.value) == ("paths", raw)


@pytest.mark.parametrize(("raw", "expected"), CASES["urls"]["valid"])
def test_derives_a_url_s_path_as_the_handler_does(raw, expected):
    assert url_path(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), CASES["urls"]["invalid"])
def test_rejects_a_url_with_the_reason(raw, reason):
    with pytest.raises(InvalidInvalidationError, match="invalid") as caught:
        url_path(raw)
    assert reason in str(caught.value)


def test_never_shows_a_url_s_password():
    with pytest.raises(ValueError) as caught:
        message_bodies(urls=["https://editor:p@ss w0rd@www.example.org/a"])
    assert "w0rd" not in str(caught.value)
    assert "***@www.example.org/a" in str(caught.value)
    assert "w0rd" not in repr(caught.value.value)


def test_accepts_a_path_of_exactly_4_000_characters_once_encoded():
    assert normalize_path("/" + "a" * 3999) == "/" + "a" * 3999


def test_rejects_4_001_characters_counting_the_encoding():
    with pytest.raises(ValueError, match="is 4001 characters once encoded; CloudFront allows at most 4000"):
        normalize_path("/" + "a" * 3994 + "é")  # 3,996 characters; é is %C3%A9: 1 + 3,994 + 6 = 4,001


@pytest.mark.parametrize(
    "paths",
    [
        {"/b", "/a", "/c"},
        frozenset({"/c", "/a", "/b"}),
        ("/c", "/b", "/a", "/a"),
        (path for path in ["/b", "/c", "/a"]),
        {"/b": 1, "/a": 2, "/c": 3}.keys(),
    ],
    ids=["set", "frozenset", "tuple with a duplicate", "generator", "dict keys"],
)
def test_any_iterable_is_sent_as_a_sorted_list(paths):
    [body] = message_bodies(paths=paths, distribution_id="EDFDVBD6EXAMPLE")
    assert json.loads(body)["paths"] == ["/a", "/b", "/c"]


def test_duplicates_that_differ_only_before_encoding_are_sent_once():
    [body] = message_bodies(paths=["/café", "/caf%C3%A9"])
    assert json.loads(body)["paths"] == ["/caf%C3%A9"]


@pytest.mark.parametrize("value", ["/news/", b"/news/", 42])
def test_a_single_value_where_an_iterable_belongs_is_an_error(value):
    with pytest.raises(ValueError, match="paths must be an iterable of strings"):
        message_bodies(paths=value)


def test_an_item_that_is_not_a_string_is_named():
    with pytest.raises(ValueError, match=r'invalid path "None": must be a string, not NoneType'):
        message_bodies(paths=["/a", None])


@pytest.mark.parametrize("kwargs", [{}, {"paths": [], "urls": set()}, {"paths": None, "reason": "x"}])
def test_needs_at_least_one_path_or_url(kwargs):
    with pytest.raises(ValueError, match="at least one of paths, urls"):
        message_bodies(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"source": "s" * 257}, "source is 257 characters; at most 256"),
        ({"reason": "r" * 1025}, "reason is 1025 characters; at most 1024"),
        ({"reason": "😀" * 513}, "reason is 1026 characters"),  # counted in UTF-16 code units, as the handler does
        ({"source": 7}, "source must be a string, not int"),
        ({"distribution_id": "edfdvbd6example"}, 'invalid distribution id "edfdvbd6example"'),
    ],
)
def test_checks_the_other_fields(kwargs, message):
    with pytest.raises(ValueError, match=message):
        message_bodies(paths=["/a"], **kwargs)


def test_bodies_follow_the_json_schema_field_order_and_are_ascii():
    jsonschema = pytest.importorskip("jsonschema")
    bodies = message_bodies(
        paths={"/ü/"}, urls=["https://www.example.org/ü"], distribution_id="EDFDVBD6EXAMPLE", source="wagtail", reason="publié"
    )
    [body] = bodies
    jsonschema.validate(json.loads(body), SCHEMA)
    assert body.isascii()
    assert list(json.loads(body)) == ["distributionId", "paths", "urls", "source", "reason"]
