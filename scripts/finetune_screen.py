#!/usr/bin/env python
"""Train the safety screen's second reader: all-MiniLM-L6-v2 fine-tuned to say whether a
human must step in, exported to int8 ONNX for escalation/finetuned.py (no PyTorch at run
time). Run by `make finetune-model` in its own environment (scripts/finetune.sh: CPU
PyTorch, transformers); about 25 minutes on one core. Written by a helper who never saw
the held-out sets; it reads only TRAINING_FILES.

Stages (all by default, results cached in WORK):
  baseline : frozen mean-pooled MiniLM embeddings + LogisticRegressionCV, 5-fold OOF
  cv       : 5-fold fine-tuning, OOF probabilities (fold models saved for the ONNX check)
  final    : fine-tune on all data, threshold = OOF threshold with FPR <= 4%
  export   : ONNX export + int8 (per-channel) quantisation + agreement checks

Usage: python scripts/finetune_screen.py [--stages baseline,cv,final,export]
"""

import argparse
import csv
import json
import os
import random
import re
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.environ.get("FINETUNE_BASE", f"{ROOT}/.finetune/base_model")  # from the pinned wheel
DATA = f"{ROOT}/data/safety"
WORK = os.environ.get("FINETUNE_WORK", f"{ROOT}/.finetune/work")
OUT = f"{ROOT}/escalation/finetuned_model"
# The tuning and training sets only: never a held-out set (tests/escalation checks it).
TRAINING_FILES = (
    "labelled.csv",
    "blind_a.csv",
    "blind_c.csv",
    "train_1.csv",
    "train_2.csv",
    "train_3.csv",
    "train_4.csv",
    "train_checkin_replies.csv",
    "train_subtle_positives.csv",
    "train_hard_negatives.csv",
)
SEED = 0
MAX_LEN = 64
EPOCHS = 3
BATCH = 32
LR_ENC = 5e-5
LR_HEAD = 1e-3
WARMUP = 0.1
N_FOLDS = 5
KINDS = ["emergency", "suicide", "overdose_risk", "negative"]


def sha256(path):
    import hashlib

    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2, ensure_ascii=False)


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def set_seed(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


# ---------------------------------------------------------------- data
SUI = re.compile(r"suicid|(^|_)si(_|$)|self_harm|goodbye|attempt|hopeless|intentional_overdose")


def infer_kind(label, level, note):
    """Older files (labelled, blind_a, blind_c) have no `kind`; infer it from level+note."""
    if label == "no_escalate":
        return "negative"
    n = note.lower().replace(" ", "_")
    if SUI.search(n):
        return "suicide"
    return "emergency" if level == "emergency" else "overdose_risk"


def load_data():
    rows, seen = [], {}
    for f in sorted(os.path.join(DATA, name) for name in TRAINING_FILES):
        with open(f, newline="", encoding="utf-8") as handle:
            file_rows = list(csv.DictReader(handle))
        for r in file_rows:
            text = r["text"].strip()
            key = re.sub(r"\s+", " ", text.lower())
            kind = (r.get("kind") or "").strip()
            inferred = not kind
            if inferred:
                kind = infer_kind(r["label"], r.get("level", ""), r.get("note", ""))
            rec = dict(
                text=text,
                y=int(r["label"] == "escalate"),
                kind=kind,
                kind_inferred=inferred,
                file=os.path.basename(f),
            )
            if key in seen:  # exact duplicate (after case/space normalisation): keep one copy
                old = rows[seen[key]]
                assert old["y"] == rec["y"], f"conflicting labels for {text!r}"
                if old["kind_inferred"] and not inferred:
                    rows[seen[key]] = rec
                continue
            seen[key] = len(rows)
            rows.append(rec)
    return rows


# ---------------------------------------------------------------- metrics
def thr_at_fpr(y, p, max_fpr):
    """Lowest threshold t (predict escalate if p >= t) with FPR <= max_fpr -> max recall."""
    fpr, tpr, thr = roc_curve(y, p)
    ok = np.where(fpr <= max_fpr)[0]
    i = ok[np.argmax(tpr[ok])]
    return float(thr[i])


def report(name, y, p, kinds, thr=None, max_fpr=0.05, inferred=None):
    y = np.asarray(y)
    p = np.asarray(p)
    kinds = np.asarray(kinds)
    auc = roc_auc_score(y, p)
    if thr is None:
        thr = thr_at_fpr(y, p, max_fpr)
    pred = p >= thr
    rec = pred[y == 1].mean()
    fpr = pred[y == 0].mean()
    out = dict(name=name, auc=auc, thr=thr, recall=rec, fpr=fpr, per_kind={})
    log(f"[{name}] AUC={auc:.4f}  thr={thr:.4f}  recall={rec:.4f}  FPR={fpr:.4f}  (n={len(y)})")
    for k in KINDS:
        m = kinds == k
        if not m.any():
            continue
        if k == "negative":
            v = pred[m].mean()
            lab = "false-escalation rate"
        else:
            v = pred[m & (y == 1)].mean()
            lab = "recall"
        out["per_kind"][k] = (float(v), int(m.sum()))
        extra = ""
        if inferred is not None:
            mm = m & ~np.asarray(inferred)
            if k != "negative":
                mm = mm & (y == 1)
            extra = f"   [given-kind rows only: {pred[mm].mean():.4f} n={mm.sum()}]"
        log(f"    kind={k:14s} {lab}={v:.4f}  n={m.sum()}{extra}")
    return out


# ---------------------------------------------------------------- model
def load_tok():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(BASE, local_files_only=True)


class Clf(torch.nn.Module):
    def __init__(self):
        super().__init__()
        from transformers import AutoModel

        self.enc = AutoModel.from_pretrained(BASE, local_files_only=True)
        self.drop = torch.nn.Dropout(0.1)
        self.head = torch.nn.Linear(self.enc.config.hidden_size, 1)

    def forward(self, input_ids, attention_mask):
        h = self.enc(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
        ).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.head(self.drop(pooled)).squeeze(-1)


def batches_bucketed(n_idx, lengths, rng):
    """Shuffle, then sort by length inside chunks of 8 batches (less padding), shuffle batches."""
    idx = list(n_idx)
    rng.shuffle(idx)
    out = []
    for c in range(0, len(idx), BATCH * 8):
        chunk = sorted(idx[c : c + BATCH * 8], key=lambda i: lengths[i])
        out += [chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH)]
    rng.shuffle(out)
    return out


def encode(tok, texts):
    return tok(texts, padding=True, truncation=True, max_length=MAX_LEN, return_tensors="pt")


def train_model(tok, texts, y, seed, tag):
    set_seed(seed)
    model = Clf()
    # word-embedding matrix frozen: 11.7M of 22.7M params, ~30% faster on 1 CPU thread,
    # and little reason to move the vocabulary with ~4.6k short texts.
    model.enc.embeddings.word_embeddings.weight.requires_grad_(False)
    enc_params = [p for n, p in model.enc.named_parameters() if p.requires_grad]
    opt = torch.optim.AdamW(
        [{"params": enc_params, "lr": LR_ENC}, {"params": model.head.parameters(), "lr": LR_HEAD}],
        weight_decay=0.01,
    )
    lengths = [len(t) for t in texts]
    rng = random.Random(seed)
    steps_per_epoch = (len(texts) + BATCH - 1) // BATCH
    total = steps_per_epoch * EPOCHS
    warm = int(WARMUP * total)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (total - s) / max(1, total - warm))
    )
    lossf = torch.nn.BCEWithLogitsLoss()
    yt = torch.tensor(y, dtype=torch.float32)
    step = 0
    t0 = time.time()
    for ep in range(EPOCHS):
        model.train()
        run = 0.0
        nb = 0
        for b in batches_bucketed(range(len(texts)), lengths, rng):
            e = encode(tok, [texts[i] for i in b])
            loss = lossf(model(e["input_ids"], e["attention_mask"]), yt[b])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            opt.zero_grad()
            run += loss.item()
            nb += 1
            step += 1
            if step % 40 == 0:
                took = time.time() - t0
                log(f"  {tag} ep{ep + 1} step {step}/{total} loss {run / nb:.4f} ({took:.0f}s)")
        log(f"  {tag} epoch {ep + 1} done, mean loss {run / nb:.4f}, {time.time() - t0:.0f}s")
    model.eval()
    return model, time.time() - t0


@torch.no_grad()
def predict_torch(model, tok, texts, bs=64):
    model.eval()
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    res = np.zeros(len(texts))
    for c in range(0, len(order), bs):
        b = order[c : c + bs]
        e = encode(tok, [texts[i] for i in b])
        res[b] = torch.sigmoid(model(e["input_ids"], e["attention_mask"])).numpy()
    return res


@torch.no_grad()
def embed_frozen(tok, texts, bs=64):
    from transformers import AutoModel

    enc = AutoModel.from_pretrained(BASE, local_files_only=True).eval()
    res = np.zeros((len(texts), enc.config.hidden_size), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for c in range(0, len(order), bs):
        b = order[c : c + bs]
        e = encode(tok, [texts[i] for i in b])
        h = enc(**e).last_hidden_state
        m = e["attention_mask"].unsqueeze(-1).float()
        v = (h * m).sum(1) / m.sum(1)
        res[b] = torch.nn.functional.normalize(v, dim=-1).numpy()  # = sentence-transformers output
    return res


# ---------------------------------------------------------------- stages
def folds(y):
    skf = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    return list(skf.split(np.zeros(len(y)), y))


def stage_baseline(rows, tok):
    texts = [r["text"] for r in rows]
    y = np.array([r["y"] for r in rows])
    t0 = time.time()
    X = embed_frozen(tok, texts)
    log(f"baseline: embedded {len(texts)} texts in {time.time() - t0:.0f}s")
    oof = np.zeros(len(y))
    Cs = []
    for tr, va in folds(y):
        clf = LogisticRegressionCV(
            Cs=np.logspace(-2, 3, 11).tolist(),
            cv=StratifiedKFold(5, shuffle=True, random_state=SEED),
            scoring="roc_auc",
            max_iter=5000,
            n_jobs=1,
        )
        clf.fit(X[tr], y[tr])
        oof[va] = clf.predict_proba(X[va])[:, 1]
        Cs.append(float(clf.C_[0]))
    log(f"baseline: inner-CV chosen C per fold {Cs}; total {time.time() - t0:.0f}s")
    np.save(f"{WORK}/oof_baseline.npy", oof)
    return oof


def stage_cv(rows, tok):
    texts = [r["text"] for r in rows]
    y = np.array([r["y"] for r in rows])
    oof = np.zeros(len(y))
    fold_id = np.zeros(len(y), dtype=int)
    t_all = time.time()
    for k, (tr, va) in enumerate(folds(y)):
        log(f"fold {k + 1}/{N_FOLDS}: train {len(tr)} val {len(va)}")
        model, tt = train_model(
            tok, [texts[i] for i in tr], y[tr].tolist(), SEED + k, f"fold{k + 1}"
        )
        oof[va] = predict_torch(model, tok, [texts[i] for i in va])
        fold_id[va] = k
        log(f"fold {k + 1}: train {tt:.0f}s, val AUC {roc_auc_score(y[va], oof[va]):.4f}")
        torch.save(model.state_dict(), f"{WORK}/fold{k}.pt")
        del model
    t = time.time() - t_all
    log(f"CV fine-tuning total {t:.0f}s")
    np.save(f"{WORK}/oof_ft.npy", oof)
    np.save(f"{WORK}/fold_id.npy", fold_id)
    write_json(f"{WORK}/cv_time.json", {"cv_seconds": t})
    return oof


def stage_final(rows, tok, oof):
    texts = [r["text"] for r in rows]
    y = np.array([r["y"] for r in rows])
    thr4 = thr_at_fpr(y, oof, 0.04)
    log(f"final threshold (OOF FPR<=4%): {thr4:.6f}")
    model, tt = train_model(tok, texts, y.tolist(), SEED + 100, "final")
    log(f"final model trained in {tt:.0f}s")
    torch.save(model.state_dict(), f"{WORK}/final.pt")
    write_json(f"{WORK}/final_info.json", {"final_seconds": tt, "threshold": thr4})
    return model, thr4


def main():
    # Here, not at import: the export stage imports this module again (as scripts.*), and
    # torch refuses a second set_num_interop_threads once work has run.
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    ap = argparse.ArgumentParser()
    ap.add_argument("--stages", default="baseline,cv,final,export")
    st = ap.parse_args().stages.split(",")
    os.makedirs(WORK, exist_ok=True)
    rows = load_data()
    y = np.array([r["y"] for r in rows])
    kinds = [r["kind"] for r in rows]
    inf = np.array([r["kind_inferred"] for r in rows])
    log(
        f"{len(rows)} unique texts, {y.sum()} escalate / {(1 - y).sum()} no_escalate; "
        f"kind inferred for {inf.sum()} rows from files without `kind`"
    )
    import collections

    log("kinds:", dict(collections.Counter(kinds)))
    tok = load_tok()
    if "baseline" in st:
        ob = stage_baseline(rows, tok)
        report("baseline frozen-MiniLM+LR OOF", y, ob, kinds, inferred=inf)
    oof = stage_cv(rows, tok) if "cv" in st else np.load(f"{WORK}/oof_ft.npy")
    report("fine-tuned MiniLM OOF", y, oof, kinds, inferred=inf)
    report("fine-tuned MiniLM OOF @FPR<=4%", y, oof, kinds, max_fpr=0.04)
    if "final" in st:
        stage_final(rows, tok, oof)
    if "export" in st:
        from scripts.finetune_export import stage_export

        stage_export(rows, tok, oof)


if __name__ == "__main__":
    main()
