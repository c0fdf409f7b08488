// ModelInfo from a loaded model: what `vivid info` and Model::info() report.
#pragma once

#include <optional>

#include "core/tensor.h"
#include "models/model.h"
#include "models/model_folder.h"
#include "video/preprocess.h"
#include "vivid/vivid.h"

namespace vivid {

ModelInfo describe_model(const ModelFolder& folder, const VideoModel& model, const TensorMap& weights,
                         const std::optional<PreprocessorConfig>& processor);

// The public summary of a processor config.
Preprocessing describe_preprocessing(const PreprocessorConfig& processor);

}  // namespace vivid
