#!/usr/bin/env bash
# The checks that need an NVIDIA GPU, as one short script for a machine that has one:
#   1. every kernel test on the real device instead of ILGPU's simulator (bits against the CPU backend);
#   2. the kernel benchmark (fraction of the device's memory bandwidth);
#   3. the end-to-end benchmark on the 1.1B preset, each merge on the CPU and on the GPU.
# Output goes to ${OUT:-./gpu-check}; it takes about ten minutes, most of it generating the inputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-./gpu-check}"
mkdir -p "$out"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true

MODELMERGE_TEST_DEVICE=cuda dotnet test tests/ModelMerge.Tests -c Release --filter "FullyQualifiedName~Gpu" 2>&1 | tee "$out/kernel-tests.txt" | tail -3
dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --gpu-kernels --runs 5 2>&1 | tee "$out/gpu-kernels.txt"
dotnet run -c Release --project tests/ModelMerge.Benchmarks -- --preset tinyllama --method ties,linear --device both --runs 2 \
  --markdown "$out/tinyllama-gpu.md" 2>&1 | tee "$out/tinyllama-gpu.txt" | tail -12
