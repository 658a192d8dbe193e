"""``msb-migrate bulk --shard auto``: the shard from the environment of the engine that runs
the shards (docs/bulk.md, "Running on many machines").

Each engine numbers its copies of a job in its own variable; none of them is msb-migrate's
``K/N`` (1-based), so this module reads them, first found wins:

* ``MSB_SHARD_INDEX`` (0-based) with ``MSB_SHARD_COUNT``: msb-migrate's own convention, for an
  engine without a built-in index. A GitHub Actions matrix has none: its workflow sets them from
  ``strategy.job-index`` and ``strategy.job-total`` (deploy/github/bulk-matrix.yml).
* ``JOB_COMPLETION_INDEX`` (0-based), which Kubernetes sets in every pod of an Indexed Job. The
  Job's ``completions`` is not in the pod's environment: the manifest passes it as
  ``MSB_SHARD_COUNT`` (deploy/kubernetes/bulk-job.yaml) or the command as ``--shard-count``.
* ``CI_NODE_INDEX`` (1-based) with ``CI_NODE_TOTAL``, which GitLab CI sets in a job with
  ``parallel: N``.

``--shard-count N`` wins over any count in the environment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["COUNT_VARIABLE", "INDEX_VARIABLES", "Shard", "ShardError", "auto_shard"]

COUNT_VARIABLE = "MSB_SHARD_COUNT"
#: (index variable, its base, the count variable that goes with it), in the order they are read.
INDEX_VARIABLES: tuple[tuple[str, int, str], ...] = (
    ("MSB_SHARD_INDEX", 0, COUNT_VARIABLE),
    ("JOB_COMPLETION_INDEX", 0, COUNT_VARIABLE),
    ("CI_NODE_INDEX", 1, "CI_NODE_TOTAL"),
)


class ShardError(ValueError):
    """The environment names no usable shard (the message says which variable and why)."""


@dataclass(frozen=True)
class Shard:
    """The K-th of N shares (1-based) and where it was read from."""

    number: int
    count: int
    source: str  # e.g. "JOB_COMPLETION_INDEX=1, MSB_SHARD_COUNT=4"

    def __str__(self) -> str:
        return f"{self.number}/{self.count}"


def _integer(name: str, value: str) -> int:
    text = value.strip()
    if not text.isdecimal() or not text.isascii():
        raise ShardError(f"{name}={value!r} is not a whole number")
    return int(text)


def auto_shard(env: Mapping[str, str], count: int | None = None) -> Shard:
    """The shard the environment ``env`` names (``count``: ``--shard-count``, which wins)."""
    for index_name, base, count_name in INDEX_VARIABLES:
        if env.get(index_name, "").strip() == "":
            continue
        index = _integer(index_name, env[index_name])
        if count is not None:
            total, count_source = count, f"--shard-count {count}"
        elif env.get(count_name, "").strip():
            total = _integer(count_name, env[count_name])
            count_source = f"{count_name}={total}"
        else:
            raise ShardError(
                f"{index_name} is set but not the number of shards: set {count_name} "
                "or pass --shard-count N"
            )
        number = index - base + 1
        if total < 1 or not 1 <= number <= total:
            first, last = base, total - 1 + base
            raise ShardError(
                f"{index_name}={index} is not a shard of {total} (expected {first} to {last})"
            )
        return Shard(number, total, f"{index_name}={index}, {count_source}")
    names = ", ".join(name for name, _, _ in INDEX_VARIABLES)
    raise ShardError(f"no shard in the environment (none of {names} is set)")
