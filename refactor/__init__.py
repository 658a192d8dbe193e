"""msb-migrate's engine: lossless Dockerfile syntax tree, build model and codemod runner."""

from refactor.errors import DockerfileSyntaxError, InputError, MsbError
from refactor.syntax.parser import parse, parse_bytes, parse_file
from refactor.syntax.tree import (
    Blank,
    Comment,
    Directive,
    Dockerfile,
    Flag,
    Heredoc,
    Instruction,
    Node,
    Style,
    deep_equals,
)

__all__ = [
    "Blank",
    "Comment",
    "Directive",
    "Dockerfile",
    "DockerfileSyntaxError",
    "Flag",
    "Heredoc",
    "InputError",
    "Instruction",
    "MsbError",
    "Node",
    "Style",
    "clear_caches",
    "deep_equals",
    "parse",
    "parse_bytes",
    "parse_file",
]


def clear_caches() -> None:
    """Forget what is memoized across files (instruction readings, image references, FROM values,
    shell analyses), so a benchmark pass starts as cold as a new process."""
    from refactor.analysis import shell
    from refactor.analysis.images import _parse_image
    from refactor.analysis.model import _image_from
    from refactor.syntax.parser import _read_head_cached

    for memoized in (_parse_image, _image_from, _read_head_cached):
        memoized.cache_clear()
    shell.clear_cache()
