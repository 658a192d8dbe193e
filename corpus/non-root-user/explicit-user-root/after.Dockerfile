FROM node:20
WORKDIR /app
COPY . .
RUN npm ci
# the tool writes to /var/run/docker.sock
USER root
CMD ["node", "agent.js"]
