""".NET: the ``dotnet publish`` folder, or the output folder of ``dotnet build -o`` (runnable
as it is since .NET Core 3.0), on the ASP.NET Core runtime (a web project) or the .NET runtime
image of the SDK's tag.

``dotnet run`` at start-up becomes a ``dotnet publish`` of the same configuration in the
builder, copied into the WORKDIR and started with ``dotnet <assembly>.dll``, when that is
provably the same program (:mod:`refactor.data.dotnet`): one project, no launch profile, no
other file in the WORKDIR the app could read, no context copied after the last .NET step.
Anything else keeps the SDK, so it is skipped."""

from __future__ import annotations

import fnmatch
import json
import posixpath
import re

from codemods.split_build_runtime import steps
from codemods.split_build_runtime.artifacts import outputs, resolve_program
from codemods.split_build_runtime.facts import Facts, absolute, operands
from codemods.split_build_runtime.gomodule import to_context
from codemods.split_build_runtime.plan import Copy, Plan
from refactor.analysis.semantics import under
from refactor.data import dotnet
from refactor.data import ecosystems as eco
from refactor.engine.codemod import Unsupported
from refactor.syntax.tree import Instruction

__all__ = ["plan"]


def plan(f: Facts) -> Plan:
    steps.flavour(f, "dotnet")
    tag = f.image.tag
    if tag is None:
        raise Unsupported(
            "the .NET SDK image has no version tag to match the runtime to", code="SPL024"
        )
    if posixpath.basename(f.start[0]) == "dotnet" and f.start[1:2] == ("run",):
        return _run_as_publish(f, tag)
    web = True
    projects = f.ctx.glob("**/*.csproj")
    if projects:
        web = any("Microsoft.NET.Sdk.Web" in (f.ctx.read(p) or "") for p in projects)
    result = _plan(f, tag, web, "the published app needs the .NET runtime, not the SDK")
    folders = _output_folders(f)
    built = [p for patterns in folders.values() for p in patterns]
    if posixpath.basename(f.start[0]) == "dotnet":
        dll = next((w for w in f.start[1:] if w.endswith(".dll")), None)
        if dll is None:
            raise Unsupported("the dotnet start command names no .dll", code="SPL013")
        target = absolute(f.final.workdir, dll)
    else:
        target = resolve_program(f, f.start[0], built) or f.start[0]
    folder = posixpath.dirname(target)
    kind = next(
        (
            k
            for k, patterns in folders.items()
            if any(p.endswith("/*") and fnmatch.fnmatchcase(folder, p[:-2]) for p in patterns)
        ),
        None,
    )
    if kind is None:
        raise Unsupported(
            f"unknown artifact location: `{target}` is not in a `dotnet publish` or "
            "`dotnet build` output folder",
            code="SPL013",
        )
    if kind == "build":
        major = dotnet.sdk_major(tag)
        if major is None or major < dotnet.BUILD_OUTPUT_MIN_MAJOR:
            raise Unsupported(
                f"`{f.image}` is older than .NET Core {dotnet.BUILD_OUTPUT_MIN_MAJOR}.0 (or "
                "names no version): its `dotnet build` output reads packages from the SDK's "
                "cache",
                code="SPL013",
            )
        result.runtime_why = (
            "the `dotnet build` output holds the app, its NuGet dependencies and its "
            "runtimeconfig (.NET Core 3.0+): it runs on the .NET runtime as it is, without the SDK"
        )
    what = "the `dotnet publish` output" if kind == "publish" else "the `dotnet build` output"
    if _into_workdir(f, folder, kind, web):
        workdir = f.final.workdir
        result.copies.append(Copy(folder, workdir, f"{what}, into the WORKDIR"))
        start = _start_instruction(f)
        words = [posixpath.basename(w) if w.endswith(".dll") else w for w in f.start]
        result.start = f.new(start.directive, json.dumps(words))
        result.explanations.append(
            (
                result.start,
                f"runs {words[1]} from the WORKDIR, where the output folder is copied",
                "the app's content root is the WORKDIR, whose appsettings/wwwroot files the "
                "output folder also holds: copied there, the runtime reads the same files",
            )
        )
    else:
        result.copies.append(Copy(folder, folder, what))
    steps.check_after_build(f, [c.source for c in result.copies])
    return result


def _into_workdir(f: Facts, folder: str, kind: str, web: bool) -> bool:
    """Whether the output folder must be copied into the WORKDIR: the app's content root (the
    WORKDIR) holds files it may read that the folder also carries (appsettings, wwwroot).
    Other readable files are a reason to skip; without the context a publish folder (which
    carries the project's content files) is copied there, a build folder is skipped."""
    workdir = f.final.workdir
    if under(workdir, folder):
        return False
    if not f.ctx.has_context:
        if kind != "publish":
            raise Unsupported(
                f"the app's content root is the WORKDIR `{workdir}`, which may hold files it "
                f"reads (appsettings.json, wwwroot) outside `{folder}`; without the build "
                "context they cannot be checked, and a build output does not carry wwwroot",
                code="SPL023",
            )
        # the publish carries the content files a project reads from its content root
        readable = ["appsettings.json"]
        missing = None
    else:
        root = to_context(f, workdir)
        if root is None:
            return False
        inside = to_context(f, folder)
        readable = [
            p
            for p in _readable(f, root)
            if inside is None or not under(posixpath.join(root, p), inside)
        ]
        if not readable:
            return False
        carried = dotnet.WEB_CONTENT if kind == "publish" else dotnet.WEB_SETTINGS
        missing = next((p for p in readable if not (web and carried.search(p))), None)
    if missing is not None:
        raise Unsupported(
            f"the app may read `{missing}` of its WORKDIR (its content root), which the "
            f"`dotnet {kind}` output does not carry",
            code="SPL023",
        )
    if not (len(f.start) > 1 and posixpath.basename(f.start[0]) == "dotnet"):
        raise Unsupported(
            f"the app reads `{readable[0]}` from its WORKDIR and is not started as `dotnet "
            "<dll>`: cannot start it from the WORKDIR",
            code="SPL023",
        )
    _start_instruction(f)
    return True


def _start_instruction(f: Facts) -> Instruction:
    """The one instruction (ENTRYPOINT or CMD) of the start command."""
    entry, cmd = f.stage.last("ENTRYPOINT"), f.stage.last("CMD")
    start = entry or cmd
    if start is None or (entry is not None and cmd is not None):
        raise Unsupported(
            "the start command is split over ENTRYPOINT and CMD: cannot rewrite it",
            code="SPL023",
        )
    return start


def _plan(f: Facts, tag: str, web: bool, why: str) -> Plan:
    """The runtime image of the SDK's tag, with the system packages and users."""
    repo = eco.DOTNET_RUNTIME_REPO["web" if web else "console"]
    packages, user_runs = steps.packages(f)
    result = Plan(steps.explicit(f, f"{repo}:{tag}"), why, eco.RUNTIME_PROGRAMS["dotnet"])
    steps.system_packages(f, result, packages, user_runs)
    return result


def _output_folders(f: Facts) -> dict[str, list[str]]:
    """The folders (patterns) ``dotnet publish`` and ``dotnet build`` write, by command."""
    found: dict[str, list[str]] = {"publish": [], "build": []}
    for run, cmd in f.all_commands:
        ops = operands(cmd)
        if cmd.name == "dotnet" and ops[:1] in (["publish"], ["build"]):
            found[ops[0]].extend(outputs(f, run, cmd))
    return found


# -- dotnet run ---------------------------------------------------------------------------------


def _skip(reason: str) -> Unsupported:
    return Unsupported(
        f"`dotnet run` builds at start-up and needs the .NET SDK: {reason}", code="SPL011"
    )


def _run_as_publish(f: Facts, tag: str) -> Plan:
    """``dotnet run`` as a publish of the same project and configuration, when provably the
    same program started from the same folder."""
    entry, cmd = f.stage.last("ENTRYPOINT"), f.stage.last("CMD")
    start = entry or cmd
    if start is None or (entry is not None and cmd is not None):
        raise _skip("the start command is split over ENTRYPOINT and CMD")
    configuration, project, no_profile, args = _read_run(f.start[2:])
    workdir = f.final.workdir
    if workdir == "/" or under(workdir, dotnet.RUN_PUBLISH_DIR):
        raise _skip(f"the WORKDIR `{workdir}` cannot hold the published app")
    if not f.ctx.has_context:
        raise _skip("no build context to prove a publish the same program")
    root = to_context(f, workdir)
    if root is None:
        raise _skip("the WORKDIR does not hold the copied build context")
    project_file = _project_file(f, root, project)
    text = f.ctx.read(project_file) or ""
    folder = posixpath.dirname(project_file)
    if f.ctx.exists(posixpath.join(folder, "Properties/launchSettings.json")) and not no_profile:
        raise _skip(
            "it applies the first profile of Properties/launchSettings.json (its environment "
            "and URLs), which the published app would not"
        )
    if "<TargetFrameworks>" in text:
        raise _skip(f"{project_file} targets several frameworks")
    named = re.search(r"<AssemblyName>\s*([^<]*?)\s*</AssemblyName>", text)
    assembly = named.group(1) if named else posixpath.splitext(posixpath.basename(project_file))[0]
    if not re.fullmatch(r"[\w.-]+", assembly):
        raise _skip(f"the assembly name `{assembly}` of {project_file} cannot be read")
    web = "Microsoft.NET.Sdk.Web" in text
    _check_content_root(f, root, web)
    if f.context_files_after_build:
        raise _skip("files are copied after the last .NET step, where the publish would run")
    last = next(r for r in f.runs if f.index(r.inst) == f.last_build_index)
    publish = f.new(
        "RUN",
        dotnet.RUN_PUBLISH.format(
            project=f"{project} " if project else "",
            configuration=configuration,
            folder=dotnet.RUN_PUBLISH_DIR,
        ),
    )
    result = _plan(
        f,
        tag,
        web,
        "the published app needs the .NET runtime, not the SDK `dotnet run` brings",
    )
    result.after.setdefault(last.inst, []).append(publish)
    result.copies.append(
        Copy(
            dotnet.RUN_PUBLISH_DIR,
            workdir,
            "the published app, into the WORKDIR: the content root `dotnet run` gave the app",
        )
    )
    result.start = f.new(start.directive, json.dumps(["dotnet", f"{assembly}.dll", *args]))
    result.explanations.append(
        (
            publish,
            f"publishes {posixpath.join(workdir, posixpath.relpath(project_file, root or '.'))} "
            f"({configuration}) in place of `dotnet run`",
            f"`dotnet run` builds the {configuration} configuration and starts the dll with the "
            "WORKDIR as the content root; the publish of the same configuration is that build "
            "plus its content files, and no launch profile applies nor does the WORKDIR hold "
            "another file the app could read: the same program, without the SDK",
        )
    )
    result.explanations.append(
        (
            result.start,
            f"runs the published {assembly}.dll instead of `{' '.join(f.start)}`",
            "the program `dotnet run` built and started, from the same WORKDIR",
        )
    )
    steps.check_after_build(f, [workdir])
    return result


def _read_run(words: tuple[str, ...]) -> tuple[str, str | None, bool, list[str]]:
    """The configuration, project, ``--no-launch-profile`` and app arguments of the words
    after ``dotnet run``."""
    values: dict[str, str] = {}
    no_profile = False
    args: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        name, eq, value = word.partition("=")
        if word == "--":
            args = list(words[i + 1 :])
            break
        if name in dotnet.RUN_OPTIONS:
            if not eq:
                i += 1
                if i == len(words):
                    raise _skip(f"`{word}` has no value")
                value = words[i]
            values[dotnet.RUN_OPTIONS[name]] = value
        elif word in dotnet.RUN_FLAGS:
            no_profile = no_profile or word == "--no-launch-profile"
        else:
            raise _skip(f"the option or argument `{word}` is not known to keep its meaning")
        i += 1
    configuration = values.get("configuration", dotnet.RUN_DEFAULT_CONFIGURATION)
    if not re.fullmatch(r"\w+", configuration):
        raise _skip(f"the configuration `{configuration}` cannot be read")
    project = values.get("project")
    if project is not None and not re.fullmatch(r"[\w./-]+", project):
        raise _skip(f"the project `{project}` cannot be read")
    return configuration, project, no_profile, args


def _project_file(f: Facts, root: str, project: str | None) -> str:
    """The context path of the one project ``dotnet run`` builds."""
    here = posixpath.normpath(posixpath.join(root, project or "."))
    here = "" if here == "." else here
    if here.endswith("proj"):
        if not f.ctx.exists(here):
            raise _skip(f"the project {here} is not in the build context")
        return here
    found = [p for p in f.ctx.glob(f"{here}/*.csproj" if here else "*.csproj")]
    if len(found) != 1:
        raise _skip(f"{len(found)} C# projects in `{here or '.'}` (one is needed)")
    return found[0]


def _check_content_root(f: Facts, root: str, web: bool) -> None:
    """The WORKDIR holds only what the app does not read or what the publish carries."""
    for rest in _readable(f, root):
        if not (web and dotnet.WEB_CONTENT.search(rest)):
            raise _skip(
                f"the app may read `{rest}` of its WORKDIR, which `dotnet publish` does not carry"
            )


def _readable(f: Facts, root: str) -> list[str]:
    """The files under the context folder ``root`` (relative to it) an app may read: all but
    sources, project files, build folders and docs."""
    prefix = f"{root}/" if root else ""
    base = f.ctx.context_dir
    out: list[str] = []
    for path in f.ctx.glob(f"{prefix}**/*"):
        rest = path[len(prefix) :]
        if base is not None and (base / path).is_dir():
            continue
        if not dotnet.INERT_FILE.search(rest):
            out.append(rest)
    return out
