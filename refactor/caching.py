"""A lock-free ``cached_property`` for the engine's immutable values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Self, TypeVar, overload

__all__ = ["cached"]

T = TypeVar("T")


class cached(Generic[T]):
    """``functools.cached_property`` without its lock (Python 3.11 takes one per first read,
    which costs more than most of what is cached here). The values cached are derived from
    immutable objects (or objects used by one thread), so computing one twice in a race gives
    the same value."""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object, owner: type | None = None) -> Self | T:
        if obj is None:  # read on the class: the descriptor itself
            return self
        value = obj.__dict__[self.name] = self.func(obj)
        return value
