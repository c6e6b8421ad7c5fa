# Container image of the orders-pipeline Lambda function (arm64 / Graviton).
#
#   docker build --platform linux/arm64 -t orders-pipeline .
#
# Stage 1 installs the exact runtime pins (lambda/requirements.txt, wheels only, no
# dependency resolution: the file lists the whole closure) and the `shared` package into
# /opt/task. Stage 2 is the clean base image plus that folder and the handler in the task
# root: no pip cache, build tools, tests, CLI or dev dependencies.
#
# tests/lambda/test_lambda_image.py replays the COPY and RUN steps below on the host to
# check the resulting layout; keep RUN steps to `pip install ...` and `rm -rf ...`.

ARG BASE_IMAGE=public.ecr.aws/lambda/python:3.12

FROM ${BASE_IMAGE} AS builder
WORKDIR /build
COPY lambda/requirements.txt lambda/requirements.txt
RUN pip install --no-cache-dir --no-deps --only-binary=:all: --target /opt/task -r lambda/requirements.txt
# Only shared/ is copied, so the package build finds no `cli` package; the `orders`
# console script it still generates (bin/) is removed.
COPY pyproject.toml setup.cfg README.md ./
COPY shared/ shared/
RUN pip install --no-cache-dir --no-deps --target /opt/task . && rm -rf /opt/task/bin

FROM ${BASE_IMAGE}
COPY --from=builder /opt/task ${LAMBDA_TASK_ROOT}
COPY lambda/handler.py ${LAMBDA_TASK_ROOT}/
CMD ["handler.lambda_handler"]
