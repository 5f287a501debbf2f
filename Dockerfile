# One image for every service, chosen at build time:
#   docker build --build-arg SERVICE=users -t shop-users .
FROM denoland/deno:2.9.6

ARG SERVICE
RUN test -n "$SERVICE" || { echo "build with --build-arg SERVICE=<name>" >&2; exit 1; }
# ENV, not only ARG, so the CMD below can expand it when the container starts.
ENV SERVICE=${SERVICE}

# Owned by the deno user, so the service may write its node_modules state and PGlite fallback.
RUN mkdir /app && chown deno:deno /app
WORKDIR /app
USER deno

# Dependencies before the source, so editing code does not download them again.
COPY --chown=deno:deno deno.json deno.lock package.json ./
RUN deno install --frozen

COPY --chown=deno:deno . .
RUN deno cache services/${SERVICE}/main.ts

ENV HTTP_PORT=8000
# Services listen on loopback unless told (HTTP_HOST): in a container that would shut out the
# published port and the other containers.
ENV HTTP_HOST=0.0.0.0
EXPOSE 8000
# The image has no curl; deno itself asks.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD deno eval --no-config "const r = await fetch('http://127.0.0.1:8000/health'); Deno.exit(r.ok ? 0 : 1)"
# exec, so deno (not sh) receives the stop signal; with HTTP_PORT the service serves HTTP
# itself and drains it on SIGTERM (deno serve would close its connections instead).
CMD exec deno run --allow-net --allow-env --allow-read --allow-write --allow-sys services/${SERVICE}/main.ts
