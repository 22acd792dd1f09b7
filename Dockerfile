# The bot in a container: slim Python, non-root, pinned runtime dependencies (no test or lint tools),
# index built at image build time, and a health check that reads the running bot's heartbeat.
#   docker build -t policy-bot .
#   docker run -d --name policy-bot -e TELEGRAM_BOT_TOKEN=... -v policy-data:/data policy-bot
# Where no registry is reachable, any Debian-like image with python3 (3.11+), its venv module and
# useradd will do: docker/local-base.sh makes one, then build with
#   docker build --build-arg BASE_IMAGE=localbase/python:3.11-slim -t policy-bot .
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

# The dependencies live in a venv of the image's own, first on PATH: `python` and `pip` mean the
# venv's whichever base is used (Debian's own python3 has neither name and refuses system-wide
# pip installs, PEP 668).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8 \
    PATH=/opt/venv/bin:$PATH \
    BOT_DATA_DIR=/data \
    CORPUS_DIR=/data/corpus \
    RETRIEVAL_CACHE_DIR=/app/.cache/retrieval

WORKDIR /app
RUN useradd --create-home --uid 10001 bot

COPY requirements.txt .
RUN python3 -m venv /opt/venv \
    && pip install --no-cache-dir -r requirements.txt

COPY retrieval ./retrieval
COPY bot ./bot
COPY seeds ./seeds

# Build the index (and jieba's dictionary copy) now, so the container starts in about a second.
# The cache is keyed by file names and contents, so it also serves the copy of the
# seeds that the first start places in the volume (where admins may add documents).
# jieba's own dictionary cache (/tmp/jieba.cache, which tagging places and people uses) is written
# here as root with mode 600: left so, the bot rebuilt it at every start and logged a traceback when
# it could not write it back.
RUN python -m retrieval index --corpus /app/seeds \
    && mkdir -p /data \
    && chown -R bot:bot /data /app/.cache \
    && chmod a+r /tmp/jieba.cache

USER bot
VOLUME ["/data"]
# Healthy while the bot records a heartbeat in /data/state.sqlite3 every 30 s (see bot/health.py):
# a stuck event loop or scheduler, or a database it can no longer write, turns it unhealthy.
HEALTHCHECK --interval=60s --timeout=10s --start-period=90s --retries=3 CMD ["python", "-m", "bot", "--check"]
CMD ["sh", "-c", "[ -d \"$CORPUS_DIR\" ] || cp -r /app/seeds \"$CORPUS_DIR\"; exec python -m bot"]
