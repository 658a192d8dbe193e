from ubuntu:24.04
# Keep downloaded packages: the apt cache mounts below reuse them
run rm -f /etc/apt/apt.conf.d/docker-clean; echo 'Binary::apt::APT::Keep-Downloaded-Packages "true";' > /etc/apt/apt.conf.d/keep-cache
run --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \
    apt-get update && apt-get install -y nodejs npm
workdir /srv
copy package.json package-lock.json ./
run --mount=type=cache,target=/root/.npm npm ci
cmd ["node", "server.js"]
