"""Stage results as plain JSON data and back, typed and validated: the cache holds data, never code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from pathlib import Path
from typing import Any

# JSON has no dates; front matter (YAML) does. They travel tagged and come back as dates.
_DATE_TAG, _DATETIME_TAG = "__date__", "__datetime__"


class RecordError(ValueError):
    """Data that does not have the shape its type promises (names where, expected and found)."""


def to_data(value: Any) -> Any:
    """A dataclass, tuple, list, dict, path, date or scalar as JSON-ready data (dataclasses become dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (tuple, list)):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise RecordError(f"dict keys must be text, found {sorted(map(repr, value))[:3]}")
        return {k: to_data(v) for k, v in value.items()}
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dt.datetime):
        return {_DATETIME_TAG: value.isoformat()}
    if isinstance(value, dt.date):
        return {_DATE_TAG: value.isoformat()}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise RecordError(f"cannot store a {type(value).__name__} as data")


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _fail(where: str, expected: str, found: Any) -> typing.NoReturn:
    shown = repr(found)
    raise RecordError(f"{where or 'value'}: expected {expected}, found {shown[:60]}{'…' if len(shown) > 60 else ''}")


def from_data(data: Any, kind: Any, where: str = "") -> Any:
    """The value of type `kind` that `data` (from `to_data`) describes; RecordError on any other shape."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any:
        return _plain(data, where)
    if origin in (typing.Union, types.UnionType):
        for option in args:
            try:
                return from_data(data, option, where)
            except RecordError:
                continue
        _fail(where, " or ".join(getattr(a, "__name__", str(a)) for a in args), data)
    if kind is type(None):
        if data is not None:
            _fail(where, "null", data)
        return None
    if dataclasses.is_dataclass(kind):
        if not isinstance(data, dict):
            _fail(where, f"a {kind.__name__} record", data)
        names = {f.name for f in dataclasses.fields(kind)}
        required = {f.name for f in dataclasses.fields(kind)
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING}
        if not required <= set(data) <= names:
            _fail(where, f"{kind.__name__} fields {sorted(names)}", sorted(data))
        hints = _hints(kind)
        return kind(**{name: from_data(data[name], hints[name], f"{where}.{name}") for name in data})
    if origin in (tuple, list) or kind in (tuple, list):
        if not isinstance(data, list):
            _fail(where, "a list", data)
        if origin is tuple and args and args[-1] is not Ellipsis:
            if len(args) != len(data):
                _fail(where, f"{len(args)} items", len(data))
            return tuple(from_data(d, a, f"{where}[{n}]") for n, (d, a) in enumerate(zip(data, args)))
        item = args[0] if args else Any
        items = [from_data(d, item, f"{where}[{n}]") for n, d in enumerate(data)]
        return items if (origin or kind) is list else tuple(items)
    if origin is dict or kind is dict:
        if not isinstance(data, dict):
            _fail(where, "a table", data)
        value_kind = args[1] if args else Any
        return {k: from_data(v, value_kind, f"{where}.{k}") for k, v in data.items()}
    if kind is Path:
        if not isinstance(data, str):
            _fail(where, "a path (text)", data)
        return Path(data)
    if kind is float and isinstance(data, int) and not isinstance(data, bool):
        return float(data)
    if kind in (str, int, float, bool):
        if not isinstance(data, kind) or (kind is int and isinstance(data, bool)):
            _fail(where, kind.__name__, data)
        return data
    if kind in (dt.date, dt.datetime):
        return _plain(data, where) if isinstance(_plain(data, where), kind) else _fail(where, kind.__name__, data)
    raise RecordError(f"{where}: no data form for type {kind!r}")


def _plain(data: Any, where: str) -> Any:
    """Untyped data (a source's metadata): JSON values, with tagged dates turned back into dates."""
    if isinstance(data, dict):
        if set(data) == {_DATE_TAG} or set(data) == {_DATETIME_TAG}:
            tag, text = next(iter(data.items()))
            try:
                return (dt.datetime if tag == _DATETIME_TAG else dt.date).fromisoformat(text)
            except (TypeError, ValueError):
                _fail(where, "an ISO date", text)
        return {k: _plain(v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(data, list):
        return [_plain(v, f"{where}[{n}]") for n, v in enumerate(data)]
    if data is None or isinstance(data, (str, bool, int, float)):
        return data
    _fail(where, "JSON data", data)
