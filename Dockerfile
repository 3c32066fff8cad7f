# syntax=docker/dockerfile:1
#
# A production image of `fpga serve --model`: one model_def.zip served over the Open Inference
# Protocol v2, the way an Azure Machine Learning managed online endpoint runs a custom
# container. Azure ML mounts the registered model and sets AZUREML_MODEL_DIR to its folder;
# the server finds the one zip beneath it. Routes (port 5001): liveness /v2/health/live,
# readiness /v2/health/ready, scoring /v2/models/<name>/infer. See README.md, "Serving one
# model in a container (Azure Machine Learning)".
#
#   docker build --platform linux/amd64 -t fpga-serve .
#   docker run --rm -p 5001:5001 -e FPGA_SERVICE_NAME=classifier \
#     -v "$PWD/model_def.zip:/var/azureml-app/azureml-models/model_def.zip:ro" fpga-serve
#
# Build arguments:
#   NODE_IMAGE   the Node 20 base (default node:20-bookworm-slim; glibc, which the prebuilt
#                onnxruntime-node and sharp binaries need)
#   FEATURIZERS  catalog names whose official weights `fpga featurizers pull` bakes into the
#                image's model store, e.g. "mobilenet_v1_0.75 resnet50" (needs network at build)
# Whatever docker/model-store/ holds (labels/imagenet_1000.txt, weight folders) becomes the
# image's model store too; git ignores everything there but its README.

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Install scripts stay off: onnxruntime-node's downloads CUDA providers this image does not use,
# and the optional @tensorflow/tfjs-node's downloads libtensorflow (the image runs TensorFlow.js
# on WebAssembly). sharp's prebuilt libvips comes as npm packages and needs no script.
COPY package.json package-lock.json .npmrc ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
COPY webview ./webview
# dist/cli.js bundles everything but the native and WebAssembly-locating modules (scripts/build.mjs):
# sharp, onnxruntime-node and h5wasm stay in node_modules; the tfjs wasm binaries are copied into dist/.
# Then node_modules keeps only what dist/ loads at run time: dev dependencies go, and so does the
# optional tfjs-node with the packages only it needs (`npm prune` alone would reinstall it).
RUN node scripts/build.mjs --production \
 && npm uninstall @tensorflow/tfjs-node --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/.bin \
      node_modules/onnxruntime-node/bin/napi-v6/darwin node_modules/onnxruntime-node/bin/napi-v6/win32 \
      node_modules/onnxruntime-node/bin/napi-v6/linux/arm64 \
      node_modules/sharp/src node_modules/@img/sharp-libvips-linux-x64/include \
      node_modules/h5wasm/dist/esm node_modules/h5wasm/dist/iife \
      dist/extension.js dist/webview \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    FPGA_PORT=5001 \
    AZUREML_MODEL_DIR=/var/azureml-app/azureml-models \
    FPGA_MODEL_STORE=/opt/fpga/models
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/dist ./dist
COPY --from=build /app/node_modules ./node_modules
COPY --chown=node:node docker/model-store/ /opt/fpga/models/
# The node image's non-root user; compiled models are cached in its home (~/.fpga/compiled).
USER node
ARG FEATURIZERS=""
RUN if [ -n "$FEATURIZERS" ]; then node dist/cli.js featurizers pull $FEATURIZERS; fi
EXPOSE 5001
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.FPGA_PORT+'/v2/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Shell form, so that the variables expand at start (Azure ML sets AZUREML_MODEL_DIR per
# deployment, and FPGA_SERVICE_NAME if it names the model); exec makes node PID 1, so SIGTERM
# reaches it and it stops gracefully. No keys in this mode: the endpoint authenticates.
CMD exec node dist/cli.js serve --model "$AZUREML_MODEL_DIR" --host 0.0.0.0 --allow-remote --port "$FPGA_PORT"
