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
    "parse",
    "parse_bytes",
    "parse_file",
]
