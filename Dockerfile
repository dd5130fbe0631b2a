# The PIC admin API with pic-obs and its plugins, served by gunicorn.
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml README.md ./
COPY pic_obs ./pic_obs
COPY plugins ./plugins
RUN pip install --no-cache-dir . ./plugins/audit ./plugins/caddy ./plugins/coredns \
        ./plugins/wireguard ./plugins/mailserver
WORKDIR /app
ENV PIC_DATA_DIR=/app/data
EXPOSE 8080
CMD ["pic-obs", "serve", "--host", "0.0.0.0", "--port", "8080", "--workers", "2"]
