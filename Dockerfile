# The peakd CLI in a container, for sweeps on Kubernetes (docs/sweeps.md: `peakd sweep plan --emit kubernetes`).
# Not built or run by PeaKd's tests or CI: it is a starting point, written to the same steps as a build here.
#   docker build -t peakd:latest .
#   docker run --rm -v "$PWD/sweeps:/sweeps" peakd:latest sweep plan /sweeps/spec.json
FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim AS build
WORKDIR /src
COPY . .
# The publish step marks libtorch's GLIBCXX_3.4.32 reference weak (build/PeaKd.NativeFix.targets), as every build here does.
RUN dotnet publish PeaKd.Samples -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0-bookworm-slim
# libgomp for libtorch's OpenMP threads
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 && rm -rf /var/lib/apt/lists/*
COPY --from=build /app /app
RUN printf '#!/bin/sh\nexec dotnet /app/peakd.dll "$@"\n' > /usr/local/bin/peakd && chmod +x /usr/local/bin/peakd
# SIGTERM reaches peakd directly (exec), which stops a cell after its current step, resumably.
ENTRYPOINT ["peakd"]
