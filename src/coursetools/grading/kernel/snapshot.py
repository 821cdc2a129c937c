"""Identity snapshots of mutable state, and their restoration.

A snapshot remembers *which objects* were in a place (an attribute, a list, a
dict), not copies of them: restoring puts the same objects back, and a
difference is reported by name. Lists and dicts are followed two levels deep
(``events.callbacks`` is a dict of lists). Only what the grader protects is
snapshotted; everything else in the kernel belongs to the notebook.
"""

from __future__ import annotations

import itertools
import operator
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

MISSING: Any = object()
_CODE_LIKE = (
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.MethodDescriptorType,
    types.WrapperDescriptorType,
    classmethod,
    staticmethod,
    property,
    type,
)


def is_code_like(value: object) -> bool:
    """Functions, methods, descriptors and classes: what monkeypatching replaces."""
    return isinstance(value, _CODE_LIKE)


@dataclass(frozen=True)
class Held:
    """An object and, for lists and dicts, what they held."""

    value: object
    items: tuple[object, ...] | dict[object, Held] | None = None

    @classmethod
    def of(cls, value: object, depth: int = 2) -> Held:
        if depth and type(value) is list:
            return cls(value, tuple(value))
        if depth and type(value) is dict:
            return cls(value, {key: cls.of(item, depth - 1) for key, item in value.items()})
        return cls(value)

    def same(self, current: object) -> bool:
        if current is not self.value:
            return False
        if isinstance(self.items, tuple):
            # ``current is self.value``, whose type ``self.items`` mirrors; mypy cannot see
            # that through ``object``: hence the ignores in this method and in refill.
            return len(current) == len(self.items) and all(  # type: ignore[arg-type]
                a is b
                for a, b in zip(current, self.items, strict=False)  # type: ignore[call-overload]
            )
        if isinstance(self.items, dict):
            return current.keys() == self.items.keys() and all(  # type: ignore[attr-defined]
                held.same(current[key])  # type: ignore[index]
                for key, held in self.items.items()
            )
        return True

    def refill(self) -> None:
        """Put the remembered items back into the (same) container."""
        if isinstance(self.items, tuple):
            # ``self.value`` is the list or dict ``self.items`` mirrors, typed ``object`` (as
            # in ``same``).
            self.value[:] = list(self.items)  # type: ignore[index]
        elif isinstance(self.items, dict):
            container: dict[object, object] = self.value  # type: ignore[assignment]
            for key in [k for k in container if k not in self.items]:
                del container[key]
            for key, held in self.items.items():
                container[key] = held.value
                held.refill()


def get(owner: object, attr: str) -> object:
    if isinstance(owner, dict):
        return owner.get(attr, MISSING)
    try:
        return getattr(owner, attr)
    except Exception:
        return MISSING


def put(owner: object, attr: str, value: object) -> None:
    if isinstance(owner, dict):
        if value is MISSING:
            owner.pop(attr, None)
        else:
            owner[attr] = value
    elif value is MISSING:
        if attr in getattr(owner, "__dict__", {}):
            delattr(owner, attr)
    else:
        setattr(owner, attr, value)


@dataclass(eq=False)  # by identity: the guard keeps sets of them (id() raises an audit event)
class Place:
    """``owner.<attr>`` (or ``owner[attr]`` for a dict) and what it held."""

    label: str
    owner: object
    attr: str
    held: Held

    @classmethod
    def take(cls, label: str, owner: object, attr: str) -> Place:
        return cls(label, owner, attr, Held.of(get(owner, attr)))

    def changed(self) -> bool:
        return not self.held.same(get(self.owner, self.attr))

    def restore(self) -> None:
        if get(self.owner, self.attr) is not self.held.value:
            put(self.owner, self.attr, self.held.value)
        self.held.refill()


@dataclass(eq=False)
class Namespace:
    """The code-like entries of a module's or class's ``__dict__``.

    Differences: an entry replaced or removed; for a class, any code-like entry
    added (a method patched onto a subclass shadows the base class's); for a
    module, which may gain globals (lazy imports), an added function written in
    a notebook cell. ``foreign`` decides what "written in a notebook cell" means.
    """

    label: str
    owner: Any
    entries: dict[str, object] = field(default_factory=dict)
    names: frozenset[str] = frozenset()
    tainted: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._keys_values = (tuple(self.entries), tuple(self.entries.values()))
        self._whole: tuple[tuple[str, ...], tuple[object, ...]] | None = None  # set by take

    @classmethod
    def take(cls, label: str, owner: Any, foreign: Callable[[object], bool]) -> Namespace:
        try:
            items = dict(vars(owner))
        except TypeError:
            items = {}
        tainted = tuple(name for name, value in items.items() if _foreign(value, foreign))
        entries = {k: v for k, v in items.items() if is_code_like(v) and k not in tainted}
        snapshot = cls(label, owner, entries, frozenset(items) - set(tainted), tainted)
        snapshot._whole = (tuple(items), tuple(items.values()))
        return snapshot

    def current(self) -> bool:
        """Whether taking this snapshot again would give the same one, if nothing in it is
        foreign: the same names, as many code-like entries, the same objects under them.

        A kernel's seal asks this of thousands of namespaces, most of them untouched:
        the same names in the same order bound to the same objects answer at once.
        """
        if self.tainted or self._whole is None:
            return False
        try:
            mapping = vars(self.owner)
        except TypeError:
            return False
        keys, values = self._whole
        if len(mapping) != len(keys):
            return False
        if not any(map(operator.is_not, mapping, keys)) and not any(
            map(operator.is_not, mapping.values(), values)
        ):
            return True
        code_keys, code_values = self._keys_values
        return (
            mapping.keys() == self.names
            and sum(map(isinstance, mapping.values(), itertools.repeat(_CODE_LIKE)))
            == len(code_keys)
            and not any(map(operator.is_not, map(mapping.get, code_keys), code_values))
        )

    def files(self) -> set[str]:
        """The files its functions' code comes from (what decides if one is foreign)."""
        return {
            value.__code__.co_filename
            for value in self.entries.values()
            if isinstance(value, types.FunctionType)
        }

    def _added(self, current: dict[str, object], foreign: Callable[[object], bool]) -> list[str]:
        if len(current) == len(self.names):
            return []
        is_class = isinstance(self.owner, type)
        return [
            name
            for name in current.keys() - self.names
            if (is_code_like(current[name]) if is_class else _foreign(current[name], foreign))
        ]

    def changed(self, foreign: Callable[[object], bool]) -> list[str]:
        current = vars(self.owner)
        keys, values = self._keys_values
        if len(current) == len(self.names) and not any(
            map(operator.is_not, map(current.get, keys), values)
        ):
            return [f"{self.label}.{name}" for name in self.tainted if name in current]
        names = [n for n, value in self.entries.items() if current.get(n, MISSING) is not value]
        names += self._added(current, foreign) + [n for n in self.tainted if n in current]
        return [f"{self.label}.{name}" for name in names]

    def restore(self, foreign: Callable[[object], bool]) -> None:
        current = vars(self.owner)
        for name in [*self._added(current, foreign), *(n for n in self.tainted if n in current)]:
            if isinstance(self.owner, type):
                type.__delattr__(self.owner, name)
            else:
                object.__delattr__(self.owner, name)
        for name, value in self.entries.items():
            if current.get(name, MISSING) is not value:
                if isinstance(self.owner, type):
                    type.__setattr__(self.owner, name, value)
                else:
                    object.__setattr__(self.owner, name, value)


class Watch:
    """Tells in one pass of C-level loops which of many snapshots may have changed.

    Checking thousands of module and class namespaces one by one (a Python call
    each) cost a test cell tens of milliseconds, twice. A watched snapshot's own
    check answers "unchanged" whenever it has as many entries as when taken and
    the same objects under its code-like names (a :class:`Namespace` without
    tainted entries), or the same object in a dict (a :class:`Place` holding
    neither a list, a dict nor None). :meth:`suspects` finds the others: those
    whose size changed (a module may gain globals), or every watched snapshot
    when some watched object was replaced. Only suspects need their own check.
    """

    def __init__(self) -> None:
        self._items: list[Place | Namespace] = []
        self._namespaces: list[Namespace] = []
        self._mappings: list[Mapping[str, object]] = []
        self._sizes: list[int] = []
        self._getters: list[Callable[[Mapping[str, object]], tuple[object, ...]]] = []
        self._looked_up: list[Mapping[str, object]] = []
        self._values: list[object] = []

    def add(self, item: Place | Namespace) -> bool:
        """Watch ``item``; False if it must be checked on its own every time."""
        if isinstance(item, Namespace):
            if item.tainted:
                return False
            try:
                mapping: Mapping[str, object] = vars(item.owner)  # a class's: a live view
            except TypeError:
                return False
            self._namespaces.append(item)
            self._mappings.append(mapping)
            self._sizes.append(len(item.names))
            keys, values = list(item.entries), list(item.entries.values())
        elif (
            type(item.owner) is dict
            and item.held.items is None
            and item.held.value is not None
            and item.held.value is not MISSING
        ):
            mapping, keys, values = item.owner, [item.attr], [item.held.value]
        else:
            return False
        self._items.append(item)
        if len(keys) == 1:  # itemgetter of one key answers the value, not a 1-tuple
            keys, values = keys * 2, values * 2
        if keys:
            self._getters.append(operator.itemgetter(*keys))
            self._looked_up.append(mapping)
            self._values += values
        return True

    def suspects(self) -> list[Place | Namespace]:
        """The watched snapshots whose own check might not answer "unchanged"."""
        try:
            current = itertools.chain.from_iterable(
                map(operator.call, self._getters, self._looked_up)
            )
            if any(map(operator.is_not, current, self._values)):
                return list(self._items)
        except KeyError:  # a watched name was removed
            return list(self._items)
        resized = map(operator.ne, map(len, self._mappings), self._sizes)
        return list(itertools.compress(self._namespaces, resized))


def _foreign(value: object, foreign: Callable[[object], bool]) -> bool:
    return isinstance(value, types.FunctionType) and foreign(value.__code__.co_filename)
