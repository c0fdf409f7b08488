// Class names of the datasets the released checkpoints were fine-tuned on, in the order of
// Hugging Face's id2label files (huggingface/label-files), shipped as data files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace vivid {

// The list in src/convert/data/<dataset>_labels.txt: "kinetics400" (400 names), "ssv2" (174),
// "kinetics600" (600), "epic_kitchens_100_nouns" (300), "epic_kitchens_100_verbs" (97); index i
// is class id i. Throws vivid::Error for any other dataset name.
std::vector<std::string> label_names(std::string_view dataset);

// Parses a label list: one name per line, '#' lines are comments, blank lines are ignored,
// a trailing '\r' is dropped. `source` names the list in errors.
std::vector<std::string> parse_label_list(std::string_view text, const std::string& source);

}  // namespace vivid
