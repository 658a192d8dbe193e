FROM ubuntu:22.04
# Keep downloaded packages: the apt cache mounts below reuse them
RUN rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked apt-get update
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get install -y --no-install-recommends ca-certificates
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    apt-get install -y --no-install-recommends build-essential && apt-get clean
