#include "fit/fitted_folder.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/atomic_output.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"
#include "models/model_folder.h"
#include "vivid/vivid.h"

namespace vivid {
namespace fs = std::filesystem;
namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path, "cannot be read");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

Tensor float_tensor(const std::vector<double>& values, Shape shape) {
    Tensor t = Tensor::uninitialized(DType::F32, std::move(shape));
    float* out = t.data_mut<float>();
    for (std::size_t i = 0; i < values.size(); ++i) out[i] = static_cast<float>(values[i]);
    return t;
}

// config.json with the new labels: id2label/label2id replaced (num_labels follows from them),
// and a split model's "heads" dropped, since one softmax now covers the new classes.
std::string fitted_config(const std::string& config_path, const std::vector<std::string>& classes) {
    nlohmann::json config = nlohmann::json::parse(read_text(config_path), nullptr, false);
    if (config.is_discarded() || !config.is_object()) throw Error(config_path, "is not a JSON object");
    config.erase("num_labels");
    config.erase("heads");
    add_label_maps(classes, config);
    return config.dump(2) + "\n";
}

}  // namespace

void write_fitted_folder(const FittedFolder& fitted, const std::string& out, bool replace) {
    const ModelFolder source = locate_model_folder(fitted.source_folder);
    TensorMap tensors = read_folder_weights(source);
    const auto weight = tensors.find("classifier.weight");
    if (weight == tensors.end() || !tensors.count("classifier.bias"))
        throw Error(source.weights_path, "has no classifier.weight/classifier.bias to replace; fit a fine-tuned model's folder");
    if (weight->second.dim() != 2 || weight->second.size(1) != fitted.head->dimension)
        throw Error(source.weights_path, "classifier.weight is " + shape_to_string(weight->second.shape()) +
                                             ", not (labels, " + std::to_string(fitted.head->dimension) + ")");
    const int64_t K = fitted.head->classes;
    tensors["classifier.weight"] = float_tensor(fitted.head->weight, {K, fitted.head->dimension});
    tensors["classifier.bias"] = float_tensor(fitted.head->bias, {K});
    std::map<std::string, std::string> metadata{{"format", "pt"}};
    if (fs::path(source.weights_path).filename() == kWeightsFile) read_safetensors(source.weights_path, metadata);
    const std::string config = fitted_config(source.config_path, fitted.classes);
    const std::string processor = fitted.preprocessor_config.empty() ? "" : read_text(fitted.preprocessor_config);
    build_directory_atomically(out, replace, [&](const fs::path& dir) {
        write_safetensors((dir / kWeightsFile).string(), tensors, metadata);
        write_output_file(dir / kConfigFile, config);
        if (!fitted.preprocessor_config.empty()) write_output_file(dir / kPreprocessorConfigFile, processor);
        write_output_file(dir / "fit_report.json", fitted.report_json);
    });
}

}  // namespace vivid
