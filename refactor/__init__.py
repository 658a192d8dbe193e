"""msb-migrate's engine: lossless Dockerfile syntax tree, build model and codemod runner."""

from .errors import DockerfileSyntaxError, InputError, MsbError
from .parser import parse, parse_bytes, parse_file
from .syntax import Blank, Comment, Directive, Dockerfile, Flag, Heredoc, Instruction, Node, Style

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
    "parse",
    "parse_bytes",
    "parse_file",
]


def clear_caches() -> None:
    """Forget what is memoized across files (instruction readings, image references, FROM values,
    shell analyses), so a benchmark pass starts as cold as a new process."""
    from .images import _parse_image
    from .model import _image_from
    from .parser import _read_head_cached
    from .shell import _analyse_cached

    for memoized in (_parse_image, _image_from, _read_head_cached, _analyse_cached):
        memoized.cache_clear()
