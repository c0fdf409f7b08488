// Labels as the commands and the service print them: [{"label", "score"}, ...] for one softmax,
// and a split model's {"noun": [...], "verb": [...], "joint": [...]} (heads in config order where
// the JSON type keeps insertion order, nlohmann::ordered_json).
#pragma once

#include <vector>

#include "vivid/vivid.h"

namespace vivid::cli {

template <typename Json>
Json labels_json(const std::vector<Prediction>& predictions) {
    Json list = Json::array();
    for (const Prediction& p : predictions) list.push_back({{"label", p.label}, {"score", p.score}});
    return list;
}

// Model::head_labels' answer: a plain list for one softmax, an object of lists for split heads.
template <typename Json>
Json head_labels_json(const std::vector<HeadPredictions>& heads) {
    if (heads.size() == 1) return labels_json<Json>(heads.front().labels);
    Json object = Json::object();
    for (const HeadPredictions& h : heads) object[h.head] = labels_json<Json>(h.labels);
    return object;
}

}  // namespace vivid::cli
