# kv in a container: built with build.sh's dependencies on Debian, run as a
# non-root user. docker build -t kv . && docker run --rm -p 6379:6379 kv
# io_uring must be allowed by the container runtime (Docker's default seccomp
# profile blocks it in recent Docker releases: run with --security-opt seccomp=unconfined or a
# profile that allows io_uring_setup, io_uring_enter and io_uring_register).
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc make pkg-config liburing-dev \
      libxxhash-dev libc6-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make -j"$(nproc)" all BUILD=release \
 && make install PREFIX=/usr/local DESTDIR=/out

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends liburing2 libxxhash0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --no-create-home --shell /usr/sbin/nologin kv
COPY --from=build /out/usr/local/bin/kv /usr/local/bin/kv
COPY --from=build /out/usr/local/etc/kv/ /etc/kv/
USER kv
EXPOSE 6379
# Listen on every address of the container; the log goes to stdout (docker logs).
ENTRYPOINT ["/usr/local/bin/kv"]
CMD ["--bind", "0.0.0.0"]
