# The project image: worker, API, codec server and ops CLI are all `journeys <command>`.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md worker.py ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY store store
COPY api api
COPY starter starter
COPY journeys journeys
COPY bench bench
RUN pip install --no-cache-dir . && useradd --system --uid 10001 journeys
USER journeys
ENV JOURNEYS_ENVIRONMENT=production
ENTRYPOINT ["journeys"]
CMD ["--help"]
