# A small CPU image with the `impute` command as its entry point.
#   docker build -t impute .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/data" impute fill /data/x.csv
# The base image is pinned; torch comes from PyTorch's CPU-only index, so no CUDA libraries are
# pulled in (the default torch wheel on PyPI is a multi-GB CUDA build).

FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src src
COPY sample_data sample_data
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11.11-slim-bookworm
ARG TORCH_VERSION=2.13.0
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN pip install --index-url https://download.pytorch.org/whl/cpu "torch==${TORCH_VERSION}"
COPY --from=build /wheels /wheels
RUN pip install /wheels/*.whl && rm -rf /wheels
RUN useradd --create-home --uid 1000 impute
USER impute
WORKDIR /data
ENTRYPOINT ["impute"]
CMD ["--help"]
