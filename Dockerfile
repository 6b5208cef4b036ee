# The nemobot service: one image for every command, the simulator included.
#   docker run IMAGE telegram        (or discord, chat, simulator, check, --version)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY core ./core
COPY bots ./bots
# The same install command is exercised by CI (.ci/image-check): the project with the
# simulator's extras (a bundled ffmpeg, and the embedded Redis used when REDIS_URL is unset).
RUN pip install '.[sim]' && useradd --create-home --uid 10001 nemobot \
    && install -d -o nemobot -g nemobot /home/nemobot/downloads

USER nemobot
# Healthy while /readyz on METRICS_PORT answers 200 (Redis answers, the platform is
# connected, the render worker runs); without METRICS_PORT, while the process runs.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-m", "bots.healthcheck"]
ENTRYPOINT ["nemobot"]
CMD ["--help"]
