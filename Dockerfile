# syntax=docker/dockerfile:1
# kubemedic image: a build stage compiles TypeScript, the runtime stage holds only production
# dependencies and dist/. No secret is baked in: Slack tokens, ALERTMANAGER_TOKEN and REDIS_URL
# come from the environment at run time (the Helm chart passes them from a Secret).
# test/infra/dockerfile.test.ts performs these steps without a Docker engine; keep commands
# to COPY, RUN, ENV, WORKDIR, USER, EXPOSE, HEALTHCHECK and CMD so it can.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Dependencies first so the layer is reused while only src/ changes; scripts are skipped
# because `prepare` (the build) needs src/, which is copied next.
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig*.json ./
# scripts/bundle-cli.mjs bundles the CLI after tsc (the build script runs both).
COPY scripts/ ./scripts/
COPY src/ ./src/
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000 \
    PATH=/app/bin:$PATH
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; --ignore-scripts because `prepare` would try to build again.
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bin/ ./bin/
# `kubemedic` on PATH for `kubectl exec ... -- kubemedic diagnose ...`.
RUN ln -s kubemedic.js bin/kubemedic
COPY --from=build /app/dist/ ./dist/
# The incidents the console demo answers from when there is no kubeconfig.
COPY demo/ ./demo/
# The files stay owned by root and read-only to the app; uid 1000 is the image's `node` user,
# numeric so Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
EXPOSE 3000
# Kubernetes ignores HEALTHCHECK and uses the chart's probes (/healthz liveness, /readyz
# readiness); this serves `docker run` and Compose.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/main.js"]
