// The model folder a fit writes: the source folder's tensors byte for byte except the head,
// its config with the new labels, the preprocessor config the features were made with, and
// the report. Built in a temporary folder and renamed into place (whole or not at all).
#pragma once

#include <string>
#include <vector>

#include "fit/softmax_head.h"

namespace vivid {

struct FittedFolder {
    std::string source_folder;
    std::string preprocessor_config;  // the file to copy as preprocessor_config.json ("": none)
    std::vector<std::string> classes;
    const SoftmaxHead* head = nullptr;
    std::string report_json;
};

void write_fitted_folder(const FittedFolder& fitted, const std::string& out, bool replace);

}  // namespace vivid
