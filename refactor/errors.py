"""Errors msb-migrate reports to its users: one line, naming the file and the problem."""

from __future__ import annotations

__all__ = ["DockerfileSyntaxError", "InputError", "MsbError"]


class MsbError(Exception):
    """Base of every error msb-migrate raises on purpose."""


class InputError(MsbError):
    """Input that is not a Dockerfile we can read: binary, not UTF-8, too large, missing."""

    def __init__(self, path: str, problem: str, line: int | None = None) -> None:
        self.path = path
        self.problem = problem
        self.line = line
        super().__init__(f"{path}: {problem}")


class DockerfileSyntaxError(MsbError):
    """A Dockerfile the official parser rejects, with the file and line of the problem."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        self.path = path
        self.line = line
        self.problem = problem
        super().__init__(f"{path}:{line}: {problem}")
