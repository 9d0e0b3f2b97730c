# syntax=docker/dockerfile:1
# Build stage: compile TypeScript to JavaScript with the project's own compiler.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Install scripts are skipped: the node@24 dev package is not needed in an image that already is Node 24.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN ./node_modules/.bin/tsc -p tsconfig.build.json

# Production dependencies only.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The mediarithmics stand-in for docker-compose: `docker build --target stand-in .`
# Node 24 runs its TypeScript directly by stripping the types.
FROM node:24-slim AS stand-in
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY stand-in ./stand-in
USER node
EXPOSE 8080
ENTRYPOINT ["node", "stand-in/mediarithmics/main.ts", "--host", "0.0.0.0", "--port", "8080"]

# The connector image (the default target).
FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY schemas ./schemas
# The image's built-in unprivileged user.
USER node
ENV HTTP_PORT=9464
EXPOSE 9464
# The slim image has no curl; Node's own fetch checks liveness.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HTTP_PORT || 9464) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Exec form: node is PID 1 and receives SIGTERM directly, so the connector
# drains its windows and commits before the container stops.
ENTRYPOINT ["node", "--max-semi-space-size=4", "dist/src/cli/main.js"]
CMD ["run"]
