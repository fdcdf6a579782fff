"""Stage results as plain JSON data and back, typed and validated: the cache holds data, never code."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from pathlib import Path
from typing import Any, Callable

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


def _fail(expected: str, found: Any) -> typing.NoReturn:
    shown = repr(found)
    raise RecordError(f": expected {expected}, found {shown[:60]}{'…' if len(shown) > 60 else ''}")


def _within(place: str, exc: RecordError) -> RecordError:
    """The error again, its location prefixed with the field or item it was found in."""
    return RecordError(place + str(exc))


def from_data(data: Any, kind: Any, where: str = "") -> Any:
    """The value of type `kind` that `data` (from `to_data`) describes; RecordError on any other shape."""
    try:
        return _decoder(kind)(data)
    except RecordError as exc:
        raise _within(where or "value", exc) from None


@functools.lru_cache(maxsize=None)
def _decoder(kind: Any) -> Callable[[Any], Any]:
    """A function decoding and validating data of type `kind`, built once per type (the cache reads thousands)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if kind is Any:
        return _plain
    if origin in (typing.Union, types.UnionType):
        return _union([_decoder(a) for a in args], " or ".join(getattr(a, "__name__", str(a)) for a in args))
    if kind is type(None):
        return lambda data: None if data is None else _fail("null", data)
    if dataclasses.is_dataclass(kind):
        return _record(kind)
    if origin in (tuple, list) or kind in (tuple, list):
        if origin is tuple and args and args[-1] is not Ellipsis:
            return _fixed_tuple([_decoder(a) for a in args])
        return _sequence(_decoder(args[0] if args else Any), list if (origin or kind) is list else tuple)
    if origin is dict or kind is dict:
        return _table(_decoder(args[1] if args else Any))
    if kind is Path:
        return lambda data: Path(data) if type(data) is str else _fail("a path (text)", data)
    if kind is float:
        return lambda data: float(data) if type(data) in (float, int) else _fail("float", data)
    if kind in (str, int, bool):
        return lambda data: data if type(data) is kind else _fail(kind.__name__, data)
    if kind in (dt.date, dt.datetime):
        return functools.partial(_date, kind)
    raise RecordError(f": no data form for type {kind!r}")


def _date(kind: type, data: Any) -> Any:
    value = _plain(data)
    return value if isinstance(value, kind) else _fail(kind.__name__, data)


def _union(options: list[Callable[[Any], Any]], names: str) -> Callable[[Any], Any]:
    def decode(data: Any) -> Any:
        for option in options:
            try:
                return option(data)
            except RecordError:
                continue
        _fail(names, data)
    return decode


def _record(kind: type) -> Callable[[Any], Any]:
    fields = dataclasses.fields(kind)
    hints = typing.get_type_hints(kind)
    decoders = {f.name: _decoder(hints[f.name]) for f in fields}
    names = frozenset(decoders)
    required = frozenset(f.name for f in fields
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)

    def decode(data: Any) -> Any:
        if type(data) is not dict:
            _fail(f"a {kind.__name__} record", data)
        if not required <= data.keys() <= names:
            _fail(f"{kind.__name__} fields {sorted(names)}", sorted(data))
        values = {}
        for name, value in data.items():
            try:
                values[name] = decoders[name](value)
            except RecordError as exc:
                raise _within(f".{name}", exc) from None
        return kind(**values)
    return decode


def _sequence(item: Callable[[Any], Any], container: type) -> Callable[[Any], Any]:
    def decode(data: Any) -> Any:
        if type(data) is not list:
            _fail("a list", data)
        out = []
        for n, value in enumerate(data):
            try:
                out.append(item(value))
            except RecordError as exc:
                raise _within(f"[{n}]", exc) from None
        return out if container is list else tuple(out)
    return decode


def _fixed_tuple(items: list[Callable[[Any], Any]]) -> Callable[[Any], Any]:
    def decode(data: Any) -> Any:
        if type(data) is not list or len(data) != len(items):
            _fail(f"a list of {len(items)} items", data)
        out = []
        for n, (value, item) in enumerate(zip(data, items)):
            try:
                out.append(item(value))
            except RecordError as exc:
                raise _within(f"[{n}]", exc) from None
        return tuple(out)
    return decode


def _table(value_decoder: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def decode(data: Any) -> Any:
        if type(data) is not dict:
            _fail("a table", data)
        out = {}
        for key, value in data.items():
            try:
                out[key] = value_decoder(value)
            except RecordError as exc:
                raise _within(f".{key}", exc) from None
        return out
    return decode


def _plain(data: Any) -> Any:
    """Untyped data (a source's metadata): JSON values, with tagged dates turned back into dates."""
    if type(data) is dict:
        if data.keys() == {_DATE_TAG} or data.keys() == {_DATETIME_TAG}:
            tag, text = next(iter(data.items()))
            try:
                return (dt.datetime if tag == _DATETIME_TAG else dt.date).fromisoformat(text)
            except (TypeError, ValueError):
                _fail("an ISO date", text)
        return _table(_plain)(data)
    if type(data) is list:
        return [_plain(v) for v in data]
    if data is None or type(data) in (str, bool, int, float):
        return data
    _fail("JSON data", data)
