// The CLS-token encoder ViViT is made of (HF VivitEmbeddings' CLS and positions, VivitEncoder,
// the final LayerNorm): each sequence gets a learned CLS token in front, learned positions on
// every row, pre-norm blocks, and only its normed CLS row leaves. Model 1 is one of these over
// all tubelets; the factorised encoder (Model 2) is a spatial one over each temporal slot's
// tubelets, then a temporal one over the slots' CLS rows.
#pragma once

#include <string>
#include <vector>

#include "models/model_parts.h"

namespace vivid {

struct ClsEncoderNames {
    std::string cls_token, position_embeddings;  // (1, 1, D), (1, tokens, D)
    std::string layer_prefix;                    // "vivit.encoder.layer." -> ".0.", ".1.", ...
    std::string final_norm;                      // "vivit.layernorm."
};

class ClsEncoder {
public:
    // `tokens` counts the CLS row.
    static ClsEncoder load(const WeightReader& w, const ClsEncoderNames& names, int64_t tokens, int64_t layers,
                           const VitLayerShape& shape, QkvBias bias, const ModelKernels& kernels);
    int64_t tokens() const { return tokens_; }

    // Starts `batch` sequences in x (batch, tokens, D): row 0 = CLS + its position, the other
    // rows their positions, for the inputs to be added to.
    void begin(float* x, int64_t batch) const;
    // The blocks over x (in place) and the final LayerNorm of each sequence's CLS row into
    // cls_out (batch, D). The classifier reads only CLS, and every block is row-wise except
    // attention, where CLS is one query among all keys: the last block runs for CLS alone.
    void run(const ModelKernels& kernels, float* x, int64_t batch, float* cls_out, VitWorkspace& ws);
    double flops(int64_t batch) const;

private:
    VitLayerShape shape_{};
    int64_t tokens_ = 0;
    Tensor cls_, pos_;
    std::vector<VitLayer> layers_;
    LayerNormWeights final_norm_;
};

}  // namespace vivid
