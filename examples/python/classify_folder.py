#!/usr/bin/python3
"""Classifies every video in a folder and prints a table: python3 classify_folder.py MODEL_DIR FOLDER"""
import pathlib
import sys

import vivid

model_dir, folder = sys.argv[1], pathlib.Path(sys.argv[2])
model = vivid.Model.load(model_dir, threads=2)
videos = sorted(str(p) for p in folder.rglob("*") if p.suffix in {".mp4", ".mkv", ".webm", ".avi", ".npy"})
print(f"{'video':40} {'label':24} score")
for r in model.classify_each(videos, top_k=1):
    name = pathlib.Path(r["path"]).name
    if "error" in r:
        print(f"{name:40} error: {r['error']}")
    else:
        print(f"{name:40} {r['labels'][0]['label']:24} {r['labels'][0]['score']:.3f}")
