"""Java images: which JDK image has which JRE sibling, and which tools only a JDK has.

:func:`jre_for` maps a JDK image reference to the JRE (or headless runtime) image of the same
vendor, Java version and operating system, following each vendor's tag scheme. It answers a
:class:`JreImage`, a :class:`NoJre` (a Java image without a usable JRE sibling, with the reason
a user can read) or None (not a JDK image known here). Only tags known to be published are
produced: when a vendor has no JRE for a version or a variant, the answer is :class:`NoJre`.

Operating systems are labelled (``ubuntu``, ``debian``, ``alpine``, ``oraclelinux``, ``al2``,
``al2023``, ``ubi``, ``unknown``) so a caller can tell when the swap also changes the
distribution underneath the stage.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from refactor.analysis.images import ImageRef

__all__ = [
    "CLASSPATH_OPTIONS",
    "DISTROLESS_JAVA",
    "GRADLE_INSTALL_DIST",
    "GRADLE_JAR_TASKS",
    "JDK_INSTALL_PATHS",
    "JDK_ONLY_MODULES",
    "JDK_ONLY_TOOLS",
    "JLINK_HOME",
    "JLINK_MIN_MAJOR",
    "JLINK_OPTIONS",
    "MAIN_CLASS",
    "MAVEN_PACKAGE_GOALS",
    "MAX_CONTEXT_FILES",
    "PATH_OPTION",
    "PATH_VARIABLES",
    "JreImage",
    "NoJre",
    "build_dependencies",
    "distroless_for",
    "jlink_base",
    "jre_for",
    "named_paths",
    "workdir_read",
]

#: Programs a JDK image has and a JRE image lacks (compilers, packagers, diagnostics, build
#: tools that need ``javac``).
JDK_ONLY_TOOLS: frozenset[str] = frozenset(
    {
        "javac", "jar", "jarsigner", "javadoc", "javap", "javah", "jcmd", "jconsole", "jdb",
        "jdeprscan", "jdeps", "jhsdb", "jimage", "jinfo", "jlink", "jmap", "jmod", "jpackage",
        "jps", "jshell", "jstack", "jstat", "jstatd", "jwebserver", "serialver", "rmic",
        "native2ascii", "extcheck", "idlj", "schemagen", "wsgen", "wsimport", "xjc",
        "native-image", "gu", "mvn", "mvnw", "gradle", "gradlew", "ant", "sbt", "lein",
        "kotlinc", "scalac", "groovyc", "jbang",
    }
)  # fmt: skip

#: Modules of the JDK that a JRE image does not contain (``java -m``/``--add-modules``).
JDK_ONLY_MODULES: frozenset[str] = frozenset(
    {
        "jdk.compiler", "jdk.jartool", "jdk.javadoc", "jdk.jcmd", "jdk.jconsole", "jdk.jdeps",
        "jdk.jdi", "jdk.jlink", "jdk.jpackage", "jdk.jshell", "jdk.hotspot.agent",
    }
)  # fmt: skip

#: What Java builds write: Maven's goals that package the artifact (under ``target/``), Gradle's
#: tasks that write jars to ``build/libs/`` and the folder ``installDist`` writes (``lib/`` with
#: the jars, ``bin/`` with a start script that needs only ``sh`` and ``java``).
MAVEN_PACKAGE_GOALS = frozenset({"package", "install", "verify"})
GRADLE_JAR_TASKS = frozenset({"build", "bootJar", "jar", "assemble", "shadowJar"})
GRADLE_JAR_OUTPUT = "build/libs/*.jar"
GRADLE_INSTALL_TASK = "installDist"
GRADLE_INSTALL_OUTPUT = "build/install/*"
GRADLE_INSTALL_DIST = re.compile(r"^(.*/build/install/[^/]+)/bin/[^/]+$")
#: ``java`` options that name a class path (``:``-separated jars and folders).
CLASSPATH_OPTIONS = ("-cp", "-classpath", "--class-path")

#: Where vendors install the JDK: a stage naming one of these paths depends on the vendor.
JDK_INSTALL_PATHS: tuple[str, ...] = (
    "/usr/local/openjdk",
    "/usr/java/openjdk",
    "/usr/lib/jvm",
    "/opt/java/openjdk",
    "/opt/openjdk",
)

#: Java versions each vendor publishes a JRE (or headless runtime) image for.
TEMURIN_JRE = frozenset({8, 11, 17, 21, 25})
CORRETTO_HEADLESS = frozenset({11, 17, 21, 25})
SAPMACHINE_JRE = frozenset({11, 17, 21, 25})
SEMERU_JRE = frozenset({8, 11, 17, 21, 25})
LIBERICA_JRE = frozenset({8, 11, 17, 21, 25})
ZULU_JRE = frozenset({8, 11, 17, 21, 25})

#: ``gcr.io/distroless/javaN-debian12`` images (no shell; ENTRYPOINT ``java -jar``).
DISTROLESS_JAVA: Mapping[int, str] = {
    17: "gcr.io/distroless/java17-debian12",
    21: "gcr.io/distroless/java21-debian12",
}

#: Ubuntu release names in tags, and other tag words naming an OS.
_UBUNTU = frozenset({"focal", "jammy", "noble"})
_OS_OF_WORD: Mapping[str, str] = {
    **dict.fromkeys(_UBUNTU, "ubuntu"),
    "alpine": "alpine",
    "slim": "debian",
    "buster": "debian",
    "bullseye": "debian",
    "bookworm": "debian",
    "stretch": "debian",
    "slim-buster": "debian",
    "slim-bullseye": "debian",
    "slim-bookworm": "debian",
    "slim-stretch": "debian",
    "oraclelinux7": "oraclelinux",
    "oraclelinux8": "oraclelinux",
    "ubi9-minimal": "ubi",
    "ubi10-minimal": "ubi",
}

_DEPRECATED_OPENJDK = (
    "the openjdk images are deprecated (no updates since 2022); eclipse-temurin is a "
    "maintained build of the same OpenJDK"
)
_DEPRECATED_ADOPT = "AdoptOpenJDK images are deprecated; Eclipse Temurin is their successor"
_BUILD_IMAGE = "{tool} images are build images; the runtime needs only a JRE"


@dataclass(frozen=True)
class JreImage:
    """The JRE sibling of a JDK image."""

    image: ImageRef
    major: int
    os: str  # OS label of the JDK image
    jre_os: str  # OS label of the JRE image
    note: str = ""  # what else the user should know (deprecations, vendor change)

    @property
    def changes_os(self) -> bool:
        return self.os != self.jre_os


@dataclass(frozen=True)
class NoJre:
    """A Java image this module knows, with the reason no JRE image replaces it; ``major`` is
    set when the only reason is that the vendor publishes no JRE for that Java version."""

    reason: str
    major: int | None = None


def _name(path: str, tag: str) -> ImageRef:
    ref = ImageRef.parse(f"{path}:{tag}")
    if ref is None:
        raise ValueError(f"invalid image {path}:{tag}")
    return ref


def _no_version(image: str, known: frozenset[int], major: int) -> NoJre:
    versions = ", ".join(str(v) for v in sorted(known))
    return NoJre(
        f"{image} has no JRE image for Java {major} (known JRE versions: {versions})", major
    )


# -- Eclipse Temurin ------------------------------------------------------------------------
_TEMURIN_TAG = re.compile(
    r"^(?P<ver>8u\d+-b\d+|\d+(?:\.\d+)*(?:_\d+)?)(?:-(?P<kind>jdk|jre))?(?:-(?P<os>[a-z][\w.-]*))?$"
)
_TEMURIN_OS = re.compile(r"^(?:focal|jammy|noble|alpine(?:-?3\.\d+)?|ubi9-minimal|ubi10-minimal)$")


def _temurin(tag: str, note: str = "", os_label: str | None = None) -> JreImage | NoJre:
    match = _TEMURIN_TAG.match(tag)
    if match is None:
        return NoJre(f"no eclipse-temurin JRE tag matches {tag!r}; name the Java version")
    if match["kind"] == "jre":
        return NoJre("the image is already a JRE image")
    os_word = match["os"]
    if os_word is not None and not _TEMURIN_OS.match(os_word):
        return NoJre(f"no eclipse-temurin JRE variant is known for {os_word!r}")
    major = int(re.split(r"\D", match["ver"], maxsplit=1)[0])
    if major not in TEMURIN_JRE:
        return _no_version("eclipse-temurin", TEMURIN_JRE, major)
    jre_os = _os_label(os_word) if os_word else "ubuntu"
    new_tag = f"{match['ver']}-jre" + (f"-{os_word}" if os_word else "")
    return JreImage(_name("eclipse-temurin", new_tag), major, os_label or jre_os, jre_os, note)


def _os_label(word: str) -> str:
    if word.startswith("alpine"):
        return "alpine"
    return _OS_OF_WORD.get(word, "unknown")


# -- openjdk (deprecated) -------------------------------------------------------------------
_OPENJDK_TAG = re.compile(
    r"^(?P<major>\d+)(?P<pin>u\d+|(?:\.\d+)+)?(?P<ea>-ea(?:-\d+)?)?"
    r"(?:-(?P<kind>jdk|jre))?(?:-(?P<os>[a-z][\w.-]*))?$"
)


def _openjdk(tag: str, note: str = _DEPRECATED_OPENJDK) -> JreImage | NoJre:
    match = _OPENJDK_TAG.match(tag)
    if match is None:
        return NoJre(f"no JRE image is known for openjdk:{tag}")
    major = int(match["major"])
    if match["ea"]:
        return NoJre("an early-access build has no JRE image")
    if match["kind"] == "jre":
        return NoJre("the image is already a JRE image")
    if match["pin"]:
        return NoJre(
            f"the tag pins OpenJDK build {match['major']}{match['pin']}; Temurin numbers its "
            "releases differently, so choose the matching eclipse-temurin JRE tag by hand"
        )
    os_word = match["os"]
    if os_word is None:
        os = "debian" if major < 12 else "oraclelinux"
    elif os_word.startswith(("windowsservercore", "nanoserver")):
        return NoJre("Windows images are not handled")
    else:
        os = _os_label(os_word)
        if os == "unknown":
            return NoJre(f"no JRE variant is known for openjdk's {os_word!r}")
    return _temurin(f"{major}-jdk-alpine" if os == "alpine" else f"{major}", note, os)


# -- Amazon Corretto ------------------------------------------------------------------------
_CORRETTO_TAG = re.compile(
    r"^(?P<ver>(?P<major>\d+)(?:u\d+|(?:\.\d+)+)?)"
    r"(?:-(?P<os>al2023|al2|alpine(?:\d+\.\d+)?))?"
    r"(?:-(?P<variant>jdk|full|generic|generic-jdk|native-jdk|headless|headful|jre|native-jre|"
    r"native-headless|native-headful))?$"
)
_CORRETTO_RUNTIME = frozenset({"headless", "headful", "jre", "native-jre", "native-headless"})


def _corretto(tag: str, note: str = "") -> JreImage | NoJre:
    match = _CORRETTO_TAG.match(tag)
    if match is None:
        return NoJre(f"no Corretto runtime image is known for amazoncorretto:{tag}")
    if match["variant"] in _CORRETTO_RUNTIME or match["variant"] == "native-headful":
        return NoJre("the image is already a Corretto runtime (JRE/headless) image")
    ver, major = match["ver"], int(match["major"])
    pinned = ver != match["major"]
    os_word = match["os"] or ("al2" if major <= 21 else "al2023")
    if os_word.startswith("alpine"):
        if major == 8:
            return JreImage(_name("amazoncorretto", f"{ver}-{os_word}-jre"), 8, "alpine", "alpine")
        return NoJre(f"Corretto publishes no JRE or headless image on Alpine for Java {major}")
    if os_word == "al2" and pinned:
        return NoJre(
            f"amazoncorretto:{tag} pins a build on Amazon Linux 2; its headless sibling is on "
            "AL2023 and may not exist for that build"
        )
    suffix = "jre" if major == 8 else "headless"
    if major != 8 and major not in CORRETTO_HEADLESS:
        return _no_version("amazoncorretto", CORRETTO_HEADLESS | {8}, major)
    extra = "the headless image has the Java runtime without the compiler and GUI libraries"
    return JreImage(
        _name("amazoncorretto", f"{ver}-al2023-{suffix}"),
        major,
        os_word,
        "al2023",
        f"{note}; {extra}" if note else extra,
    )


# -- SapMachine -----------------------------------------------------------------------------
_SAPMACHINE_TAG = re.compile(
    r"^(?P<ver>(?P<major>\d+)(?:\.\d+)*)(?:-(?P<kind>jdk|jre)(?P<headless>-headless)?)?"
    r"(?:-(?P<os>ubuntu(?:-[a-z]+)?))?$"
)


def _sapmachine(tag: str, note: str = "") -> JreImage | NoJre:
    match = _SAPMACHINE_TAG.match(tag)
    if match is None:
        return NoJre(f"no SapMachine JRE tag is known for sapmachine:{tag}")
    if match["kind"] == "jre":
        return NoJre("the image is already a JRE image")
    major = int(match["major"])
    if major not in SAPMACHINE_JRE:
        return _no_version("sapmachine", SAPMACHINE_JRE, major)
    new_tag = f"{match['ver']}-jre{match['headless'] or ''}" + (
        f"-{match['os']}" if match["os"] else ""
    )
    return JreImage(_name("sapmachine", new_tag), major, "ubuntu", "ubuntu", note)


# -- IBM Semeru Runtimes --------------------------------------------------------------------
_SEMERU_TAG = re.compile(
    r"^open-(?P<ver>(?P<major>\d+)(?:u\d+-b\d+|(?:\.\d+)*(?:_\d+)?))-(?P<kind>jdk|jre)"
    r"(?:-(?P<os>focal|jammy|noble))?$"
)


def _semeru(tag: str, note: str = "") -> JreImage | NoJre:
    match = _SEMERU_TAG.match(tag)
    if match is None:
        return NoJre(f"no Semeru JRE tag is known for ibm-semeru-runtimes:{tag}")
    if match["kind"] == "jre":
        return NoJre("the image is already a JRE image")
    major = int(match["major"])
    if major not in SEMERU_JRE:
        return _no_version("ibm-semeru-runtimes", SEMERU_JRE, major)
    new_tag = f"open-{match['ver']}-jre" + (f"-{match['os']}" if match["os"] else "")
    return JreImage(_name("ibm-semeru-runtimes", new_tag), major, "ubuntu", "ubuntu", note)


# -- BellSoft Liberica and Azul Zulu (same tags, JRE repository or -jre suffix) -------------
_LIBERICA_REPO = re.compile(r"^bellsoft/liberica-openjdk-(?P<os>debian|alpine|alpine-musl)$")
_MAJOR_TAG = re.compile(r"^(?P<major>\d+)(?P<rest>(?:[.u]\d+)*(?:[-+_]\d+)*)$")


def _liberica(ref: ImageRef) -> JreImage | NoJre:
    repo = _LIBERICA_REPO.match(ref.hub_name)
    assert repo is not None
    os_word = repo["os"]
    match = _MAJOR_TAG.match(ref.tag or "")
    if match is None:
        return NoJre(f"the JRE tag for {ref} is not known; name the Java version in the tag")
    major = int(match["major"])
    if major not in LIBERICA_JRE:
        return _no_version("bellsoft/liberica-openjre", LIBERICA_JRE, major)
    os = "alpine" if os_word.startswith("alpine") else "debian"
    path = f"bellsoft/liberica-openjre-{os_word}"
    return JreImage(_name(path, ref.tag or ""), major, os, os)


_ZULU_REPO = re.compile(r"^azul/zulu-openjdk(?:-(?P<os>alpine|debian))?$")
_ZULU_TAG = re.compile(r"^(?P<major>\d+)(?P<latest>-latest)?$")


def _zulu(ref: ImageRef) -> JreImage | NoJre:
    repo = _ZULU_REPO.match(ref.hub_name)
    assert repo is not None
    os_word = repo["os"]
    tag = ref.tag or ""
    if "jre" in tag.split("-"):
        return NoJre("the image is already a JRE image")
    match = _ZULU_TAG.match(tag)
    if match is None:
        return NoJre(f"no azul/zulu-openjdk JRE tag is known for {tag!r}; use N or N-latest")
    major = int(match["major"])
    if major not in ZULU_JRE:
        return _no_version("azul/zulu-openjdk", ZULU_JRE, major)
    os = os_word or "ubuntu"
    return JreImage(_name(ref.hub_name, f"{major}-jre{match['latest'] or ''}"), major, os, os)


# -- AdoptOpenJDK (deprecated) --------------------------------------------------------------
_ADOPT_REPO = re.compile(r"^adoptopenjdk/openjdk(?P<major>\d+)(?P<openj9>-openj9)?$")
_ADOPT_OS: Mapping[str, str] = {
    "latest": "ubuntu",
    "slim": "ubuntu",
    "debian": "debian",
    "debianslim": "debian",
    "alpine": "alpine",
    "alpine-slim": "alpine",
}


def _adopt(ref: ImageRef) -> JreImage | NoJre:
    match = _ADOPT_REPO.match(ref.hub_name)
    assert match is not None
    if match["openj9"]:
        return NoJre("an OpenJ9 JDK: its JRE is ibm-semeru-runtimes:open-N-jre, switch by hand")
    os = _ADOPT_OS.get(ref.tag or "latest")
    if os is None:
        return NoJre(f"no JRE image is known for {ref}")
    major = match["major"]
    return _temurin(f"{major}-jdk-alpine" if os == "alpine" else major, _DEPRECATED_ADOPT, os)


_ADOPT_TAG = re.compile(
    r"^(?P<major>\d+)(?P<pin>u\d+-b\d+|(?:\.\d+)+(?:_\d+)?)?-(?P<kind>jdk|jre)-(?P<vm>hotspot|openj9)"
    r"(?:-(?P<os>[a-z]+))?$"
)


def _adopt_official(tag: str) -> JreImage | NoJre:
    """The official ``adoptopenjdk`` image: ``11-jdk-hotspot[-focal]``."""
    match = _ADOPT_TAG.match(tag)
    if match is None:
        return NoJre(f"no JRE image is known for adoptopenjdk:{tag}")
    if match["kind"] == "jre":
        return NoJre("the image is already a JRE image")
    if match["vm"] == "openj9":
        return NoJre("an OpenJ9 JDK: its JRE is ibm-semeru-runtimes:open-N-jre, switch by hand")
    if match["pin"]:
        return NoJre(
            f"the tag pins AdoptOpenJDK build {match['major']}{match['pin']}; choose the "
            "matching eclipse-temurin JRE tag by hand"
        )
    os = "ubuntu" if match["os"] in (None, "bionic", "focal") else "unknown"
    return _temurin(match["major"], _DEPRECATED_ADOPT, os)


# -- maven and gradle build images ----------------------------------------------------------
_MAVEN_TAG = re.compile(
    r"^(?:\d+(?:\.\d+)*-)?(?P<vendor>eclipse-temurin|openjdk|jdk|adoptopenjdk|amazoncorretto|"
    r"sapmachine|ibm-semeru)-(?P<major>\d+)(?:-(?P<os>[a-z][\w.-]*))?$"
)


def _maven(ref: ImageRef) -> JreImage | NoJre:
    match = _MAVEN_TAG.match(ref.tag or "")
    if match is None:
        return NoJre(
            f"the JDK of {ref} is not named in its tag (use a tag such as "
            "maven:3-eclipse-temurin-21) or has no JRE image"
        )
    vendor, major, os_word = match["vendor"], match["major"], match["os"]
    note = _BUILD_IMAGE.format(tool="maven")
    if vendor in ("eclipse-temurin", "adoptopenjdk"):
        if os_word is not None and not _TEMURIN_OS.match(os_word):
            return NoJre(f"no eclipse-temurin JRE variant is known for {os_word!r}")
        return _temurin(f"{major}-jdk-{os_word}" if os_word else major, note)
    if vendor in ("openjdk", "jdk"):
        # The OpenJDK image under these maven tags varied over time: its OS is not known.
        result = _openjdk(f"{major}-jdk-{os_word}" if os_word else major, note)
        if isinstance(result, JreImage):
            return JreImage(result.image, result.major, "unknown", result.jre_os, note)
        return result
    if vendor == "amazoncorretto":
        return _corretto(f"{major}-{os_word}" if os_word else major, note)
    if vendor == "sapmachine" and os_word is None:
        return _sapmachine(major, note)
    if vendor == "ibm-semeru" and os_word in _UBUNTU:
        return _semeru(f"open-{major}-jdk-{os_word}", note)
    return NoJre(f"no JRE image is known for {ref}")


_GRADLE_TAG = re.compile(r"^(?:\d+(?:\.\d+)*-)?jdk(?P<major>\d+)(?:-(?P<os>[a-z][\w.-]*))?$")


def _gradle(ref: ImageRef) -> JreImage | NoJre:
    match = _GRADLE_TAG.match(ref.tag or "")
    if match is None:
        return NoJre(
            f"the JDK of {ref} is not named in its tag (use a tag such as gradle:8-jdk21) or "
            "has no JRE image"
        )
    major, os_word = match["major"], match["os"]
    note = _BUILD_IMAGE.format(tool="gradle")
    if os_word == "corretto":
        return _corretto(major, note)
    if os_word is not None and os_word not in _UBUNTU and os_word != "alpine":
        return NoJre(f"no JRE image is known for gradle's {os_word!r} variant")
    return _temurin(f"{major}-jdk-{os_word}" if os_word else major, note)


# -- the table ------------------------------------------------------------------------------
def _by_tag(translate: Callable[[str], JreImage | NoJre]) -> Callable[[ImageRef], JreImage | NoJre]:
    return lambda ref: translate(ref.tag or "latest")


#: Docker Hub repositories (exact names) and how their JDK tags translate.
_REPOSITORIES: Mapping[str, Callable[[ImageRef], JreImage | NoJre]] = {
    "eclipse-temurin": _by_tag(_temurin),
    "openjdk": _by_tag(_openjdk),
    "amazoncorretto": _by_tag(_corretto),
    "sapmachine": _by_tag(_sapmachine),
    "ibm-semeru-runtimes": _by_tag(_semeru),
    "adoptopenjdk": _by_tag(_adopt_official),
    "maven": _maven,
    "gradle": _gradle,
}

#: Repository patterns (vendors with one repository per OS or version).
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[ImageRef], JreImage | NoJre]], ...] = (
    (_LIBERICA_REPO, _liberica),
    (_ZULU_REPO, _zulu),
    (_ADOPT_REPO, _adopt),
)

#: Java images known to have no JRE replacement, with the reason.
_NO_JRE: Mapping[str, str] = {
    "cgr.dev/chainguard/jdk": (
        "cgr.dev/chainguard/jre has no shell and runs java as its ENTRYPOINT; switch by hand"
    ),
    "ghcr.io/graalvm/jdk": "GraalVM publishes no JRE image",
    "ghcr.io/graalvm/native-image": "GraalVM publishes no JRE image",
    "container-registry.oracle.com/graalvm/jdk": "GraalVM publishes no JRE image",
    "sbtscala/scala-sbt": "the JDK of the sbt image has no JRE sibling; name a JRE image by hand",
    "bellsoft/liberica-openjdk-centos": "no JRE repository is known for Liberica on CentOS",
    "azul/zulu-openjdk-centos": "no JRE tag is known for Zulu on CentOS",
}

_JRE_REPOSITORIES = re.compile(
    r"^(?:bellsoft/liberica-openjre-.*|gcr\.io/distroless/java.*|cgr\.dev/chainguard/jre)$"
)


def jre_for(ref: ImageRef) -> JreImage | NoJre | None:
    """The JRE image replacing the JDK image ``ref``; NoJre with a reason; None if not Java."""
    name = ref.hub_name
    if name in _NO_JRE:
        return NoJre(_NO_JRE[name])
    if _JRE_REPOSITORIES.match(name):
        return NoJre("the image is already a JRE image")
    translate = _REPOSITORIES.get(name)
    if translate is None:
        translate = next((fn for pattern, fn in _PATTERNS if pattern.match(name)), None)
    if translate is None:
        return None
    if ref.digest is not None:
        return NoJre(
            f"the image is pinned by digest ({ref.digest[:19]}…): the digest pins the JDK "
            "image and the JRE image's digest cannot be derived offline"
        )
    result = translate(ref)
    if isinstance(result, JreImage):
        return JreImage(
            _keep_registry(ref, result.image), result.major, result.os, result.jre_os, result.note
        )
    return result


def _keep_registry(old: ImageRef, new: ImageRef) -> ImageRef:
    """``new`` written the way ``old`` was (``docker.io/library/`` prefix kept when present)."""
    if old.hub_name == old.repository and old.registry is None:
        return new
    repository = new.repository
    if old.repository.startswith("library/") and "/" not in repository:
        repository = f"library/{repository}"
    return ImageRef(repository, old.registry, new.tag)


# -- what a Java program reads besides its class path --------------------------------------------
#: A main class as ``java`` takes it (``Main``, ``com.example.App``).
MAIN_CLASS = re.compile(r"[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*")
#: How many context files the split maps to image paths when it looks for files read at run time.
MAX_CONTEXT_FILES = 2000
#: Options naming a file or folder the program reads (Spring Boot's config locations, the
#: logging frameworks' configuration files); ``,`` separates several locations.
PATH_OPTION = re.compile(
    r"^(?:-D(?:spring\.config\.(?:location|additional-location|import)|logging\.config"
    r"|logback\.configurationFile|log4j2?\.configurationFile|log4j\.configuration"
    r"|java\.util\.logging\.config\.file)"
    r"|--(?:spring\.config\.(?:location|additional-location|import)|logging\.config))"
    r"=(?P<path>.+)$"
)
#: Variables naming such locations (Spring Boot's relaxed binding of the same properties).
PATH_VARIABLES = frozenset(
    {"SPRING_CONFIG_LOCATION", "SPRING_CONFIG_ADDITIONAL_LOCATION", "SPRING_CONFIG_IMPORT",
     "LOGGING_CONFIG"}
)  # fmt: skip
#: Names a Java program reads relative to its working directory: Spring Boot loads
#: ``application*.properties``/``.yml`` and ``config/`` there; template and static folders
#: outside ``src/main/resources`` are served from disk.
_WORKDIR_FILES = re.compile(r"^application(?:-[\w.-]+)?\.(?:properties|ya?ml)$")
_WORKDIR_FOLDERS: Mapping[str, str] = {
    "config": "Spring Boot loads ./config/ beside the jar",
    "templates": "templates read from disk",
    "static": "static files served from disk",
    "public": "static files served from disk",
}


def workdir_read(name: str, *, folder: bool) -> str | None:
    """Why a Java program reads ``name`` in its working directory (None: it does not)."""
    if folder:
        return _WORKDIR_FOLDERS.get(name)
    if _WORKDIR_FILES.match(name):
        return "Spring Boot loads application.* beside the jar"
    return None


def named_paths(words: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """The local paths the start command's words and ENV name in :data:`PATH_OPTION` options
    and :data:`PATH_VARIABLES` (``file:``/``optional:`` prefixes dropped; ``classpath:`` and
    paths with variables left out)."""
    values: list[str] = [env[name] for name in sorted(PATH_VARIABLES) if name in env]
    for word in (*words, *env.values()):
        for piece in word.split() if " " in word else [word]:
            found = PATH_OPTION.match(piece.strip("\"'"))
            if found:
                values.append(found["path"])
    out: list[str] = []
    for value in values:
        for path in value.split(","):
            path = path.strip().removeprefix("optional:").removeprefix("file:")
            if path and "$" not in path and not path.startswith("classpath:"):
                out.append(path.rstrip("/") or "/")
    return out


def build_dependencies(
    read: Callable[[str], str | None], commands: frozenset[str], has_context: bool
) -> str:
    """Why the app's class path may hold dependencies (empty when the build compiles only the
    project's own sources: ``javac``/``jar``, or a build file that declares no dependency)."""
    if "mvn" in commands or "mvnw" in commands:
        pom = read("pom.xml") if has_context else None
        if pom is None:
            return "the Maven build's pom.xml cannot be read"
        if re.search(r"<(?:dependency|parent)[\s>]", pom):
            return "pom.xml declares dependencies"
    if commands & {"gradle", "gradlew"}:
        build = (read("build.gradle") or read("build.gradle.kts")) if has_context else None
        if build is None:
            return "the Gradle build file cannot be read"
        if re.search(r"\b(?:implementation|api|compile|runtimeOnly|compileOnly)\b", build):
            return "the Gradle build declares dependencies"
    return ""


# -- a jlink runtime ---------------------------------------------------------------------------
#: The oldest Java whose ``jdeps`` has ``--ignore-missing-deps`` and ``--print-module-deps``
#: that work on an application jar (the JDK 17 tools; older ones stop at a missing class).
JLINK_MIN_MAJOR = 17
#: Where the builder writes the runtime ``jlink`` assembles, and the options that keep it small
#: (no Java debug attributes, no C headers, no man pages). Not ``--strip-debug``: on Linux it
#: also strips native symbols with ``objcopy``, which JDK images without binutils lack (jlink
#: fails with "Cannot run program objcopy"); the JDK's own native libraries come stripped.
JLINK_HOME = "/opt/java/jre"
JLINK_OPTIONS = ("--strip-java-debug-attributes", "--no-header-files", "--no-man-pages")
#: Debian and Ubuntu releases a tag's OS word names (the ``slim-`` prefix dropped).
_DEBIAN_RELEASES = frozenset({"buster", "bullseye", "bookworm", "trixie"})
_UBUNTU_BASE = {"focal": "ubuntu:focal", "jammy": "ubuntu:jammy", "noble": "ubuntu:noble"}
#: JDK repositories whose tags name the OS release (``20-jdk-slim-bullseye``, ``20-jdk-jammy``).
_JLINK_TAGS: Mapping[str, re.Pattern[str]] = {
    "openjdk": _OPENJDK_TAG,
    "eclipse-temurin": _TEMURIN_TAG,
}


def jlink_base(ref: ImageRef) -> str | NoJre:
    """The slim image of the JDK image's own OS release, which a ``jlink`` runtime copied out
    of it runs on (the JDK's binaries need that release's glibc), or why it cannot be told."""
    pattern = _JLINK_TAGS.get(ref.hub_name)
    found = pattern.match(ref.tag or "latest") if pattern else None
    word = (found["os"] or "") if found else ""
    release = word.removeprefix("slim-")
    if release in _DEBIAN_RELEASES:
        return f"debian:{release}-slim"
    if release in _UBUNTU_BASE:
        return _UBUNTU_BASE[release]
    return NoJre(
        f"`{ref}` does not name its Debian or Ubuntu release in the tag, and a jlink runtime "
        "needs the glibc of the JDK's own release (use a tag like `-slim-bookworm` or `-jammy`)"
    )


def distroless_for(major: int) -> ImageRef | None:
    """``gcr.io/distroless/javaN-debian12`` for Java ``major``, when it is published."""
    path = DISTROLESS_JAVA.get(major)
    return ImageRef.parse(path) if path else None
