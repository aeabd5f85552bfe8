"""Decode DynamoDB items into Go structs the way aws-sdk-go-v2's `attributevalue` does (AppPack's CLI uses it).

A Go struct is written here as a dataclass whose fields carry their Go tag name (`go("cluster")`) and Go type:
`str` (string, and the SDK's string enums), `int` (int, int32, int64), `bool`, `float`, `list[T]` (slice),
`dict[str, T]` (map), `T | None` (pointer) and nested dataclasses (structs). The rules that matter:

- a missing attribute, or NULL, leaves the Go zero value ("", 0, false, nil);
- S decodes only into a string (never an int or bool: `UnmarshalTypeError`); N decodes into numbers and into
  strings; BOOL only into bool; L into slices; M into structs and maps;
- a map key matches a field by its tag name, else case-insensitively (`strings.EqualFold`);
- attributes with no field are ignored by Go. They are collected in `ignored`, because a name the CLI never
  reads is data it silently loses, which the tests treat as a failure.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, TypeVar, get_args, get_origin

T = TypeVar("T")


class GoUnmarshalError(ValueError):
    """What `attributevalue.UnmarshalMap` returns as an error: the CLI would stop here."""


def go(tag: str) -> Any:
    """A struct field with its Go tag (or, untagged, its Go name) and Go's zero value as default."""
    return dataclasses.field(default=None, metadata={"go": tag})


def decode_item(item: dict[str, Any], struct: type[T]) -> tuple[T, list[str]]:
    """`attributevalue.UnmarshalMap(item, &struct)`; the value and the attribute paths Go ignored."""
    ignored: list[str] = []
    value = _decode({"M": item}, struct, "", ignored)
    return value, ignored


def _zero(go_type: Any) -> Any:
    origin = get_origin(go_type)
    if go_type is str:
        return ""
    if go_type is bool:
        return False
    if go_type in (int, float):
        return go_type()
    if origin in (types.UnionType, typing.Union):
        return None  # a nil pointer
    if origin in (list, dict):
        return None  # a nil slice or map
    if dataclasses.is_dataclass(go_type):
        hints = typing.get_type_hints(go_type)
        return go_type(**{f.name: _zero(hints[f.name]) for f in dataclasses.fields(go_type)})
    raise TypeError(f"no Go type for {go_type!r}")


def _kind(attribute: dict[str, Any]) -> str:
    if len(attribute) != 1:
        raise GoUnmarshalError(f"not one AttributeValue: {attribute!r}")
    return next(iter(attribute))


def _mismatch(kind: str, go_type: Any, path: str) -> GoUnmarshalError:
    names = {"S": "string", "N": "number", "BOOL": "bool", "L": "list", "M": "map", "SS": "string set"}
    return GoUnmarshalError(f"{path or '<item>'}: cannot unmarshal {names.get(kind, kind)} into Go value of type {go_type}")


def _decode(attribute: dict[str, Any], go_type: Any, path: str, ignored: list[str]) -> Any:
    kind = _kind(attribute)
    if kind == "NULL":
        return _zero(go_type)
    raw = attribute[kind]
    origin = get_origin(go_type)
    if origin in (types.UnionType, typing.Union):  # a pointer: decode into what it points at
        (inner,) = [a for a in get_args(go_type) if a is not type(None)]
        return _decode(attribute, inner, path, ignored)
    if go_type is str:
        if kind in ("S", "N"):  # the SDK sets a string from a number's text
            return str(raw)
        raise _mismatch(kind, "string", path)
    if go_type is int:
        if kind != "N":
            raise _mismatch(kind, "int", path)
        try:
            return int(str(raw), 10)  # strconv.ParseInt: "1.5" or "1e3" is an error
        except ValueError:
            raise GoUnmarshalError(f"{path}: strconv.ParseInt: parsing {raw!r}: invalid syntax") from None
    if go_type is float:
        if kind != "N":
            raise _mismatch(kind, "float64", path)
        return float(raw)
    if go_type is bool:
        if kind != "BOOL":
            raise _mismatch(kind, "bool", path)
        return bool(raw)
    if origin is list:
        if kind == "SS" and get_args(go_type)[0] is str:
            return list(raw)
        if kind != "L":
            raise _mismatch(kind, f"[]{get_args(go_type)[0]}", path)
        (element,) = get_args(go_type)
        return [_decode(a, element, f"{path}[{i}]", ignored) for i, a in enumerate(raw)]
    if origin is dict:
        if kind != "M":
            raise _mismatch(kind, "map", path)
        _, element = get_args(go_type)
        return {k: _decode(a, element, f"{path}.{k}", ignored) for k, a in raw.items()}
    if dataclasses.is_dataclass(go_type):
        if kind != "M":
            raise _mismatch(kind, go_type.__name__, path)
        return _decode_struct(raw, go_type, path, ignored)
    raise TypeError(f"no Go type for {go_type!r}")


def _decode_struct(raw: dict[str, Any], struct: Any, path: str, ignored: list[str]) -> Any:
    hints = typing.get_type_hints(struct)
    fields = {f.metadata["go"]: f for f in dataclasses.fields(struct)}
    values = {f.name: _zero(hints[f.name]) for f in dataclasses.fields(struct)}
    for key, attribute in raw.items():
        field = fields.get(key) or next((f for tag, f in fields.items() if tag.casefold() == key.casefold()), None)
        where = f"{path}.{key}" if path else key
        if field is None:
            ignored.append(where)
            continue
        values[field.name] = _decode(attribute, hints[field.name], where, ignored)
    return struct(**values)
