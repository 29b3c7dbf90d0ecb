"""FEEL built-ins over lists (``count``, ``sum``, ``min``, ``list contains``, ``flatten``...).
A wrong kind of argument gives null."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from officeflow.rules.feel_registry import builtin, is_numbers, items_of
from officeflow.rules.values import DECIMAL, Function, compare, equal

_ONE = Decimal(1)


# --- lists --------------------------------------------------------------------------------------


@builtin("list contains", "list", "element")
def _list_contains(items: Any, element: Any) -> Any:
    if type(items) is not list:
        return None
    return any(equal(i, element) is True for i in items)


@builtin("count", "list", variadic=True)
def _count(*args: Any) -> Any:
    items = items_of(args)
    return None if items is None else Decimal(len(items))


def _extreme(args: Sequence[Any], sign: int) -> Any:
    items = items_of(args)
    if not items:
        return None
    best = items[0]
    for item in items[1:]:
        order = compare(item, best)
        if order is None:
            return None
        if order * sign > 0:
            best = item
    if len(items) == 1 and compare(best, best) is None:
        return None
    return best


@builtin("min", "list", variadic=True)
def _min(*args: Any) -> Any:
    return _extreme(args, -1)


@builtin("max", "list", variadic=True)
def _max(*args: Any) -> Any:
    return _extreme(args, 1)


@builtin("sum", "list", variadic=True)
def _sum(*args: Any) -> Any:
    items = items_of(args)
    if not items or not all(type(i) is Decimal for i in items):
        return None
    total = Decimal(0)
    for item in items:
        total = DECIMAL.add(total, item)
    return total


@builtin("mean", "list", variadic=True)
def _mean(*args: Any) -> Any:
    total = _sum(*args)
    items = items_of(args)
    return None if total is None or not items else DECIMAL.divide(total, Decimal(len(items)))


@builtin("product", "list", variadic=True)
def _product(*args: Any) -> Any:
    items = items_of(args)
    if not items or not all(type(i) is Decimal for i in items):
        return None
    total = _ONE
    for item in items:
        total = DECIMAL.multiply(total, item)
    return total


@builtin("median", "list", variadic=True)
def _median(*args: Any) -> Any:
    items = items_of(args)
    if not items or not all(type(i) is Decimal for i in items):
        return None
    ordered = sorted(items)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return DECIMAL.divide(DECIMAL.add(ordered[middle - 1], ordered[middle]), Decimal(2))


@builtin("stddev", "list", variadic=True)
def _stddev(*args: Any) -> Any:
    items = items_of(args)
    if not items or len(items) < 2 or not all(type(i) is Decimal for i in items):
        return None
    mean = DECIMAL.divide(sum(items, Decimal(0)), Decimal(len(items)))
    square = sum((DECIMAL.power(i - mean, 2) for i in items), Decimal(0))
    return DECIMAL.sqrt(DECIMAL.divide(square, Decimal(len(items) - 1)))


@builtin("all", "list", variadic=True)
def _all(*args: Any) -> Any:
    items = items_of(args)
    if items is None or any(type(i) is not bool and i is not None for i in items):
        return None
    if any(i is False for i in items):
        return False
    return None if any(i is None for i in items) else True


@builtin("any", "list", variadic=True)
def _any(*args: Any) -> Any:
    items = items_of(args)
    if items is None or any(type(i) is not bool and i is not None for i in items):
        return None
    if any(i is True for i in items):
        return True
    return None if any(i is None for i in items) else False


@builtin("sublist", "list", "start position", "length?")
def _sublist(items: Any, start: Any, length: Any = None) -> Any:
    """Items from ``start position`` (1-based, negative from the end); a position outside the list
    or a negative length is null."""
    if type(items) is not list or not is_numbers(start) or (length is not None and not is_numbers(length)):
        return None
    begin = _position(items, start)
    if begin is None or (length is not None and length < 0):
        return None
    end = len(items) if length is None else begin + int(length)
    return items[begin:end]


def _position(items: list[Any], position: Decimal) -> int | None:
    """The 0-based index of a FEEL position (1-based, negative counting from the end), or None
    when it is not an integer within the list."""
    if position != position.to_integral_value() or position == 0 or abs(position) > len(items):
        return None
    return int(position) - 1 if position > 0 else len(items) + int(position)


@builtin("append", "list", "item", variadic=True)
def _append(items: Any, *more: Any) -> Any:
    return [*items, *more] if type(items) is list else None


@builtin("concatenate", "lists", variadic=True)
def _concatenate(*lists: Any) -> Any:
    if not all(type(i) is list for i in lists):
        return None
    return [item for items in lists for item in items]


@builtin("insert before", "list", "position", "newItem")
def _insert(items: Any, position: Any, new: Any) -> Any:
    if type(items) is not list or not is_numbers(position):
        return None
    index = _position(items, position)
    return None if index is None else [*items[:index], new, *items[index:]]


@builtin("remove", "list", "position")
def _remove(items: Any, position: Any) -> Any:
    if type(items) is not list or not is_numbers(position):
        return None
    index = _position(items, position)
    return None if index is None else [item for i, item in enumerate(items) if i != index]


@builtin("reverse", "list")
def _reverse(items: Any) -> Any:
    return list(reversed(items)) if type(items) is list else None


@builtin("index of", "list", "match")
def _index_of(items: Any, match: Any) -> Any:
    if type(items) is not list:
        return None
    return [Decimal(i + 1) for i, item in enumerate(items) if equal(item, match) is True]


def _distinct(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(equal(item, seen) is True for seen in out):
            out.append(item)
    return out


@builtin("union", "lists", variadic=True)
def _union(*lists: Any) -> Any:
    if not all(type(i) is list for i in lists):
        return None
    return _distinct([item for items in lists for item in items])


@builtin("distinct values", "list")
def _distinct_values(items: Any) -> Any:
    return _distinct(items) if type(items) is list else None


@builtin("flatten", "list")
def _flatten(items: Any) -> Any:
    if type(items) is not list:
        return None
    out: list[Any] = []
    for item in items:
        out.extend(_flatten(item) if type(item) is list else [item])
    return out


@builtin("mode", "list", variadic=True)
def _mode(*args: Any) -> Any:
    """The most frequent numbers, ascending (``mode([6, 1, 9, 6, 1])`` is ``[1, 6]``); ``[]`` for
    an empty list; null when an item is not a number."""
    items = items_of(args)
    if items is None or not all(type(i) is Decimal for i in items):
        return None
    counts: dict[Decimal, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    top = max(counts.values(), default=0)
    return sorted(n for n, c in counts.items() if c == top)


@builtin("sort", "list", "precedes?")
def _sort(items: Any, precedes: Any = None) -> Any:
    """``sort(list)`` in natural order, or ``sort(list, precedes)`` with a function of two
    arguments that is true when the first comes before the second (a stable merge sort, so
    items the function does not order keep their order; a non-boolean answer gives null)."""
    if type(items) is not list:
        return None
    if precedes is None:
        if any(compare(items[0], i) is None for i in items):
            return None
        return sorted(items)
    if type(precedes) is not Function:
        return None
    return _merge_sort(items, precedes)


class _Unordered(Exception):
    """The comparator gave something other than true or false."""


def _merge_sort(items: list[Any], precedes: Function) -> list[Any] | None:
    def before(a: Any, b: Any) -> bool:
        answer = precedes.invoke([a, b])
        if type(answer) is not bool:
            raise _Unordered
        return answer

    def merge(part: list[Any]) -> list[Any]:
        if len(part) <= 1:
            return part
        middle = len(part) // 2
        left, right = merge(part[:middle]), merge(part[middle:])
        out: list[Any] = []
        while left and right:
            out.append(right.pop(0) if before(right[0], left[0]) else left.pop(0))
        return out + left + right

    try:
        return merge(list(items))
    except _Unordered:
        return None


@builtin("list replace", "list", "position", "newItem")
def _list_replace(items: Any, position: Any, new_item: Any) -> Any:
    """Replace the item at ``position`` (1-based, negative from the end), or every item for which
    the function ``position(item, newItem)`` is true (DMN 1.5)."""
    if type(items) is not list:
        return None
    if type(position) is Function:
        out = []
        for item in items:
            hit = position.invoke([item, new_item])
            if type(hit) is not bool:
                return None
            out.append(new_item if hit else item)
        return out
    if not is_numbers(position) or position != position.to_integral_value() or position == 0:
        return None
    index = int(position) - 1 if position > 0 else len(items) + int(position)
    if not 0 <= index < len(items):
        return None
    return [*items[:index], new_item, *items[index + 1 :]]
