# The bot in a small image. Build: docker build -t interview-bot .
# Run:   docker run -e DISCORD_TOKEN=... -v interview-data:/data interview-bot
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY content ./content
RUN pip install --no-cache-dir . && useradd --create-home bot && mkdir /data && chown bot /data

USER bot
# The database lives on a volume; a config file can be mounted at /data/config.toml.
ENV PYTHONUNBUFFERED=1
WORKDIR /data
CMD ["interview-bot", "run"]
