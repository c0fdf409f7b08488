// Loading and running ViViT and VideoMAE models (fp32).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/model_config.h"
#include "kernels/implementation_log.h"
#include "vivid/vivid.h"
#include "core/tensor.h"

namespace vivid {

struct ModelOutputs {
    Tensor logits;  // classification: (B, num_labels); pre-training: (B, num_masked, 3*t*p*p)
    Tensor loss;    // pre-training with a mask: shape [1]; undefined otherwise
};

// Optimized runs; Reference is plain loops for checking it; ShapeCheck only builds the model's
// structure (every weight's name and shape checked, nothing copied, nothing runnable).
enum class KernelChoice { Optimized, Reference, ShapeCheck };

class VideoModel {
public:
    virtual ~VideoModel() = default;
    virtual const ModelConfig& config() const = 0;
    // HF architecture name this model runs, e.g. "VideoMAEForPreTraining".
    virtual std::string architecture() const = 0;
    virtual bool is_pretraining() const { return false; }
    // Number of patches (tokens without CLS) per clip, the length of a bool_masked_pos row.
    virtual int64_t num_patches() const = 0;
    // pixel_values: float32 (B, num_frames, num_channels, image_size, image_size).
    // bool_masked_pos: uint8/bool (B, num_patches), required for pre-training models.
    // Bad shapes throw vivid::Error with source "pixel_values" / "bool_masked_pos".
    virtual ModelOutputs forward(const Tensor& pixel_values, const Tensor* bool_masked_pos) = 0;
    // One vector per clip, float32 (B, hidden): what the classifier reads (VideoMAE: fc_norm of
    // the token mean, or the normed first token; ViViT: the normed CLS token); a pre-training
    // model: the token mean of VideoMAEModel's last_hidden_state, no mask.
    virtual Tensor features(const Tensor& pixel_values) = 0;
    // FLOPs of the forward HF runs for `batch` clips (1 multiply-add = 2 FLOP); num_masked is
    // the masked patches per clip of a pre-training forward (ignored by classifiers).
    virtual double forward_flops(int64_t batch, int64_t num_masked) const = 0;

    // Which implementation each kind of layer has run with (or been prepared for) so far.
    std::shared_ptr<kernels::ImplementationLog> implementation_log = std::make_shared<kernels::ImplementationLog>();
};

// Builds a model from a config and HF-named weights; `weights_source` names the file in
// errors (missing weight, wrong shape naming both shapes). Weights the model does not use
// are ignored, and listed in `unused_weights` when given.
std::unique_ptr<VideoModel> build_model(const ModelConfig& config, const TensorMap& weights,
                                        const std::string& weights_source,
                                        KernelChoice kernels = KernelChoice::Optimized,
                                        std::vector<std::string>* unused_weights = nullptr,
                                        Precision precision = Precision::F32);

// Loads an HF model folder: config.json plus model.safetensors, a sharded
// model.safetensors.index.json, or pytorch_model.bin.
std::unique_ptr<VideoModel> load_model(const std::string& dir,
                                       KernelChoice kernels = KernelChoice::Optimized,
                                       Precision precision = Precision::F32);

// The folder's weights alone (same file rules as load_model); `source` receives the file used.
TensorMap load_model_weights(const std::string& dir, std::string& source);

}  // namespace vivid
