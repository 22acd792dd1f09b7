# The bot in a container: slim Python, non-root, pinned runtime dependencies (no test or lint tools),
# index built at image build time, and a health check that reads the running bot's heartbeat.
#   docker build -t policy-bot .
#   docker run -d --name policy-bot -e TELEGRAM_BOT_TOKEN=... -v policy-data:/data policy-bot
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    BOT_DATA_DIR=/data \
    CORPUS_DIR=/data/corpus \
    RETRIEVAL_CACHE_DIR=/app/.cache/retrieval

WORKDIR /app
RUN useradd --create-home --uid 10001 bot

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY retrieval ./retrieval
COPY bot ./bot
COPY seeds ./seeds

# Build the index (and jieba's dictionary copy) now, so the container starts in about a second.
# The cache is keyed by file names and contents, so it also serves the copy of the
# seeds that the first start places in the volume (where admins may add documents).
RUN python -m retrieval index --corpus /app/seeds \
    && mkdir -p /data \
    && chown -R bot:bot /data /app/.cache

USER bot
VOLUME ["/data"]
# Healthy while the bot records a heartbeat in /data/state.sqlite3 every 30 s (see bot/health.py):
# a stuck event loop or scheduler, or a database it can no longer write, turns it unhealthy.
HEALTHCHECK --interval=60s --timeout=10s --start-period=90s --retries=3 CMD ["python", "-m", "bot", "--check"]
CMD ["sh", "-c", "[ -d \"$CORPUS_DIR\" ] || cp -r /app/seeds \"$CORPUS_DIR\"; exec python -m bot"]
