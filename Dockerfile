# One image for every app; compose.yaml picks the app by its command:
#   docker build -t flash-sale .
#   docker run --rm flash-sale bun apps/checkout/src/index.ts
# Bun runs the TypeScript sources directly, so there is no build step: the
# stages only keep the dependency install cached apart from the sources.

# Pinned to the Bun the repository is developed and tested with (root package.json's @types/bun).
FROM oven/bun:1.4.5-slim AS base
WORKDIR /app

# Only what `bun install` reads (the root's and every workspace's package.json,
# bun.lock, bunfig.toml), so that editing a source file does not invalidate the
# install layer below. A new workspace is picked up without editing this file.
FROM base AS manifests
COPY . /src
RUN find /src -type f ! -name package.json ! -name bun.lock ! -name bunfig.toml -delete \
  && find /src -depth -type d -empty -delete

# Runtime dependencies only (no biome, tsc, drizzle-kit), exactly as bun.lock pins them.
FROM base AS deps
COPY --from=manifests /src/ ./
RUN bun install --frozen-lockfile --production

FROM base AS release
ENV NODE_ENV=production
COPY --from=deps /app/ ./
COPY . .
# The sources stay owned by root: the apps never write to their own tree.
USER bun
EXPOSE 3000
CMD ["bun", "apps/gateway/src/index.ts"]
