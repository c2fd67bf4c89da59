# The `quiver` command in a small Debian image, ready to run `quiver serve`.
#
#   docker build -t quiver .
#   docker run --rm -p 8080:8080 -v quiver-data:/data quiver \
#     serve /data --host 0.0.0.0 --port 8080 --api-key "$QUIVER_API_KEY"
#
# docs/deploy.md covers S3, Kubernetes and Knative. The image is for
# linux/amd64: the build compiles AVX2 and AVX-512 kernels (picked at run
# time, so any x86-64 CPU runs the binary).

# Build stage: compilers and -dev packages (scripts/setup.sh, minus the
# packages only the tests and benchmarks use: gtest, gmock, benchmark, faiss,
# hnswlib, Ceph and Node.js).
FROM debian:bookworm AS build

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      libzstd-dev liblz4-dev libxxhash-dev libroaring-dev \
      nlohmann-json3-dev libcli11-dev libre2-dev \
      libopenblas-dev \
      libstemmer-dev libutf8proc-dev \
      libcpp-httplib-dev libssl-dev libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Only what the `quiver` binary is built from: with tests and benchmarks off,
# CMake reads nothing in tests/, examples/ or bench/.
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY include/ include/
COPY src/ src/
COPY cli/ cli/

ARG BUILD_TYPE=Release
RUN cmake -S . -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=${BUILD_TYPE} \
      -DQUIVER_BUILD_TESTS=OFF \
      -DQUIVER_BUILD_BENCH=OFF \
 && cmake --build /build --target quiver_cli \
 && strip /build/quiver \
 && /build/quiver --help > /dev/null

# Runtime stage: the shared libraries the binary links, nothing else.
FROM debian:bookworm-slim

# Package of each library the binary needs (their own dependencies, such as
# libgfortran5 for OpenBLAS or libbrotli1 for cpp-httplib, come with them).
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libzstd1 liblz4-1 libxxhash0 libroaring0 \
      libre2-9 \
      libopenblas0-pthread \
      libstemmer0d libutf8proc2 \
      libcpp-httplib0.11 libssl3 libcurl4 \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 10001 quiver \
 && useradd --system --uid 10001 --gid quiver --home-dir /home/quiver --create-home \
      --shell /usr/sbin/nologin quiver \
 && mkdir /data \
 && chown quiver:quiver /data

COPY --from=build /build/quiver /usr/local/bin/quiver

USER 10001:10001
WORKDIR /home/quiver
VOLUME ["/data"]
EXPOSE 8080

# quiver stops cleanly on SIGTERM (in-flight requests finish), so it can run
# as PID 1. The default command serves /data; on 0.0.0.0 it needs an API key:
# set QUIVER_API_KEY (docker run -e QUIVER_API_KEY=...), or pass a whole
# command line (see the top of this file).
ENTRYPOINT ["quiver"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8080", "/data"]
