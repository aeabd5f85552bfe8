"""DynamoDB single-table access (AppPack layout): items, lookups, claims and versioned updates."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, ConditionBase, ConditionExpressionBuilder, Key
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from orchestrator.adapters.clients import client
from orchestrator.adapters.expressions import ForwardWrite
from orchestrator.settings import adapter_settings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.client import DynamoDBClient

Item = dict[str, Any]
VERSION_ATTR = "record_version"
# The table's TTL attribute (epoch seconds): DynamoDB deletes an item some time after it. Set only on
# transient items; Powertools idempotency records use it too.
EXPIRATION_ATTR = "expiration"


def expires_after(seconds: int, now: float | None = None) -> Item:
    """The attribute that makes an item expire `seconds` from `now` (default: the current time)."""
    return {EXPIRATION_ATTR: int(time.time() if now is None else now) + seconds}


@dataclass(frozen=True)
class ConditionalUpdate:
    """One `set_fields_if`: SET `fields` (and `defaults` where absent; `copies`: see set_fields_returning_old)
    if `condition` holds on the stored item."""

    primary_id: str
    secondary_id: str
    fields: Item
    condition: ConditionBase
    defaults: Item | None = None
    copies: dict[str, tuple[str, Any]] = field(default_factory=dict)
    removes: tuple[str, ...] = ()  # top-level attributes to remove (none of them in `fields`)


def newest_wins(order: str, value: Any, *, replace_equal: bool) -> ConditionBase:
    """The item is absent, or its `order` attribute is lower than `value` (or equal, with `replace_equal`)."""
    stored = Attr(order)
    return Attr("primary_id").not_exists() | (stored.lte(value) if replace_equal else stored.lt(value))


class ConcurrentUpdateError(RuntimeError):
    """A versioned update kept losing the race; the event is retried by Lambda."""


def to_dynamo(value: Any) -> Any:
    """JSON-ish Python values to what the DynamoDB resource accepts (floats become Decimal)."""
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, Mapping):
        return {k: to_dynamo(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_dynamo(v) for v in value]
    return value


def from_dynamo(value: Any) -> Any:
    """Decimals back to int or float, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: from_dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_dynamo(v) for v in value]
    return value


def _is_condition_failure(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"


def _written_or_stored(write: Callable[[], Any]) -> tuple[Any, Item | None]:
    """Run a conditional write that asks DynamoDB for the stored item when its condition fails
    (`ReturnValuesOnConditionCheckFailure`): (its response, None) when written, (None, the stored item or None)
    when the condition failed. Any other error is raised."""
    try:
        return write(), None
    except ClientError as error:
        if not _is_condition_failure(error):
            raise
        item: Any = error.response.get("Item")
        return None, deserialize(item) if item else None


_serializer, _deserializer = TypeSerializer(), TypeDeserializer()


def serialize(item: Item) -> dict[str, Any]:
    """A Python item in DynamoDB's wire format (`{"S": ...}`), floats as Decimal."""
    return {name: _serializer.serialize(value) for name, value in to_dynamo(item).items()}


def deserialize(item: Mapping[str, Any]) -> Item:
    """An item in DynamoDB's wire format back to Python values (numbers as int or float)."""
    return {name: from_dynamo(_deserializer.deserialize(value)) for name, value in item.items()}


def _expression(condition: ConditionBase, *, is_key_condition: bool = False) -> dict[str, Any]:
    """A boto3 condition as the low-level call's expression, names and (serialized) values. Its placeholders
    are `#n<i>` and `:v<i>`: an update expression beside it uses other names."""
    built = ConditionExpressionBuilder().build_expression(condition, is_key_condition=is_key_condition)
    expression: dict[str, Any] = {"ExpressionAttributeNames": built.attribute_name_placeholders}
    if built.attribute_value_placeholders:
        expression["ExpressionAttributeValues"] = serialize(built.attribute_value_placeholders)
    key = "KeyConditionExpression" if is_key_condition else "ConditionExpression"
    return {key: built.condition_expression, **expression}


class Store:
    """The orchestrator's table, through the low-level DynamoDB client (built on first use): the boto3
    resource costs as much again to build as the client, on every cold start and CLI command."""

    IMAGES_KEPT = 32  # items a Store remembers as it last read or wrote them (a handler touches a few)

    def __init__(self, table_name: str | None = None) -> None:
        self._table_name = table_name
        # (primary_id, secondary_id) → the item exactly as stored at its version, from this Store's last read or
        # `update` of it: what an `update` from a guessed `current` of the same version diffs against.
        self._images: dict[tuple[str, str], Item] = {}

    def _remember(self, item: Item) -> None:
        key = (str(item["primary_id"]), str(item["secondary_id"]))
        self._images.pop(key, None)
        if VERSION_ATTR in item:
            self._images[key] = copy.deepcopy(item)
            while len(self._images) > self.IMAGES_KEPT:
                del self._images[next(iter(self._images))]

    def _forget(self, primary_id: str, secondary_id: str) -> None:
        self._images.pop((primary_id, secondary_id), None)

    @property
    def _dynamodb(self) -> DynamoDBClient:
        dynamodb: DynamoDBClient = client("dynamodb")
        return dynamodb

    @property
    def _name(self) -> str:
        return self._table_name or adapter_settings().table_name

    def _key(self, primary_id: str, secondary_id: str) -> dict[str, Any]:
        return {"primary_id": {"S": primary_id}, "secondary_id": {"S": secondary_id}}

    def get(self, primary_id: str, secondary_id: str, *, consistent: bool = True) -> Item | None:
        response = self._dynamodb.get_item(
            TableName=self._name, Key=self._key(primary_id, secondary_id), ConsistentRead=consistent
        )
        item = response.get("Item")
        if item is None:
            self._forget(primary_id, secondary_id)
            return None
        found = deserialize(item)
        self._remember(found)
        return found

    def get_many(self, keys: list[tuple[str, str]], *, consistent: bool = True) -> dict[tuple[str, str], Item]:
        """Several items by key in one BatchGetItem (100 keys a request; unprocessed keys are asked again).
        Keys without an item are absent from the result."""
        found: dict[tuple[str, str], Item] = {}
        wanted = [self._key(pk, sk) for pk, sk in dict.fromkeys(keys)]
        for start in range(0, len(wanted), 100):
            request: dict[str, Any] = {self._name: {"Keys": wanted[start : start + 100], "ConsistentRead": consistent}}
            while request:
                response = self._dynamodb.batch_get_item(RequestItems=request)
                for raw in response.get("Responses", {}).get(self._name, []):
                    item = deserialize(raw)
                    found[(str(item["primary_id"]), str(item["secondary_id"]))] = item
                request = response.get("UnprocessedKeys") or {}
        return found

    def put(self, item: Item) -> None:
        self._forget(str(item["primary_id"]), str(item["secondary_id"]))
        self._dynamodb.put_item(TableName=self._name, Item=serialize(item))

    def put_if_absent(self, item: Item) -> bool:
        """Write `item` only if its key is new. True when this call created it (a claim)."""
        return self._put_if(item, Attr("primary_id").not_exists())

    def _put_if(self, item: Item, condition: ConditionBase) -> bool:
        self._forget(str(item["primary_id"]), str(item["secondary_id"]))
        try:
            self._dynamodb.put_item(TableName=self._name, Item=serialize(item), **_expression(condition))
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def try_put(self, item: Item, condition: ConditionBase) -> tuple[bool, Item | None]:
        """Put `item` if `condition` holds: (True, None); otherwise (False, the item as stored, or None), from
        the failed condition's response (no read)."""
        self._forget(str(item["primary_id"]), str(item["secondary_id"]))
        response, stored = _written_or_stored(
            lambda: self._dynamodb.put_item(
                TableName=self._name, Item=serialize(item), ReturnValuesOnConditionCheckFailure="ALL_OLD",
                **_expression(condition),
            )
        )  # fmt: skip
        return response is not None, stored

    def put_all_if(self, items: list[Item], condition: ConditionBase) -> list[Item | None] | None:
        """Put all `items` (at most 100) or none, each on `condition`, in one TransactWriteItems. None when
        written; else, per item, the stored item whose condition failed (None for the others, and where
        DynamoDB did not return it)."""
        for item in items:
            self._forget(str(item["primary_id"]), str(item["secondary_id"]))
        expression = _expression(condition)
        options = {"TableName": self._name, **expression, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}
        puts: Any = [{"Put": {"Item": serialize(item), **options}} for item in items]
        try:
            self._dynamodb.transact_write_items(TransactItems=puts)
        except ClientError as error:
            reasons = error.response.get("CancellationReasons") or []
            if not any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                raise
            return [
                (deserialize(r["Item"]) if r.get("Item") else {}) if r.get("Code") == "ConditionalCheckFailed" else None
                for r in reasons
            ]
        for item in items:  # as stored (a later `update` of one starts from it, with no read)
            self._remember(from_dynamo(to_dynamo(item)))
        return None

    def put_all_if_absent(self, items: list[Item]) -> list[Item | None] | None:
        """Write every item only if its key is new, all or none, in one TransactWriteItems. None when written;
        otherwise, for each item, what is stored under its key (None where the key is still free)."""
        return self.put_all_if(items, Attr("primary_id").not_exists())

    def delete(self, primary_id: str, secondary_id: str) -> None:
        self._forget(primary_id, secondary_id)
        self._dynamodb.delete_item(TableName=self._name, Key=self._key(primary_id, secondary_id))

    def delete_if(self, primary_id: str, secondary_id: str, condition: ConditionBase) -> bool:
        """Delete the item if `condition` holds on it. True when this call deleted it."""
        self._forget(primary_id, secondary_id)
        try:
            self._dynamodb.delete_item(
                TableName=self._name, Key=self._key(primary_id, secondary_id), **_expression(condition)
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def query(
        self, primary_id: str, prefix: str = "", *, newest_first: bool = False, limit: int | None = None,
        attributes: tuple[str, ...] = (), between: tuple[str, str] | None = None,
    ) -> list[Item]:
        """The items of `primary_id` whose secondary id starts with `prefix` (or lies `between` two, both
        included), in key order (or newest first). `attributes`: only these in each item returned."""
        condition: ConditionBase = Key("primary_id").eq(primary_id)
        if between is not None:
            condition = condition & Key("secondary_id").between(*between)
        elif prefix:
            condition = condition & Key("secondary_id").begins_with(prefix)
        kwargs: dict[str, Any] = {
            "TableName": self._name, "ScanIndexForward": not newest_first,
            **_expression(condition, is_key_condition=True),
        }  # fmt: skip
        if attributes:
            projected = {f"#p{index}": name for index, name in enumerate(attributes)}
            kwargs["ProjectionExpression"] = ", ".join(projected)
            kwargs["ExpressionAttributeNames"] = {**kwargs["ExpressionAttributeNames"], **projected}
        items: list[Item] = []
        while True:
            if limit is not None:
                kwargs["Limit"] = limit - len(items)
            response = self._dynamodb.query(**kwargs)
            items.extend(deserialize(i) for i in response.get("Items", []))
            last = response.get("LastEvaluatedKey")
            if not last or (limit is not None and len(items) >= limit):
                return items
            kwargs["ExclusiveStartKey"] = last

    def set_fields_unless_newer(
        self,
        primary_id: str,
        secondary_id: str,
        fields: Item,
        *,
        order: str,
        replace_equal: bool,
        defaults: Item | None = None,
        order_value: Any = None,
    ) -> bool:
        """Newest wins, in one conditional write and no read: set `fields` unless the stored item's `order`
        attribute (e.g. a build number) is higher than `fields[order]` (or `order_value`, when `fields` do not
        set it), or equal, unless `replace_equal`. `defaults` are set only where the item has no such
        attribute yet. True when written."""
        value = fields[order] if order_value is None else order_value
        condition = newest_wins(order, value, replace_equal=replace_equal)
        return self.set_fields_if(primary_id, secondary_id, fields, condition, defaults=defaults)

    def set_fields_if(
        self,
        primary_id: str,
        secondary_id: str,
        fields: Item,
        condition: ConditionBase,
        *,
        defaults: Item | None = None,
    ) -> bool:
        """One conditional UpdateItem, no read: SET each of `fields` (None values are skipped; other attributes
        are kept) and each of `defaults` where absent, if `condition` holds on the stored item (or on the
        absent item). A dotted field name (`value.phase`, `value.processes[0].cpu`) is a path that must exist (no attribute
        of this table has a dot in its name). Bumps the version attribute, so an optimistic `update` of the
        same item in flight retries. True when written."""
        written, _ = self.set_fields_returning_old(primary_id, secondary_id, fields, condition, defaults=defaults)
        return written

    def set_fields_returning_old(
        self,
        primary_id: str,
        secondary_id: str,
        fields: Item,
        condition: ConditionBase,
        *,
        defaults: Item | None = None,
        copies: Mapping[str, tuple[str, Any]] | None = None,
        removes: tuple[str, ...] = (),
    ) -> tuple[bool, Item | None]:
        """`set_fields_if`, also returning the item as it was before the call, whether the condition held or
        not (DynamoDB returns it either way: `ReturnValues` and `ReturnValuesOnConditionCheckFailure`), so a
        caller whose condition failed can merge and write without reading it. (written, old item or None).
        `copies`: attribute → (attribute, default): set to the other attribute's value before this update
        (or the default where it has none), in the same write, e.g. to keep the value `fields` replace.
        `removes`: top-level attributes the write removes (none of them may be in `fields`)."""
        request = self._update_request(
            ConditionalUpdate(primary_id, secondary_id, fields, condition, defaults, dict(copies or {}), removes)
        )
        return self._update_item_returning_old(request)

    def _update_item_returning_old(self, request: dict[str, Any]) -> tuple[bool, Item | None]:
        """One UpdateItem; (written, the item as it was before, or None). DynamoDB returns the old item whether
        the condition held or not."""
        response, stored = _written_or_stored(
            lambda: self._dynamodb.update_item(
                **request, ReturnValues="ALL_OLD", ReturnValuesOnConditionCheckFailure="ALL_OLD"
            )
        )
        if response is None:
            return False, stored
        old = response.get("Attributes")
        return True, deserialize(old) if old else None

    def _update_request(self, update: ConditionalUpdate) -> dict[str, Any]:
        """The UpdateItem (or transaction Update) parameters of `update` (see `set_fields_returning_old`)."""
        fields, defaults, copies = update.fields, update.defaults, update.copies
        names: dict[str, str] = {"#version": VERSION_ATTR}
        values: dict[str, Any] = {":one": 1}
        sets = []
        for index, (name, value) in enumerate(sorted(fields.items())):
            if value is None or name in ("primary_id", "secondary_id", VERSION_ATTR):
                continue
            # boto3's condition builder names its own placeholders #n<i> and :v<i>: these must not collide.
            path = []
            for part, segment in enumerate(name.split(".")):
                attribute, bracket, rest = segment.partition("[")  # `processes[2]`: a list element
                names[f"#set{index}p{part}"] = attribute
                path.append(f"#set{index}p{part}{bracket}{rest}")
            values[f":set{index}"] = to_dynamo(value)
            sets.append(f"{'.'.join(path)} = :set{index}")
        for index, (name, value) in enumerate(sorted((defaults or {}).items())):
            if value is None or name in fields:
                continue
            names[f"#def{index}"], values[f":def{index}"] = name, to_dynamo(value)
            sets.append(f"#def{index} = if_not_exists(#def{index}, :def{index})")
        for index, (name, (source, default)) in enumerate(sorted((copies or {}).items())):
            names[f"#cp{index}"], names[f"#cps{index}"], values[f":cp{index}"] = name, source, to_dynamo(default)
            sets.append(f"#cp{index} = if_not_exists(#cps{index}, :cp{index})")  # operands read the old item
        removes = []
        for index, name in enumerate(update.removes):
            names[f"#rm{index}"] = name
            removes.append(f"#rm{index}")
        expression = _expression(update.condition)
        text = f"SET {', '.join(sets)} ADD #version :one" if sets else "ADD #version :one"
        return {
            "TableName": self._name,
            "Key": self._key(update.primary_id, update.secondary_id),
            "UpdateExpression": f"{text} REMOVE {', '.join(removes)}" if removes else text,
            "ConditionExpression": expression["ConditionExpression"],
            "ExpressionAttributeNames": {**names, **expression["ExpressionAttributeNames"]},
            "ExpressionAttributeValues": {**serialize(values), **expression.get("ExpressionAttributeValues", {})},
        }

    def set_fields_together(self, updates: list[ConditionalUpdate]) -> list[bool]:
        """Several `set_fields_if`, in one TransactWriteItems when every condition holds. When some do not,
        DynamoDB writes none of them; the others are then written one by one, each on its own condition.
        Whether each was written, in order."""
        if len(updates) < 2:
            return [self.set_fields_if(u.primary_id, u.secondary_id, u.fields, u.condition, defaults=u.defaults)
                    for u in updates]  # fmt: skip
        try:
            self._dynamodb.transact_write_items(
                TransactItems=[{"Update": self._update_request(u)} for u in updates]  # type: ignore[typeddict-item]
            )
        except ClientError as error:
            reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []  # type: ignore[assignment]
            if not any(r.get("Code") == "ConditionalCheckFailed" for r in reasons):
                raise
            return [
                reason.get("Code") != "ConditionalCheckFailed"
                and self.set_fields_if(u.primary_id, u.secondary_id, u.fields, u.condition, defaults=u.defaults)
                for u, reason in zip(updates, reasons, strict=True)
            ]
        return [True] * len(updates)

    def update_forward(
        self,
        primary_id: str,
        secondary_id: str,
        write: ForwardWrite,
        change: Callable[[Item | None], Item | None],
        *,
        likely_absent: bool = False,
        riders: frozenset[str] = frozenset(),
    ) -> tuple[Item | None, Item | None]:
        """A forward-only change in one UpdateItem where it can be: `write` SETs what its condition proves
        `change` would store for those attributes (the caller builds both). Then the attributes `change` derives
        from the rest of the item (top-level ones that `write` does not touch) are written only if they moved,
        conditional on the version just written. When the condition fails (first write, a late or reordered
        change), the optimistic `update` runs from the item DynamoDB returned with the failure, with no read.
        Returns (before, after) like `update`; after carries the version written, so this invocation's next
        `update(current=...)` needs no read. `likely_absent`: the change usually creates the item (the
        first event of a build), so it is put first, on "absent" (1 call; 3 when the item exists after all).
        `riders`: derived attributes worth writing only along with another one (no write of their own); when
        they do not ride, they keep their stored values in the item returned."""
        if likely_absent:
            return self.update(primary_id, secondary_id, change, current=None, current_is_read=True)
        self._forget(primary_id, secondary_id)
        written, old = self._update_returning_old(primary_id, secondary_id, write)
        if not written or old is None:
            return self.update(primary_id, secondary_id, change, current=old, current_is_read=True)
        merged = change(old)
        version = int(old.get(VERSION_ATTR, 0)) + 1
        if merged is None:
            return old, None
        meta = ("primary_id", "secondary_id", VERSION_ATTR)
        derived = {
            k: v for k, v in merged.items() if k not in write.text.touched and k not in meta and old.get(k) != v
        }
        if derived.keys() <= riders:
            derived = {}
            merged = {k: v for k, v in merged.items() if k not in riders} | {k: old[k] for k in riders if k in old}
        if derived:
            if not self.set_fields_if(primary_id, secondary_id, derived, Attr(VERSION_ATTR).eq(version)):
                return self.update(primary_id, secondary_id, change)  # written meanwhile: from a fresh read
            version += 1
        after = {**merged, "primary_id": primary_id, "secondary_id": secondary_id, VERSION_ATTR: version}
        self._remember(after)  # what the writes stored: `write` SET what `change` computes for what it touches
        unchanged = {k: v for k, v in merged.items() if k not in meta} == {k: v for k, v in old.items() if k not in meta}
        return old, None if unchanged else after

    def _update_returning_old(self, primary_id: str, secondary_id: str, write: ForwardWrite) -> tuple[bool, Item | None]:
        """`write` as one UpdateItem that bumps the version; (written, the item as it was before, or None)."""
        return self._update_item_returning_old(self._forward_request(primary_id, secondary_id, write))

    def _forward_request(self, primary_id: str, secondary_id: str, write: ForwardWrite) -> dict[str, Any]:
        text = write.text
        return {
            "TableName": self._name,
            "Key": self._key(primary_id, secondary_id),
            "UpdateExpression": f"SET {text.update} ADD #version :one" if text.update else "ADD #version :one",
            "ConditionExpression": text.condition,
            "ExpressionAttributeNames": {**text.names, "#version": VERSION_ATTR},
            "ExpressionAttributeValues": serialize({**write.values, ":one": 1}),
        }

    def write_quietly(self, primary_id: str, secondary_id: str, write: ForwardWrite) -> tuple[bool, Item | None]:
        """`write` as one UpdateItem that returns nothing when it is written: for a write whose condition also
        proves that nothing else of the item would move (the caller needs no image of it). When the condition
        fails, DynamoDB returns the item, to merge from without a read: (False, the item or None)."""
        self._forget(primary_id, secondary_id)
        response, stored = _written_or_stored(
            lambda: self._dynamodb.update_item(
                **self._forward_request(primary_id, secondary_id, write), ReturnValuesOnConditionCheckFailure="ALL_OLD"
            )
        )
        return response is not None, stored

    def update_quietly(
        self, primary_id: str, secondary_id: str, write: ForwardWrite, change: Callable[[Item | None], Item | None]
    ) -> tuple[Item | None, Item | None] | None:
        """`write_quietly`; None when it was written. Otherwise `change` runs from the item its failed condition
        returned (no read), as `update` would from a read: (before, after)."""
        written, old = self.write_quietly(primary_id, secondary_id, write)
        if written:
            return None
        return self.update(primary_id, secondary_id, change, current=old, current_is_read=True)

    def update(
        self,
        primary_id: str,
        secondary_id: str,
        change: Callable[[Item | None], Item | None],
        attempts: int = 8,
        *,
        current: Item | None = None,
        current_is_read: bool = False,
    ) -> tuple[Item | None, Item | None]:
        """Optimistic read-modify-write. `change` gets the current item (or None) and returns the new
        item, or None for "nothing to change". Returns (before, after); after is None when unchanged.
        The version attribute makes concurrent writers retry instead of overwriting each other.

        `current`: the item as this caller last read or wrote it (with its version attribute). The first
        attempt starts from it instead of a read; the write stays conditional on its version, so a stale
        `current` only costs a retry from a fresh read. "Unchanged" is only ever concluded from the item as
        stored: a read, or this Store's image of `current`'s version (what it last read or wrote);
        `current_is_read`: `current` is one (the item a failed conditional write returned; None: absent).
        The write sends only the attributes that changed when it starts from the item as stored."""
        known = current if current_is_read or (current is not None and VERSION_ATTR in current) else None
        confirmed = current_is_read
        # Without a `current`, the image of what this Store last read or wrote is the first guess (no read);
        # it was stored, so the write may send only what changed, but "unchanged" still needs a read.
        remembered = current is None and not current_is_read and (primary_id, secondary_id) in self._images
        if remembered:
            known = copy.deepcopy(self._images[(primary_id, secondary_id)])
        for _ in range(attempts):
            guessed = known is not None and not confirmed
            image = self._image_at(primary_id, secondary_id, known) if guessed and not remembered else None
            if image is not None:  # a guess of a version this Store read or wrote: start from what it stored
                known, confirmed, guessed = copy.deepcopy(image), True, False
            before = known if known is not None or confirmed else self.get(primary_id, secondary_id)
            # The write sends only what differs from the item as stored (`change` may edit `before` in place:
            # a copy). A guess without an image may show changes not written yet: the whole item is put.
            stored = copy.deepcopy(before) if remembered or not guessed else None
            known, confirmed, remembered = None, False, False
            after = change(before)
            if after is None or after == before:
                if guessed:
                    continue  # confirm "unchanged" against the stored item
                return before, None
            version = (before or {}).get(VERSION_ATTR, 0)
            new_item = {**after, "primary_id": primary_id, "secondary_id": secondary_id, VERSION_ATTR: version + 1}
            if before is None:
                written = self._put_if(new_item, Attr("primary_id").not_exists())
            elif stored is None:
                written = self._put_if(new_item, Attr(VERSION_ATTR).eq(version))
            else:
                written = self._write_changes(stored, new_item, version)
            if not written:
                self._forget(primary_id, secondary_id)
                continue
            self._remember(new_item)
            return before, new_item
        raise ConcurrentUpdateError(f"{primary_id}/{secondary_id}: too many concurrent updates")

    def _image_at(self, primary_id: str, secondary_id: str, current: Item | None) -> Item | None:
        image = self._images.get((primary_id, secondary_id))
        if image is None or current is None or image.get(VERSION_ATTR) != current.get(VERSION_ATTR):
            return None
        return image

    def _write_changes(self, before: Item, new_item: Item, version: int) -> bool:
        """`new_item` over `before` as one UpdateItem of the attributes that differ, on `before`'s version: what
        the version proves stored is `before`, so the result is `new_item`, and the request (which DynamoDB
        and its emulators parse value by value) carries only the change, not the whole record."""
        meta = ("primary_id", "secondary_id", VERSION_ATTR)
        changed = sorted(k for k, v in new_item.items() if k not in meta and v is not None and before.get(k) != v)
        removed = sorted(k for k in before if k not in meta and new_item.get(k) is None)  # a put drops None
        names: dict[str, str] = {"#version": VERSION_ATTR}
        values: dict[str, Any] = {":version": version, ":next": version + 1}
        sets = ["#version = :next"]
        for index, name in enumerate(changed):
            names[f"#c{index}"], values[f":c{index}"] = name, to_dynamo(new_item[name])
            sets.append(f"#c{index} = :c{index}")
        for index, name in enumerate(removed):
            names[f"#r{index}"] = name
        remove = f" REMOVE {', '.join(f'#r{index}' for index in range(len(removed)))}" if removed else ""
        try:
            self._dynamodb.update_item(
                TableName=self._name,
                Key=self._key(str(new_item["primary_id"]), str(new_item["secondary_id"])),
                UpdateExpression=f"SET {', '.join(sets)}{remove}",
                ConditionExpression="#version = :version",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=serialize(values),
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True


class PrefetchedStore(Store):
    """A read view of the table whose `get` of the keys given is answered by one BatchGetItem made up front;
    other keys, and every write, go to the table. For a command that shows several fixed items of one app
    (`ps`): the code that reads them item by item stays as it is, and makes one round trip."""

    def __init__(self, keys: list[tuple[str, str]], table_name: str | None = None) -> None:
        super().__init__(table_name)
        self._prefetched = frozenset(keys)
        self._items = self.get_many(keys)

    def get(self, primary_id: str, secondary_id: str, *, consistent: bool = True) -> Item | None:
        key = (primary_id, secondary_id)
        if key not in self._prefetched:
            return super().get(primary_id, secondary_id, consistent=consistent)
        item = self._items.get(key)
        return copy.deepcopy(item) if item is not None else None  # callers may change what they get
