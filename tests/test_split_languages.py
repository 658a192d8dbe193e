"""split-build-runtime for Ruby, PHP, Elixir, Haskell and Swift: where each build's output
goes, what the runtime repeats or installs, and the skips (by code).

The golden cases (corpus/split-build-runtime/{ruby,php,elixir,haskell,swift}-*) hold whole
files; these tests pin the decisions one at a time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.split_build_runtime import SplitBuildRuntime
from refactor.analysis.images import ImageRef
from refactor.data import php, ruby, swift
from refactor.engine.codemod import Context
from refactor.engine.runner import run_codemods
from refactor.syntax.parser import parse

NAME = "split-build-runtime"

_LOCK = "GEM\n  remote: https://rubygems.org/\n  specs:\n    {gems}\n\nPLATFORMS\n  ruby\n"


def _run(text: str, files: dict[str, str] | None, tmp_path: Path) -> tuple[str, list[str]]:
    """The split of ``text`` (with a build context of ``files`` when given): output, codes."""
    context = None
    if files is not None:
        for name, body in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
        context = tmp_path
    report = run_codemods(parse(text), Context(context_dir=context), [SplitBuildRuntime()])
    return report.output, [s.code for s in report.skips if s.codemod == NAME]


def _runtime(output: str) -> str:
    return output[output.index(" AS runtime") :]


def _lock(*gems: str) -> dict[str, str]:
    return {"Gemfile.lock": _LOCK.format(gems="\n    ".join(f"{g} (1.0.0)" for g in gems))}


# -- Ruby -------------------------------------------------------------------------------------


def test_lock_gems_reads_the_specs_not_the_dependencies() -> None:
    text = "GEM\n  specs:\n    pg (1.5.6)\n    puma (6.4.2)\n      nio4r (~> 2.0)\n\nDEPENDENCIES\n  pg\n"
    assert ruby.lock_gems(text) == {"pg", "puma"}


@pytest.mark.parametrize(
    ("gems", "expected"),
    [(("pg", "puma"), "libpq5"), (("mysql2",), "libmariadb3"), (("ruby-vips",), "libvips42")],
)
def test_a_native_gem_of_the_lockfile_adds_its_runtime_library(
    gems: tuple[str, ...], expected: str, tmp_path: Path
) -> None:
    text = 'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\nCMD ["ruby", "app.rb"]\n'
    output, codes = _run(text, _lock(*gems), tmp_path)
    assert codes == []
    assert "FROM ruby:3.3-slim AS runtime" in output
    assert f"--no-install-recommends {expected} " in _runtime(output)


def test_pure_ruby_gems_need_no_package(tmp_path: Path) -> None:
    text = 'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\nCMD ["ruby", "app.rb"]\n'
    output, _ = _run(text, _lock("sinatra", "rack"), tmp_path)
    assert "apt-get" not in _runtime(output)
    assert "COPY --from=builder /usr/local/bundle /usr/local/bundle" in output


def test_bundle_path_outside_the_app_is_copied(tmp_path: Path) -> None:
    text = (
        "FROM ruby:3.2\nENV BUNDLE_PATH=/gems\nWORKDIR /app\nCOPY . .\nRUN bundle install\n"
        'CMD ["bundle", "exec", "rackup"]\n'
    )
    output, codes = _run(text, _lock("rack"), tmp_path)
    assert codes == []
    assert "COPY --from=builder /gems /gems" in output


def test_user_bundle_config_is_copied_with_the_home(tmp_path: Path) -> None:
    text = (
        "FROM ruby:3.2\nWORKDIR /app\nCOPY . .\n"
        "RUN bundle config set without 'development test' && bundle install\n"
        'CMD ["bundle", "exec", "puma"]\n'
    )
    output, codes = _run(text, _lock("puma"), tmp_path)
    assert codes == []
    assert "COPY --from=builder /root/.bundle /root/.bundle" in output


@pytest.mark.parametrize(
    ("start", "code"),
    [('["unicorn"]', "SPL021"), ('["bundle", "exec", "sidekiq"]', "SPL021")],
)
def test_a_gem_executable_not_in_the_lockfile_is_refused(
    start: str, code: str, tmp_path: Path
) -> None:
    text = f"FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\nCMD {start}\n"
    assert _run(text, _lock("puma"), tmp_path)[1] == [code]


def test_a_gem_executable_of_another_name_is_found(tmp_path: Path) -> None:
    text = 'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\nCMD ["rails", "s"]\n'
    assert _run(text, _lock("railties"), tmp_path)[1] == []


def test_ruby_without_bundle_install_or_lockfile_is_skipped(tmp_path: Path) -> None:
    plain = 'FROM ruby:3.3\nCOPY app.rb /app/\nRUN gem --version\nCMD ["ruby", "/app/app.rb"]\n'
    assert _run(plain, _lock("rack"), tmp_path)[1] == ["SPL012"]
    bundled = 'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\nCMD ["puma"]\n'
    assert _run(bundled, None, tmp_path)[1] == ["SPL023"]


# -- PHP --------------------------------------------------------------------------------------


def test_php_variant_start_and_workdir() -> None:
    apache = ImageRef.parse("php:8.2-apache")
    fpm = ImageRef.parse("php:8.3-fpm-alpine")
    cli = ImageRef.parse("php:8.2")
    assert apache is not None and fpm is not None and cli is not None
    assert php.image_start(apache) == ("apache2-foreground",)
    assert php.image_start(fpm) == ("php-fpm",)
    assert php.image_workdir(cli) is None
    assert php.image_workdir(apache) == "/var/www/html"


def test_php_runtime_repeats_setup_and_leaves_composer_tools(tmp_path: Path) -> None:
    text = (
        "FROM php:8.2-cli\n"
        "RUN apt-get update && apt-get install -y git unzip\n"
        "RUN docker-php-ext-install pdo_mysql\n"
        "COPY --from=composer:2 /usr/bin/composer /usr/bin/composer\n"
        "WORKDIR /app\nCOPY . .\nRUN composer install --no-dev\n"
        "RUN a2enmod rewrite\n"
        'CMD ["php", "worker.php"]\n'
    )
    output, codes = _run(text, None, tmp_path)
    assert codes == []
    runtime = _runtime(output)
    assert "docker-php-ext-install pdo_mysql" in runtime
    assert "git unzip" not in runtime
    assert "composer" not in runtime
    # the extension comes before the app, the module after it, as in the original
    assert runtime.index("docker-php-ext") < runtime.index("COPY --from=builder /app /app")
    assert runtime.index("COPY --from=builder /app /app") < runtime.index("a2enmod")


@pytest.mark.parametrize(
    ("run", "code"),
    [
        ("RUN curl -sS https://example.test/tool | sh", "SPL036"),
        ("RUN composer global require acme/tool", "SPL036"),
        ("RUN composer install --working-dir=/src", "SPL013"),
    ],
)
def test_php_steps_that_cannot_be_placed(run: str, code: str, tmp_path: Path) -> None:
    text = f"FROM php:8.2-fpm\nWORKDIR /app\nCOPY . .\n{run}\nRUN composer install\n"
    assert _run(text, None, tmp_path)[1] == [code]


def test_php_without_cmd_on_another_image_still_needs_one(tmp_path: Path) -> None:
    text = "FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install\n"
    assert _run(text, _lock("rack"), tmp_path)[1] == ["SPL009"]


# -- Elixir, Haskell, Swift -------------------------------------------------------------------


def test_elixir_release_name_from_mix_exs_and_env(tmp_path: Path) -> None:
    text = (
        "FROM elixir:1.16\nWORKDIR /app\nCOPY . .\nRUN MIX_ENV=staging mix release\n"
        'CMD ["/app/_build/staging/rel/web/bin/web", "start"]\n'
    )
    output, codes = _run(text, {"mix.exs": "def project, do: [app: :web]\n"}, tmp_path)
    assert codes == []
    assert "FROM debian:bookworm-slim AS runtime" in output
    assert "COPY --from=builder /app/_build/staging/rel/web /app/_build/staging/rel/web" in output


@pytest.mark.parametrize(
    ("mix", "start", "code"),
    [
        (
            "[app: :web, releases: [web: []]]",
            '["/app/_build/dev/rel/web/bin/web", "start"]',
            "SPL013",
        ),
        ("[app: :web]", '["/app/_build/dev/rel/web/bin/web", "daemon"]', "SPL021"),
        ("[app: :web]", '["/app/_build/dev/rel/other/bin/other", "start"]', "SPL021"),
    ],
)
def test_elixir_release_refusals(mix: str, start: str, code: str, tmp_path: Path) -> None:
    text = f"FROM elixir:1.16\nWORKDIR /app\nCOPY . .\nRUN mix release\nCMD {start}\n"
    assert _run(text, {"mix.exs": mix}, tmp_path)[1] == [code]


def test_haskell_ghc_output_on_a_bookworm_builder(tmp_path: Path) -> None:
    text = (
        "FROM haskell:9.10-slim-bookworm\nWORKDIR /src\nCOPY Main.hs .\n"
        'RUN ghc -O2 -o /usr/local/bin/hello Main.hs\nCMD ["hello"]\n'
    )
    output, codes = _run(text, None, tmp_path)
    assert codes == []
    assert "libgmp10 libffi8 libnuma1" in output
    assert "COPY --from=builder /usr/local/bin/hello /usr/local/bin/hello" in output


def test_cabal_install_without_copy_method_is_not_an_artifact(tmp_path: Path) -> None:
    text = 'FROM haskell:9.6-bullseye\nCOPY . /src\nRUN cd /src && cabal install\nCMD ["app"]\n'
    assert _run(text, None, tmp_path)[1] == ["SPL013"]


@pytest.mark.parametrize(
    ("tag", "slim"),
    [("5.10", "5.10-slim"), ("latest", "slim"), ("5.9-slim", "5.9-slim"), ("5.10-jammy", None)],
)
def test_swift_slim_tags(tag: str, slim: str | None) -> None:
    assert swift.slim_tag(tag) == slim


def test_swift_resources_are_refused(tmp_path: Path) -> None:
    text = (
        "FROM swift:5.10\nWORKDIR /app\nCOPY . .\nRUN swift build -c release\n"
        'CMD ["/app/.build/release/Tool"]\n'
    )
    manifest = 'targets: [.executableTarget(name: "Tool", resources: [.process("data")])]'
    assert _run(text, {"Package.swift": manifest}, tmp_path)[1] == ["SPL023"]
    output, codes = _run(text, {"Package.swift": "targets: []"}, tmp_path / "plain")
    assert codes == []
    assert "FROM swift:5.10-slim AS runtime" in output


def test_php_composer_installer_stays_in_the_builder(tmp_path: Path) -> None:
    text = (
        "FROM php:8.2-apache\n"
        "RUN curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin"
        " --filename=composer\n"
        "WORKDIR /var/www/html\nCOPY . .\nRUN composer install --no-dev\n"
    )
    output, codes = _run(text, None, tmp_path)
    assert codes == []
    assert "getcomposer" not in _runtime(output)


def test_elixir_without_a_release_needs_the_toolchain(tmp_path: Path) -> None:
    text = (
        "FROM elixir:1.16\nWORKDIR /app\nCOPY . .\nRUN mix deps.get && mix compile\n"
        'CMD ["elixir", "-S", "mix", "phx.server"]\n'
    )
    assert _run(text, None, tmp_path)[1] == ["SPL011"]


def test_ruby_alpine_keeps_its_image_and_needs_no_lockfile(tmp_path: Path) -> None:
    text = (
        "FROM ruby:3.2-alpine\nRUN apk add --no-cache build-base\nWORKDIR /app\nCOPY . .\n"
        'RUN bundle install\nCMD ["ruby", "app.rb"]\n'
    )
    output, codes = _run(text, None, tmp_path)
    assert codes == []
    assert "FROM ruby:3.2-alpine AS runtime" in output


def test_bundle_install_gets_its_own_cached_layer(tmp_path: Path) -> None:
    text = 'FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install --jobs 4\nCMD ["puma"]\n'
    files = {"Gemfile": 'source "https://rubygems.org"\ngem "puma"\n', **_lock("puma")}
    output, codes = _run(text, files, tmp_path)
    assert codes == []
    assert output.index("COPY Gemfile Gemfile.lock ./") < output.index("RUN bundle install")
    assert output.index("RUN bundle install") < output.index("COPY . .")
    local = {"Gemfile": 'gemspec\ngem "puma"\n', **_lock("puma")}
    output, _ = _run(text, local, tmp_path / "local")
    assert "COPY Gemfile Gemfile.lock" not in output  # a gemspec needs the sources


@pytest.mark.parametrize(
    "start", ['["php", "-S", "0.0.0.0:8000"]', '["php", "artisan", "serve", "--host=0.0.0.0"]']
)
def test_php_development_servers_are_refused(start: str, tmp_path: Path) -> None:
    text = f"FROM php:8.2-cli\nWORKDIR /app\nCOPY . .\nRUN composer install\nCMD {start}\n"
    assert _run(text, None, tmp_path)[1] == ["SPL011"]
