# The bot in a small image. Build: docker build -t interview-bot .
# Run:   docker compose up -d   (compose.yaml: the data volume, the token from .env)
#   or:  docker run --env-file .env -v interview-data:/data interview-bot
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

# The dependencies in their own layer, from pyproject.toml alone: editing the source does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY README.md LICENSE ./
COPY bot ./bot
COPY content ./content
RUN pip install --no-deps . && useradd --create-home bot && mkdir /data && chown bot /data

USER bot
# The database, its backups and the heartbeat live on the volume; a config file can be mounted at
# /data/config.toml (read from the working directory).
WORKDIR /data
# Unhealthy when the bot has not been connected to Discord for health.max_age_seconds (90 s by default): it
# rewrites a heartbeat file every 30 s while connected.
HEALTHCHECK --interval=60s --timeout=10s --start-period=60s --retries=2 CMD ["interview-bot", "health"]
CMD ["interview-bot", "run"]
