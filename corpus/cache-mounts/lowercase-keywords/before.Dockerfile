from ubuntu:24.04
run apt-get update && apt-get install -y nodejs npm && rm -rf /var/lib/apt/lists/*
workdir /srv
copy package.json package-lock.json ./
run npm ci
cmd ["node", "server.js"]
