"""Is a new version of an event schema backward compatible with the one before?

Compatible means that every payload the old schema accepts, the new one accepts too, so no
existing producer breaks. This rests on one assumption: a property the old schema did not
declare was not sent (so a new optional property is compatible, as in Avro or Protobuf).

The check is structural and conservative. It proves compatibility for the common JSON Schema
keywords (types, properties, required, additionalProperties, enum/const, bounds, lengths,
patterns, formats, items). What it cannot prove (a changed ``anyOf``, ``$ref`` or unknown keyword)
it refuses, with the reason and its JSON pointer.
"""

from __future__ import annotations

from typing import Any

_NUMERIC_TYPES = {"integer": {"integer"}, "number": {"integer", "number"}}
_HANDLED = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "enum",
    "const",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "multipleOf",
    # annotations: no effect on what validates
    "title",
    "description",
    "default",
    "examples",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
    "$schema",
    "$id",
}


def breaking_changes(old: Any, new: Any, pointer: str = "") -> list[str]:
    """Reasons why ``new`` would refuse payloads that ``old`` accepts; empty when compatible."""
    where = pointer or "/"
    if new is True or new == {}:
        return []
    if old is True or old == {}:
        return [f"{where}: the old schema accepted anything here; the new one constrains it"]
    if new is False:
        return [f"{where}: the new schema refuses everything here"]
    if old is False:
        return []
    if not isinstance(old, dict) or not isinstance(new, dict):
        return [] if old == new else [f"{where}: the schema changed in a way that cannot be checked"]
    reasons: list[str] = []
    for keyword in sorted((set(old) | set(new)) - _HANDLED):
        if old.get(keyword) != new.get(keyword):
            reasons.append(f"{where}: '{keyword}' changed; officeflow cannot prove that compatible")
    reasons += _types(old, new, where)
    reasons += _values(old, new, where)
    reasons += _bounds(old, new, where)
    reasons += _objects(old, new, pointer)
    if "items" in new and isinstance(new["items"], dict | bool):
        reasons += breaking_changes(old.get("items", True), new["items"], f"{pointer}/items")
    return reasons


def _types(old: dict[str, Any], new: dict[str, Any], where: str) -> list[str]:
    if "type" not in new:
        return []
    old_types = _as_set(old.get("type")) if "type" in old else {"any"}
    new_types = _as_set(new["type"])
    allowed = set(new_types)
    for t in new_types:
        allowed |= _NUMERIC_TYPES.get(t, set())
    lost = sorted(t for t in old_types if t not in allowed)
    if lost:
        return [f"{where}: type {', '.join(lost)} is no longer accepted (new type: {', '.join(sorted(new_types))})"]
    return []


def _values(old: dict[str, Any], new: dict[str, Any], where: str) -> list[str]:
    reasons = []
    same_single_value = "enum" in old and old["enum"] == [new.get("const")]
    if "const" in new and old.get("const", object()) != new["const"] and not same_single_value:
        reasons.append(f"{where}: 'const' {new['const']!r} refuses values the old schema accepted")
    if "enum" in new:
        old_values = old.get("enum", [old["const"]] if "const" in old else None)
        if old_values is None:
            reasons.append(f"{where}: 'enum' now limits values the old schema left free")
        else:
            lost = [v for v in old_values if v not in new["enum"]]
            if lost:
                reasons.append(f"{where}: enum no longer has {', '.join(repr(v) for v in lost)}")
    if "pattern" in new and new.get("pattern") != old.get("pattern"):
        reasons.append(f"{where}: 'pattern' changed to {new['pattern']!r}")
    if "format" in new and new.get("format") != old.get("format"):
        reasons.append(f"{where}: 'format' {new['format']!r} added or changed")
    if new.get("uniqueItems") and not old.get("uniqueItems"):
        reasons.append(f"{where}: 'uniqueItems' now required")
    if "multipleOf" in new and new.get("multipleOf") != old.get("multipleOf"):
        old_m, new_m = old.get("multipleOf"), new["multipleOf"]
        if old_m is None or (old_m / new_m) != int(old_m / new_m):
            reasons.append(f"{where}: 'multipleOf' {new_m} refuses values the old schema accepted")
    return reasons


def _bounds(old: dict[str, Any], new: dict[str, Any], where: str) -> list[str]:
    reasons = []
    lower = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
    upper = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
    for keyword in (*lower, *upper):
        if keyword not in new:
            continue
        if keyword not in old:
            reasons.append(f"{where}: '{keyword}' {new[keyword]} added")
        elif (new[keyword] > old[keyword]) if keyword in lower else (new[keyword] < old[keyword]):
            reasons.append(f"{where}: '{keyword}' tightened from {old[keyword]} to {new[keyword]}")
    return reasons


def _objects(old: dict[str, Any], new: dict[str, Any], pointer: str) -> list[str]:
    where = pointer or "/"
    reasons = []
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        reasons.append(f"{pointer}/{name}: '{name}' is now required; existing producers may not send it")
    old_props: dict[str, Any] = old.get("properties", {})
    new_props: dict[str, Any] = new.get("properties", {})
    old_extra = old.get("additionalProperties", True)
    new_extra = new.get("additionalProperties", True)
    for name, schema in new_props.items():
        if name in old_props:
            before: Any = old_props[name]
        elif isinstance(old_extra, dict):
            before = old_extra  # undeclared properties had this schema: they may be sent
        else:
            continue  # refused, or never declared: assumed not sent by existing producers
        reasons += breaking_changes(before, schema, f"{pointer}/properties/{name}")
    for name in sorted(set(old_props) - set(new_props)):
        if new_extra is False:
            reasons.append(f"{pointer}/properties/{name}: '{name}' was removed and additional properties are refused")
        elif isinstance(new_extra, dict):
            reasons += breaking_changes(old_props[name], new_extra, f"{pointer}/properties/{name}")
    if old_extra is not False and new_extra is False:
        reasons.append(f"{where}: additional properties are now refused")
    elif isinstance(new_extra, dict) and old_extra is not False:
        reasons += breaking_changes(old_extra, new_extra, f"{pointer}/additionalProperties")
    return reasons


def _as_set(value: Any) -> set[str]:
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)} if value is not None else set()
