# The nemobot service: `docker run IMAGE discord` (or telegram, simulator...).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY bots ./bots
# the video extra: a bundled ffmpeg gives sent videos their duration, size and thumbnail
RUN pip install ".[video]" && useradd --create-home --uid 10001 nemobot

USER nemobot
ENTRYPOINT ["nemobot"]
CMD ["--help"]
