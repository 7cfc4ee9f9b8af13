#!/usr/bin/env bash
# The first thing to run whenever a GPU is at hand: everything the CuPy path needs checked, in one go,
# in under 8 minutes on one H100/H200. Every step has its own timeout, so one hang cannot eat the rest;
# a failed step is logged and the script goes on. The whole log and every result land in $OUT (or in
# runs/gpu_check when OUT is unset): gpu_check.log, summary.txt, bench/gpu.md, imdb_{gpu,cpu}.log.
#
#     bash scripts/gpu_check.sh            # from the repository root
#
# Without a GPU it prints "no GPU: skipped" and exits 0 at once.
set -u
cd "$(dirname "$0")/.."

if ! command -v nvidia-smi >/dev/null 2>&1 || ! timeout 20 nvidia-smi -L 2>/dev/null | grep -q "^GPU"; then
    echo "no GPU: skipped"
    exit 0
fi

OUT="${OUT:-runs/gpu_check}"
mkdir -p "$OUT"
LOG="$OUT/gpu_check.log"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
exec > >(tee -a "$LOG") 2>&1
PY="${PYTHON:-python}"
START=$(date +%s)

BUDGET=${GPU_CHECK_BUDGET:-450}   # seconds for all steps together: the script ends within 8 minutes

step() {   # step NAME SECONDS COMMAND...: run with a timeout (capped by what is left of BUDGET), record the verdict
    local name=$1 limit=$2; shift 2
    local left=$(( START + BUDGET - $(date +%s) ))
    [ "$left" -lt "$limit" ] && limit=$left
    if [ "$limit" -lt 5 ]; then
        printf '%-28s %-16s\n' "$name" "SKIPPED (budget)" | tee -a "$SUMMARY"; return
    fi
    echo; echo "=== $name (limit ${limit}s, at +$(( $(date +%s) - START ))s) ==="
    local t0=$(date +%s)
    timeout -k 10 "$limit" "$@"
    local rc=$?
    local verdict=ok; [ $rc -ne 0 ] && verdict="FAILED (rc $rc)"; [ $rc -eq 124 ] && verdict="TIMEOUT"
    printf '%-28s %-16s %4ss\n' "$name" "$verdict" "$(( $(date +%s) - t0 ))" | tee -a "$SUMMARY"
}

nvidia-smi
CUDA_MAJOR=$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9]*\).*/\1/p' | head -1)
EXTRA="cupy-cuda12x[ctk]>=13"; [ "${CUDA_MAJOR:-12}" -ge 13 ] && EXTRA="cupy-cuda13x[ctk]>=14"

# 1. the CUDA extras: CuPy with NVRTC and cuBLAS from wheels (the [ctk] extra), torch stays as installed
step "install $EXTRA" 120 "$PY" -m pip install -q "$EXTRA"

# 2. what CuPy sees
step "cupy.show_config" 30 "$PY" -c "import cupy; cupy.show_config(); print(cupy.cuda.runtime.getDeviceProperties(0)['name'])"

# 3. every kernel compiled through fused.py (NVRTC, CuPy's flags), float32 and float64
step "compile kernels" 45 env PYTHONPATH=tests "$PY" - <<'PYEOF'
import numpy as np
from minirnn import backend, fused
backend.set_backend("cupy")
from kernel_cases import CONTRACT  # noqa: E402  (tests/ is on the path below)
for name, (filename, _) in CONTRACT.items():
    for dtype in (np.float32, np.float64):
        fused._kernel(filename, name, np.dtype(dtype))
        print("compiled", filename, name, np.dtype(dtype).name)
PYEOF

# 4. the whole suite on CuPy (fused kernels on), then the GPU tests again with MINIRNN_FUSED=0
step "pytest on cupy" 150 env MINIRNN_BACKEND=cupy "$PY" -m pytest -q -x --durations=10 -p no:cacheprovider \
    --junitxml="$OUT/pytest_cupy.xml"
step "gpu tests, MINIRNN_FUSED=0" 30 env MINIRNN_BACKEND=cupy MINIRNN_FUSED=0 "$PY" -m pytest -q -m gpu \
    -p no:cacheprovider

# 5. probes: each fused kernel launched by a layer; float16; B = 0; embedding gradient bit for bit
step "probes" 40 "$PY" - <<'PYEOF'
import numpy as np
import minirnn
from minirnn import backend, fused
cupy = backend.set_backend("cupy")
launched = {}
real = fused._launch
def counting(filename, name, *args):
    launched[name] = launched.get(name, 0) + 1
    return real(filename, name, *args)
fused._launch = counting
for cell in ("RNN", "LSTM", "GRU"):
    layer = getattr(minirnn, cell)(8, 16, bidirectional=True, rng=0)
    x = cupy.asarray(np.random.default_rng(0).standard_normal((4, 7, 8)), dtype=cupy.float32)
    out, _ = layer.forward(x)
    layer.backward(cupy.ones_like(out))
want = {f"{c}_cell_{d}" for c in ("rnn", "lstm", "gru") for d in ("forward", "backward")}
print("kernel launches by layers:", launched)
assert set(launched) == want, f"never launched: {sorted(want - set(launched))}"
layer = minirnn.LSTM(8, 16, rng=0).astype(np.float16)
out, _ = layer.forward(cupy.ones((2, 3, 8), dtype=cupy.float16))
dx = layer.backward(cupy.ones_like(out))
print("float16 LSTM:", out.dtype, "finite:", bool(cupy.isfinite(dx).all()))
for cell in ("RNN", "LSTM", "GRU"):
    layer = getattr(minirnn, cell)(8, 16, rng=0)
    out, _ = layer.forward(cupy.zeros((0, 5, 8), dtype=cupy.float32))
    layer.backward(cupy.zeros(out.shape, dtype=cupy.float32))
    print(f"B=0 {cell}: out {out.shape}")
emb = minirnn.Embedding(10000, 64, rng=0)
rng = np.random.default_rng(0)
ids = cupy.asarray(np.where(rng.random((64, 500)) < 0.4, 0, rng.zipf(1.3, (64, 500)) % 10000))
d_out = cupy.asarray(rng.standard_normal((64, 500, 64)), dtype=cupy.float32)
emb.forward(ids)
grads = []
for _ in range(5):
    emb.backward(d_out)
    grads.append(cupy.asnumpy(emb.grads["W"]).copy())
same = all(np.array_equal(g, grads[0]) for g in grads)
print("embedding gradient identical over 5 runs:", same)
assert same
PYEOF

# 6. speed: fused vs plain CuPy vs torch (cuDNN, TF32 off), quick sizes; results in $OUT/bench
step "bench_gpu --quick" 60 "$PY" benchmarks/bench_gpu.py --quick --out "$OUT/bench"

# 7. one IMDB epoch, LSTM, H=64, default settings: GPU, then CPU (MINIRNN_BACKEND unset: --device decides)
DATA=../shared/data/aclImdb_v1_labeled.tar.gz
HELP=$(timeout 60 "$PY" -m minirnn.cli train --help 2>&1)
FLAGS="--model lstm --epochs 1 --data $DATA"
for f in "--hidden 64" "--quiet"; do grep -q -- "${f%% *}" <<<"$HELP" && FLAGS="$FLAGS $f"; done   # those that exist
if [ -f "$DATA" ]; then
    for dev in gpu cpu; do
        step "imdb epoch $dev" 90 env -u MINIRNN_BACKEND bash -c "time $PY -m minirnn.cli train $FLAGS \
            --device $dev --out $OUT/imdb_$dev > $OUT/imdb_$dev.log 2>&1; rc=\$?; tail -5 $OUT/imdb_$dev.log; exit \$rc"
    done
else
    echo "IMDB epoch: $DATA not found, skipped" | tee -a "$SUMMARY"
fi

echo; echo "=== summary (total $(( $(date +%s) - START ))s; log: $LOG) ==="
cat "$SUMMARY"
