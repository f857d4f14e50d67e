#!/usr/bin/env bash
# One prepared script for a lent GPU machine (issue 12, point 4): the
# training/eval throughput table and the inference benchmark side by side
# with the original, on CUDA, each with a time limit so that one hung step
# cannot eat the session. The GPU machine has no network, so everything it
# needs travels with the working tree (ignored folders, see below).
#
#   .devwheels/    wheels of speechbrain, hyperpyyaml, soundfile, soxr, ...
#                  for the machine's Python (pip download --no-deps ...)
#   .bench_extra/  hear21passt (pip install --no-deps --target .bench_extra
#                  hear21passt)
#
# Usage (from the repository root; results and logs go to $OUT or results/):
#   bash benchmarks/cuda_session.sh
set -u
out="${OUT:-results/cuda_session}"
mkdir -p "$out"
if ls .devwheels/*.whl >/dev/null 2>&1; then
    python3 -m pip install --no-deps -q .devwheels/*.whl
fi
export PYTHONPATH="$PWD:$PWD/.bench_extra"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv \
    | tee "$out/gpu.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$out/gpu.txt"
timeout 300 python3 benchmarks/cpu_inference.py --device cuda \
    --batch-sizes 1 8 --compile-batches 8 --repeats 5 \
    > "$out/inference_cuda.md" 2> "$out/inference_cuda.err"
echo "inference benchmark: exit $?" | tee -a "$out/gpu.txt"
timeout 240 python3 benchmarks/throughput.py --device cuda \
    --variants PaSST-S --batch-sizes 12 24 --compile-train --rounds 2 \
    > "$out/train_step_cuda.md" 2> "$out/train_step_cuda.err"
echo "training-step table: exit $?" | tee -a "$out/gpu.txt"
tail -n 30 "$out/inference_cuda.md" "$out/train_step_cuda.md"
