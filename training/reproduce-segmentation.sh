#!/usr/bin/env bash
# Reproduces the shipped segmentation model from the labelled volumes: exports the preprocessed
# planes with the product's own code, trains, exports ONNX and the parity fixture into models/.
# Usage: bash training/reproduce-segmentation.sh [VOLUMES_DIR]   (default ../shared/data/volumes)
set -euo pipefail
cd "$(dirname "$0")/.."
volumes=${1:-../shared/data/volumes}
work=work/segmentation
bash scripts/setup-python.sh
npm run build --silent
node dist/src/cli/main.js export-segmentation-data "$volumes" --out "$work/planes"
(cd training && ../.venv/bin/python -m deepspine_training.segmentation.train \
  --data "../$work/planes" --out "../$work/run" --config configs/segmentation.json)
(cd training && ../.venv/bin/python -m deepspine_training.segmentation.export "../$work/run/last.pt" \
  --out ../models/segmentation/segmentation.onnx --parity ../models/segmentation/parity)
node dist/src/cli/main.js evaluate "$volumes"
