#!/usr/bin/env bash
# The whole GPU check of issue 31 in one go, under 10 minutes on one H200: run it from the
# repository root on the GPU machine, once jax with its CUDA plugin is installed
# (pip install -e . "jax[cuda12]"). Each part's output goes to $OUT (default gpu_check/).
#   1. the engine table: cpu_default's first group trained by the grid against its runs one
#      by one (benchmarks/engine_throughput.py, float32), then the grid with the two launch
#      options of `execution`: the scan unrolled by 4 steps (scan_unroll=4), and XLA's command
#      buffers holding the loops (gpu_command_buffers="loops", here its XLA flag);
#   2. one grid step profiled: busy share, kernels per step, the longest kernels
#      (benchmarks/profile_step.py on `addition`'s first group);
#   3. cpu_default end to end with its stage times (timing.json), cold compilation cache;
#   4. graph_paper's cost from its measured steps (benchmarks/study_cost.py).
# (bfloat16 is left out: float32 was faster at these sizes on an H200, docs/performance.md.)
# A part that fails is reported and the next one runs; each has its own time limit, 570 s
# in all.
set -uo pipefail
OUT=${OUT:-gpu_check}
mkdir -p "$OUT"
export JAX_COMPILATION_CACHE_DIR="$OUT/jax_cache"  # cold: the study's compiles are counted
python=${PYTHON:-python}
part() {  # part NAME SECONDS COMMAND...: runs COMMAND with a limit, its output in $OUT/NAME.txt
  local name=$1 limit=$2
  shift 2
  echo "== $name (at most $limit s)"
  local start=$SECONDS
  timeout "$limit" "$@" > "$OUT/$name.txt" 2>&1
  echo "   exit $?, $((SECONDS - start)) s; tail:"
  tail -n 12 "$OUT/$name.txt" | sed 's/^/   /'
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv > "$OUT/gpu.txt" 2>&1
part engine_table 110 $python benchmarks/engine_throughput.py --parts=grid --widths=1,0
part engine_table_unroll4 60 $python benchmarks/engine_throughput.py --parts=grid --widths=0 \
  --config.execution.scan_unroll=4
XLA_FLAGS="--xla_gpu_enable_command_buffer=+WHILE,+CONDITIONAL" \
  part engine_table_graph_loops 60 $python benchmarks/engine_throughput.py --parts=grid --widths=0
part profile 50 $python benchmarks/profile_step.py --config=experiments/configs/addition.py --steps=20
part cpu_default 240 $python -m experiments.main --config=experiments/configs/cpu_default.py \
  --workdir="$OUT/cpu_default" --nofigures
part graph_paper_cost 50 $python benchmarks/study_cost.py --config=experiments/configs/graph_paper.py
cat "$OUT/cpu_default/timing.json" 2>/dev/null | head -40
