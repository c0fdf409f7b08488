"""vivid: ViViT and VideoMAE video transformers on the CPU, from video files or numpy arrays.

    import vivid
    m = vivid.Model.load("videomae-base-finetuned-kinetics", threads=2)
    m.classify("clip.mp4", top_k=5)        # [{"label": ..., "score": ...}, ...] like HF's pipeline

Everything runs in the C++ library (libvivid) with the GIL released; errors are vivid.Error.
"""
from ._vivid import Error, Model, __version__, convert, convert_presets, verify

__all__ = ["Error", "Model", "convert", "convert_presets", "verify", "__version__"]

for _name in __all__[:-1]:  # shown as vivid.Model, vivid.Error in help() and tracebacks
    try:
        globals()[_name].__module__ = "vivid"
    except (AttributeError, TypeError):
        pass
del _name
