#!/usr/bin/env bash
# Reproduces the shipped segmentation model from the labelled volumes: exports the preprocessed
# planes with the product's own code, trains one network per ensemble seed from scratch (in
# parallel, sharing the cores equally), exports them as one ONNX ensemble with its parity fixture
# into models/, and evaluates the result on the volumes.
# Usage: bash training/reproduce-segmentation.sh [VOLUMES_DIR]   (default ../shared/data/volumes)
set -euo pipefail
cd "$(dirname "$0")/.."
volumes=${1:-../shared/data/volumes}
work=work/segmentation
# In-plane spacing (mm) of the planes the networks train on. The export writes it into the sidecar
# models/segmentation/segmentation.json, which the product reads.
spacing=1.25
python=../.venv/bin/python
bash scripts/setup-python.sh
npm run build --silent
node dist/src/cli/main.js export-segmentation-data "$volumes" --out "$work/planes" --spacing "$spacing"
read -ra seeds <<<"$(cd training && $python -c 'from deepspine_training.segmentation.train import ENSEMBLE_SEEDS; print(*ENSEMBLE_SEEDS)')"
threads=$(( $(nproc) / ${#seeds[@]} )); (( threads >= 1 )) || threads=1
pids=()
checkpoints=()
for seed in "${seeds[@]}"; do
  # Training resumes from an existing last.pt, so a fresh reproduction starts from empty folders.
  rm -rf "$work/run-$seed"
  echo "training seed $seed with $threads thread(s); log in $work/train-$seed.log"
  (cd training && exec $python -m deepspine_training.segmentation.train --data "../$work/planes" \
    --out "../$work/run-$seed" --config configs/segmentation.json --seed "$seed" --threads "$threads") \
    >"$work/train-$seed.log" 2>&1 &
  pids+=($!)
  checkpoints+=("../$work/run-$seed/last.pt")
done
failed=0
for index in "${!pids[@]}"; do
  if ! wait "${pids[$index]}" && (( failed == 0 )); then
    seed=${seeds[$index]}
    echo "error: training seed $seed failed; the end of $work/train-$seed.log:" >&2
    tail -n 20 "$work/train-$seed.log" >&2
    failed=1
    # The other trainings would be wasted, so stop them.
    for other in "${pids[@]}"; do kill "$other" 2>/dev/null || true; done
  fi
done
(( failed == 0 )) || exit 1
(cd training && $python -m deepspine_training.segmentation.export "${checkpoints[@]}" \
  --out ../models/segmentation/segmentation.onnx --parity ../models/segmentation/parity)
node dist/src/cli/main.js evaluate "$volumes"
