"""The message contract's rules, as the handler applies them (lambda/read/message.ts, lambda/resolve/paths.ts).

The handler stays the judge: these checks catch a bad value in the CMS, where the mistake is, instead of in the
dead-letter queue. tests/cases.json holds the cases; the TypeScript suite runs the handler's code on the same file.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, List, Optional
from urllib.parse import urlsplit

from .errors import InvalidInvalidationError

#: Characters in one invalidation path, once percent-encoded (CloudFront's limit).
MAX_PATH_LENGTH = 4000
#: Characters (UTF-16 code units, as the handler counts) of ``source`` and ``reason``.
MAX_SOURCE_LENGTH = 256
MAX_REASON_LENGTH = 1024

# RFC 1738 "unsafe" characters; "%" is encoded too when it does not start a %XX escape.
_UNSAFE = frozenset(' <>"#{}|\\^~[]`')
_HEX = frozenset("0123456789abcdefABCDEF")
_CONTROL = re.compile("[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DISTRIBUTION_ID = re.compile(r"[A-Z0-9]{1,64}\Z")
# Up to the last "@" of the whole value: a password may hold "/", "?", "#", spaces or quotes.
_CREDENTIALS = re.compile(r"^(\s*(?:[a-z][a-z0-9+.-]*:)?[/\\]*)?[\s\S]*@", re.IGNORECASE)


def display(value: object, max_length: int = 200) -> str:
    """Quote a value for an error message: JSON-escaped (control characters visible), at most ``max_length`` characters."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) > max_length:
        text = f"{text[:max_length]}…({len(text)} characters)"
    return json.dumps(text, ensure_ascii=_SURROGATE.search(text) is not None)


def redact_url(raw: str) -> str:
    """``raw`` with everything up to its last "@" replaced by ``***@``: a URL's credentials never reach a message or log."""
    return _CREDENTIALS.sub(r"\1***@", raw, count=1)


def _control(raw: str) -> Optional[str]:
    match = _CONTROL.search(raw)
    return None if match is None else f"contains the control character U+{ord(match.group()):04X}"


def normalize_path(raw: object) -> str:
    """One invalidation path as the handler submits it.

    >>> normalize_path("/café/a b")
    '/caf%C3%A9/a%20b'

    :raises InvalidInvalidationError: naming the path and the rule it breaks
    """

    def invalid(reason: str) -> InvalidInvalidationError:
        return InvalidInvalidationError("paths", raw, f"invalid path {display(raw)}: {reason}")

    if not isinstance(raw, str):
        raise invalid(f"must be a string, not {type(raw).__name__}")
    if not raw.startswith("/"):
        raise invalid('must start with "/"')
    control = _control(raw)
    if control:
        raise invalid(control)
    star = raw.find("*")
    if star != -1 and star != len(raw) - 1:
        raise invalid('"*" is allowed only as the last character')
    out: List[str] = []
    for index, char in enumerate(raw):
        if ord(char) > 0x7F:
            try:
                out.append("".join(f"%{byte:02X}" for byte in char.encode("utf-8")))
            except UnicodeEncodeError:
                raise invalid("contains a lone UTF-16 surrogate, which has no UTF-8 encoding") from None
        elif char == "%":
            escape = raw[index + 1 : index + 3]
            out.append("%" if len(escape) == 2 and set(escape) <= _HEX else "%25")
        elif char in _UNSAFE:
            out.append(f"%{ord(char):02X}")
        else:
            out.append(char)
    encoded = "".join(out)
    if len(encoded) > MAX_PATH_LENGTH:
        raise invalid(f"is {len(encoded)} characters once encoded; CloudFront allows at most {MAX_PATH_LENGTH}")
    return encoded


def url_path(raw: object) -> str:
    """Check a page URL and return the invalidation path the handler derives from it (path and ``?query``).

    >>> url_path("http://www.example.com?query=value")
    '/?query=value'

    :raises InvalidInvalidationError: for a relative URL, a scheme other than http/https, credentials
        (``user:password@``, never shown in the message), a control character, or a path that breaks a path rule
    """

    def invalid(reason: str) -> InvalidInvalidationError:
        shown = redact_url(raw) if isinstance(raw, str) else raw
        return InvalidInvalidationError("urls", shown, f"invalid URL {display(shown)}: {reason}")

    if not isinstance(raw, str):
        raise invalid(f"must be a string, not {type(raw).__name__}")
    control = _control(raw)
    if control:
        raise invalid(control)
    if _SURROGATE.search(raw):
        raise invalid("contains a lone UTF-16 surrogate")
    try:
        parts = urlsplit(raw)
        parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise invalid("not an absolute URL") from None
    if not parts.scheme:
        raise invalid("not an absolute URL")
    if "@" in parts.netloc:
        raise invalid("credentials are not allowed in a URL")
    if parts.scheme not in ("http", "https"):
        raise invalid(f"scheme {json.dumps(parts.scheme)} is not http or https")
    if not parts.hostname:
        raise invalid("not an absolute URL")
    return normalize_path((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))


def as_sorted_list(field: str, values: Optional[Iterable[object]]) -> List[object]:
    """A list, set, tuple, generator... as a sorted list without duplicates; None as []. A lone string is an error."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or not _is_iterable(values):
        raise InvalidInvalidationError(
            field, values, f"{field} must be an iterable of strings (a list, a set, ...), not {type(values).__name__} {display(values)}"
        )
    items = list(values)
    if all(isinstance(item, str) for item in items):
        return sorted(set(items))
    return items  # the caller's check names the first item that is not a string


def _is_iterable(value: object) -> bool:
    try:
        iter(value)  # type: ignore[call-overload]
    except TypeError:
        return False
    return True


def check_text(field: str, value: Optional[object], max_length: int) -> None:
    """``source`` and ``reason``: strings of at most ``max_length`` UTF-16 code units."""
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidInvalidationError(field, value, f"{field} must be a string, not {type(value).__name__}")
    length = len(value.encode("utf-16-le", "surrogatepass")) // 2
    if length > max_length:
        raise InvalidInvalidationError(field, value, f"{field} is {length} characters; at most {max_length} are allowed (given {display(value)})")


def check_distribution_id(value: Optional[object]) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not _DISTRIBUTION_ID.match(value):
        raise InvalidInvalidationError(
            "distribution_id", value, f"invalid distribution id {display(value)}: 1 to 64 uppercase letters and digits expected"
        )
