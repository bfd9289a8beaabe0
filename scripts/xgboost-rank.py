#!/usr/bin/env python3
"""Train and score XGBoost rankers on sessionrank's exported saved states.

    npm run cli -- export-features --data train.csv --out train.libsvm
    npm run cli -- export-features --data test.csv --out test.libsvm
    python3 scripts/xgboost-rank.py train train.libsvm --objective rank:ndcg --out m.json
    python3 scripts/xgboost-rank.py predict m.json test.libsvm      # MRR from XGBoost's predictions
    npm run cli -- evaluate --frozen --model m.json --test test.csv  # the same MRR, scored by sessionrank

Reads `<file>` (libsvm: label, then index:value), `<file>.group` (rows per clickout),
`<file>.features.json` (feature names in column order) and, when present,
`<file>.clickouts.tsv` (session per clickout, and whether it was the session's last).
An index absent from a row is missing (NaN), as XGBoost's own libsvm reader has it; the
export writes every feature, so there are none unless a file was made sparse on purpose.
Values are parsed here (Python's float is exact) rather than by XGBoost's text reader, so
the float32 XGBoost sees is the float32 of the very float64 the service computed.

The saved model names its features (set from .features.json), which is how sessionrank maps
them: it loads wherever a model does (MODEL_PATH, --model) and scores as XGBoost predicts.
Tested with Debian's python3-xgboost 1.7 (apt-get install -y python3-xgboost).
"""

import argparse
import hashlib
import json
import math
import sys

import numpy as np
import xgboost as xgb


def load(path):
    with open(f"{path}.features.json") as f:
        names = json.load(f)
    with open(f"{path}.group") as f:
        groups = [int(line) for line in f if line.strip()]
    labels = []
    rows = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            labels.append(float(parts[0]))
            rows.append(parts[1:])
    x = np.full((len(rows), len(names)), np.nan)
    for r, tokens in enumerate(rows):
        for token in tokens:
            k, v = token.split(":", 1)
            x[r, int(k)] = float(v)
    if sum(groups) != len(rows):
        sys.exit(f"{path}.group counts {sum(groups)} rows but {path} has {len(rows)}")
    sessions, last = [], []
    try:
        with open(f"{path}.clickouts.tsv") as f:
            next(f)
            for line in f:
                session, is_last = line.rstrip("\n").split("\t")
                sessions.append(session)
                last.append(is_last == "1")
    except FileNotFoundError:
        sessions = [str(g) for g in range(len(groups))]
        last = [True] * len(groups)
    if len(sessions) != len(groups):
        sys.exit(f"{path}.clickouts.tsv has {len(sessions)} clickouts, {path}.group {len(groups)}")
    return {
        "names": names,
        "x": x,
        "y": np.array(labels),
        "groups": groups,
        "sessions": sessions,
        "last": last,
    }


def dmatrix(data, rows=None, groups=None):
    x, y = data["x"], data["y"]
    if rows is not None:
        x, y = x[rows], y[rows]
    d = xgb.DMatrix(x, label=y, missing=np.nan, feature_names=data["names"])
    d.set_group(groups if groups is not None else data["groups"])
    return d


def held_out(session, fraction, seed):
    """A stable, salted choice of sessions for early stopping (never rows of one clickout)."""
    h = hashlib.sha1(f"{seed}:{session}".encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32 < fraction


def reciprocal_ranks(scores, data):
    """Per clickout, 1 / rank of the clicked item, ties by shown order (earlier wins), as
    sessionrank's evaluate counts it; 0 when the clicked item was not shown."""
    out = []
    at = 0
    for n in data["groups"]:
        s = [(-math.inf if math.isnan(v) else v) for v in scores[at : at + n]]
        y = data["y"][at : at + n]
        at += n
        best = -1
        for i in range(n):
            if y[i] > 0 and (best < 0 or s[i] > s[best]):
                best = i
        if best < 0:
            out.append(0.0)
            continue
        rank = 1 + sum(1 for j in range(n) if s[j] > s[best] or (s[j] == s[best] and j < best))
        out.append(1.0 / rank)
    return out


def mrr(scores, data):
    rr = reciprocal_ranks(scores, data)
    last = [r for r, is_last in zip(rr, data["last"]) if is_last]
    return {
        "mrr_last": sum(last) / len(last) if last else 0.0,
        "mrr_all": sum(rr) / len(rr) if rr else 0.0,
        "n_last": len(last),
        "n_all": len(rr),
    }


def parse_value(v):
    for cast in (int, float):
        try:
            return cast(v)
        except ValueError:
            pass
    return v


def train(args):
    data = load(args.data)
    params = {
        "objective": args.objective,
        "eta": args.eta,
        "max_depth": args.max_depth,
        "colsample_bytree": args.colsample,
        "tree_method": "hist",
        "seed": args.seed,
        "eval_metric": "map",
    }
    for kv in args.param:
        k, v = kv.split("=", 1)
        params[k] = parse_value(v)
    evals = []
    if args.early_stopping > 0:
        held = [held_out(s, args.valid_fraction, args.seed) for s in data["sessions"]]
        rows = {True: [], False: []}
        groups = {True: [], False: []}
        at = 0
        for g, n in enumerate(data["groups"]):
            rows[held[g]].extend(range(at, at + n))
            groups[held[g]].append(n)
            at += n
        dtrain = dmatrix(data, rows[False], groups[False])
        evals = [(dmatrix(data, rows[True], groups[True]), "valid")]
    else:
        dtrain = dmatrix(data)
    booster = xgb.train(
        params,
        dtrain,
        num_boost_round=args.rounds,
        evals=evals,
        early_stopping_rounds=args.early_stopping if evals else None,
        verbose_eval=False,
    )
    trees = args.rounds
    if evals:
        # The model saved is the one predicted with: its trees up to the best iteration.
        trees = booster.best_iteration + 1
        booster = booster[:trees]
    booster.feature_names = data["names"]
    booster.set_attr(name=args.name or f"xgboost-{args.objective}")
    booster.save_model(args.out)
    print(json.dumps({"out": args.out, "objective": args.objective, "trees": trees}))


def predict(args):
    data = load(args.data)
    booster = xgb.Booster(model_file=args.model)
    d = xgb.DMatrix(data["x"], missing=np.nan, feature_names=data["names"])
    scores = booster.predict(d, output_margin=args.margin)
    outputs = [(args.out, scores)]
    if args.margins:
        outputs.append((args.margins, booster.predict(d, output_margin=True)))
    for path, values in outputs:
        if path:
            with open(path, "w") as f:
                # repr of the float32 as a float64: exact, read back as the same number.
                f.writelines(f"{float(v)!r}\n" for v in values)
    print(json.dumps(mrr([float(v) for v in scores], data)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="fit a model on exported rows and save it as JSON")
    t.add_argument("data")
    t.add_argument("--out", required=True)
    t.add_argument("--objective", default="rank:ndcg")
    t.add_argument("--rounds", type=int, default=2000)
    t.add_argument("--early-stopping", type=int, default=100, help="0: no hold-out, fixed rounds")
    t.add_argument("--valid-fraction", type=float, default=0.1)
    t.add_argument("--eta", type=float, default=0.05)
    t.add_argument("--max-depth", type=int, default=4)
    t.add_argument("--colsample", type=float, default=0.7)
    t.add_argument("--seed", type=int, default=1)
    t.add_argument("--name")
    t.add_argument("--param", action="append", default=[], help="any XGBoost param, key=value")
    t.set_defaults(run=train)
    q = sub.add_parser("predict", help="XGBoost's predictions on exported rows, and their MRR")
    q.add_argument("model")
    q.add_argument("data")
    q.add_argument("--out", help="write one prediction per row")
    q.add_argument("--margin", action="store_true", help="predict raw margins (before any sigmoid)")
    q.add_argument("--margins", help="also write the raw margins to this file")
    q.set_defaults(run=predict)
    args = p.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
