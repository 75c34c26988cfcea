# Member Enquiries: one image for the bot (`memberportal serve`, the default command), the worker
# (`memberportal worker`) and the release step (`memberportal migrate`).
#
# Two stages: `build` turns the project and its dependencies into wheels and installs them into a
# virtual environment; the final stage copies only that environment onto a clean base and runs as
# a non-root user. No compiler or build tool reaches the final image: every dependency has a
# binary wheel for CPython 3.11 on Linux (amd64 and arm64). Should one ever need compiling, add
# `build-essential` to the build stage only.
#
# `memberportal serve` brings the database schema up to date when it starts; with several
# instances run `memberportal migrate` once first (compose.yaml's `migrate` service,
# docs/deployment.md). tests/deploy/ checks this file's shape and builds it (with Docker, or
# the same steps in a virtual environment where Docker is not available).

# The base, pinned by tag. The build argument lets an offline builder use a mirrored copy.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY casestore ./casestore
COPY dialogs ./dialogs
COPY manifest ./manifest
COPY memberportal ./memberportal
COPY scheduler ./scheduler
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip wheel --wheel-dir /wheels . \
 && /opt/venv/bin/pip install --no-index --find-links /wheels member-enquiries \
 && /opt/venv/bin/pip uninstall --yes pip setuptools

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=3978 \
    LOG_FORMAT=json \
    DATABASE_URL=sqlite+aiosqlite:////data/memberportal.db
RUN groupadd --system --gid 10001 memberportal \
 && useradd --system --uid 10001 --gid memberportal --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin memberportal \
 && mkdir /data \
 && chown memberportal:memberportal /data
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
EXPOSE 3978
# Ready: the database answers, the schema is current and the scheduler (if it runs here) is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3978') + '/readyz', timeout=4)"]
ENTRYPOINT ["memberportal"]
CMD ["serve"]
