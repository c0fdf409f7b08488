"""vivid: ViViT and VideoMAE video transformers on the CPU, from video files or numpy arrays.

    import vivid
    m = vivid.Model.load("./videomae-base-finetuned-kinetics", threads=2)  # a local folder
    m.classify("clip.mp4", top_k=5)        # [{"label": ..., "score": ...}, ...] like HF's pipeline

Model.load takes a local Hugging Face model folder (config.json, model.safetensors or
pytorch_model.bin, preprocessor_config.json), not a hub id: nothing is downloaded. Paths may be
str or os.PathLike (pathlib.Path); videos also numpy arrays of frames.

Everything runs in the C++ library (libvivid) with the GIL released, and one Model may be shared
by several Python threads. Errors are vivid.Error (a RuntimeError); a wrong kind of argument is
a TypeError, an array of the wrong dtype or shape a ValueError.
"""
from ._vivid import Error, Model, __version__, convert, convert_presets, verify


def fit(model, train, out, *, threads=0, precision="fp32", clips=1, crops=1, frame_sampling_rate=0,
        sampling="pipeline", preprocessor_config="", **fit_arguments):
    """Model.load(model, threads=..., precision=..., ...).fit(train, out, **fit_arguments):
    a new linear head on the model's features of labelled videos, written as a new folder."""
    return Model.load(model, threads=threads, precision=precision, clips=clips, crops=crops,
                      frame_sampling_rate=frame_sampling_rate, sampling=sampling,
                      preprocessor_config=preprocessor_config).fit(train, out, **fit_arguments)


__all__ = ["Error", "Model", "convert", "convert_presets", "fit", "verify", "__version__"]

for _name in __all__[:-1]:  # shown as vivid.Model, vivid.Error in help() and tracebacks
    try:
        globals()[_name].__module__ = "vivid"
    except (AttributeError, TypeError):
        pass
del _name
