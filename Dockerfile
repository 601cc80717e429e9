# One image for every FluxNote process; the command picks the role (see docker-compose.yml
# and the README's production section): `fluxnote serve --workers 0` (web, migrations,
# optionally the clock), `fluxnote worker`, `fluxnote clock`.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FLUXNOTE_DATA_DIR=/data

WORKDIR /src
COPY . .
RUN pip install . && useradd --create-home fluxnote && mkdir -p /data && chown fluxnote /data

USER fluxnote
WORKDIR /data
VOLUME /data
EXPOSE 5000
CMD ["fluxnote", "serve", "--workers", "0", "--host", "0.0.0.0", "--port", "5000"]
