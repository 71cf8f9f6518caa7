#!/usr/bin/env bash
# The checks run on a lent CUDA machine (no network): wheels are carried in engines/device/
# (pip download them here first: see docs/inference.md, "Repeating the GPU measurements").
# Results go to $OUT.
set -u
OUT=${OUT:-/tmp/device_out}
mkdir -p "$OUT"
python -V; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
python -m pip install -q --no-index --find-links engines/device safetensors pytools platformdirs mako \
  typing_extensions siphash24 2>&1 | tail -2
(python -m pip install --no-index --find-links engines/device --no-build-isolation pycuda \
  > "$OUT/pycuda_build.log" 2>&1; echo "pycuda build exit $?" >> "$OUT/pycuda_build.log") &
python benchmarks/torch_cuda_backend.py 2>&1 | tee "$OUT/torch_cuda_backend.md"
wait
tail -3 "$OUT/pycuda_build.log"
python benchmarks/pycuda_check.py 2>&1 | tee "$OUT/pycuda_check.txt"
