// read_torch_state_dict against torch itself: every conformance checkpoint (names, order,
// dtypes, shapes and byte hashes that torch.load gave), the HF conversion's weights, and the
// fixtures of tests/data/torch/make_torch_fixtures.py (golden values written from torch.load).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "test_support.h"
#include "vivid/vivid.h"
#include "formats/safetensors.h"
#include "formats/torch_checkpoint.h"

namespace vivid {
namespace {

using nlohmann::json;

std::filesystem::path torch_data() { return test::data_dir() / "torch"; }

std::string bytes_of(const Tensor& t) {
    Tensor c = t.is_contiguous() ? t : t.contiguous_copy();
    return std::string(reinterpret_cast<const char*>(c.raw()), c.nbytes());
}

std::string error_of(const std::filesystem::path& path) {
    try {
        read_torch_state_dict(path.string());
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

TEST(TorchCheckpoint, ConformanceCheckpointsMatchTorchLoad) {
    const json golden = json::parse(test::read_bytes(torch_data() / "conformance_checkpoints.json"));
    ASSERT_GE(golden.size(), 4u);
    for (const auto& [name, expected] : golden.items()) {
        SCOPED_TRACE(name);
        TorchStateDict sd =
            read_torch_state_dict((test::conformance_dir() / name / "checkpoint.pth").string());
        EXPECT_EQ(sd.source_key, expected["source_key"].get<std::string>());
        ASSERT_EQ(sd.order.size(), expected["tensors"].size());
        ASSERT_EQ(sd.tensors.size(), expected["tensors"].size());
        for (std::size_t i = 0; i < sd.order.size(); ++i) {
            const json& e = expected["tensors"][i];
            const std::string tensor_name = e["name"].get<std::string>();
            SCOPED_TRACE(tensor_name);
            EXPECT_EQ(sd.order[i], tensor_name);
            const Tensor& t = sd.tensors.at(tensor_name);
            EXPECT_EQ(dtype_name(t.dtype()), e["dtype"].get<std::string>());
            EXPECT_EQ(t.shape(), e["shape"].get<Shape>());
            char hash[17];
            std::snprintf(hash, sizeof hash, "%016llx",
                          static_cast<unsigned long long>(test::fnv1a64(bytes_of(t))));
            EXPECT_EQ(hash, e["fnv1a64"].get<std::string>());
            // Stored, aligned, contiguous: a zero-copy view of the mapped file.
            EXPECT_FALSE(t.writable());
            EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw()) % 64, 0u);
        }
    }
}

// The original -> HF names of FINDINGS.md for one layer's inner part (no qkv).
std::string hf_layer_part(const std::string& rest) {
    static const std::pair<const char*, const char*> renames[] = {
        {"norm1.", "layernorm_before."}, {"norm2.", "layernorm_after."},
        {"attn.proj.", "attention.output.dense."}, {"mlp.fc1.", "intermediate.dense."},
        {"mlp.fc2.", "output.dense."}, {"attn.q_bias", "attention.attention.q_bias"},
        {"attn.v_bias", "attention.attention.v_bias"}};
    for (const auto& [from, to] : renames) {
        if (rest.rfind(from, 0) == 0) return to + rest.substr(std::strlen(from));
    }
    return "";
}

// Checks every original weight against the HF conversion of the same checkpoint.
void expect_matches_hf(const std::string& case_name) {
    SCOPED_TRACE(case_name);
    const auto dir = test::conformance_dir() / case_name;
    TorchStateDict sd = read_torch_state_dict((dir / "checkpoint.pth").string());
    TensorMap hf = read_safetensors((dir / "expected" / "model.safetensors").string());
    int compared = 0;
    for (const auto& [original, tensor] : sd.tensors) {
        std::string name = original.rfind("encoder.", 0) == 0 ? original.substr(8) : original;
        std::string prefix, rest;
        std::size_t dot;
        if (name.rfind("blocks.", 0) == 0 && (dot = name.find('.', 7)) != std::string::npos) {
            prefix = "videomae.encoder.layer." + name.substr(7, dot - 7) + ".";
            rest = name.substr(dot + 1);
        } else if (name.rfind("decoder.blocks.", 0) == 0 &&
                   (dot = name.find('.', 15)) != std::string::npos) {
            prefix = "decoder.decoder_layers." + name.substr(15, dot - 15) + ".";
            rest = name.substr(dot + 1);
        }
        if (!prefix.empty() && rest == "attn.qkv.weight") {
            // Rows [0:D] query, [D:2D] key, [2D:3D] value.
            const std::string all = bytes_of(tensor);
            const std::size_t third = all.size() / 3;
            EXPECT_EQ(all.substr(0, third), bytes_of(hf.at(prefix + "attention.attention.query.weight")));
            EXPECT_EQ(all.substr(third, third), bytes_of(hf.at(prefix + "attention.attention.key.weight")));
            EXPECT_EQ(all.substr(2 * third), bytes_of(hf.at(prefix + "attention.attention.value.weight")));
            ++compared;
            continue;
        }
        std::string hf_name;
        if (!prefix.empty()) hf_name = prefix + hf_layer_part(rest);
        else if (name.rfind("patch_embed.proj.", 0) == 0)
            hf_name = "videomae.embeddings.patch_embeddings.projection." + name.substr(17);
        else if (name.rfind("head.", 0) == 0) hf_name = "classifier." + name.substr(5);
        else if (name.rfind("norm.", 0) == 0) hf_name = "videomae.layernorm." + name.substr(5);
        else hf_name = name;  // fc_norm, decoder.norm/head, mask_token, encoder_to_decoder
        ASSERT_TRUE(hf.count(hf_name)) << original << " -> " << hf_name;
        EXPECT_EQ(tensor.shape(), hf.at(hf_name).shape()) << original;
        EXPECT_EQ(bytes_of(tensor), bytes_of(hf.at(hf_name))) << original;
        ++compared;
    }
    EXPECT_EQ(compared, static_cast<int>(sd.tensors.size()));
    EXPECT_GT(compared, 10);
}

TEST(TorchCheckpoint, WeightsMatchTheHfConversion) {
    expect_matches_hf("videomae_tiny_finetuned");
    expect_matches_hf("videomae_tiny_pretrain_raw");
}

// A fixture against the golden safetensors that torch.load produced for it.
void expect_matches_golden(const std::string& name) {
    SCOPED_TRACE(name);
    TorchStateDict sd = read_torch_state_dict((torch_data() / (name + ".pth")).string());
    std::map<std::string, std::string> metadata;
    TensorMap golden = read_safetensors((torch_data() / (name + ".golden.safetensors")).string(), metadata);
    EXPECT_EQ(sd.source_key, metadata.at("source_key"));
    EXPECT_EQ(json(sd.order), json::parse(metadata.at("order")));
    ASSERT_EQ(sd.tensors.size(), golden.size());
    for (const auto& [tensor_name, expected] : golden) {
        SCOPED_TRACE(tensor_name);
        ASSERT_TRUE(sd.tensors.count(tensor_name));
        const Tensor& t = sd.tensors.at(tensor_name);
        EXPECT_EQ(t.dtype(), expected.dtype());
        EXPECT_EQ(t.shape(), expected.shape());
        EXPECT_TRUE(t.is_contiguous());
        EXPECT_EQ(bytes_of(t), bytes_of(expected));
    }
}

TEST(TorchCheckpoint, FixturesMatchTorchLoad) {
    for (const char* name : {"training_model", "training_module", "dtypes_plain", "views", "protocol4",
                             "protocol5", "module_state_dict", "parameters", "deflated"})
        expect_matches_golden(name);
}

TEST(TorchCheckpoint, ViewsAreZeroCopyOnlyWhenContiguousAndStored) {
    TorchStateDict views = read_torch_state_dict((torch_data() / "views.pth").string());
    EXPECT_FALSE(views.tensors.at("slice_a").writable());  // a view at an offset of the shared storage
    EXPECT_FALSE(views.tensors.at("slice_b").writable());
    EXPECT_TRUE(views.tensors.at("transposed").writable());  // copied to contiguous
    EXPECT_TRUE(views.tensors.at("every_other").writable());
    EXPECT_EQ(views.tensors.at("slice_a").raw(), views.tensors.at("whole").raw() + 2 * 4);
    TorchStateDict deflated = read_torch_state_dict((torch_data() / "deflated.pth").string());
    EXPECT_TRUE(deflated.tensors.at("head.weight").writable());  // inflated into an owned buffer
}

TEST(TorchCheckpoint, SharedStorageWithOffsetsAndUnusedOptimizerTensors) {
    // Hand-made pickle: storage "0" holds 0..5 (float32); a = offset 1, (2,2) strides (2,1);
    // b = offset 0, (3,) stride 2. The optimizer's storage "9" has no member and is not needed.
    TorchStateDict sd = read_torch_state_dict((torch_data() / "crafted_shared.pth").string());
    EXPECT_EQ(sd.source_key, "model");
    ASSERT_EQ(sd.order, (std::vector<std::string>{"a", "b"}));
    const Tensor& a = sd.tensors.at("a");
    ASSERT_EQ(a.shape(), (Shape{2, 2}));
    EXPECT_EQ(std::vector<float>(a.span<float>().begin(), a.span<float>().end()),
              (std::vector<float>{1, 2, 3, 4}));
    const Tensor b = sd.tensors.at("b");
    ASSERT_TRUE(b.is_contiguous());
    EXPECT_EQ(std::vector<float>(b.span<float>().begin(), b.span<float>().end()),
              (std::vector<float>{0, 2, 4}));
}

TEST(TorchCheckpoint, UntypedStorageWithDtypeFromRebuildTensorV3) {
    // Storage "0": 12 bytes = bf16 0..5; w = offset 1 element, (2, 2), dtype torch.bfloat16.
    TorchStateDict sd = read_torch_state_dict((torch_data() / "crafted_untyped_v3.pth").string());
    const Tensor& w = sd.tensors.at("w");
    EXPECT_EQ(w.dtype(), DType::BF16);
    ASSERT_EQ(w.shape(), (Shape{2, 2}));
    Tensor f = w.to_float32();
    EXPECT_EQ(std::vector<float>(f.span<float>().begin(), f.span<float>().end()),
              (std::vector<float>{1, 2, 3, 4}));
}

TEST(TorchCheckpoint, MaliciousGlobalsAreNeverExecuted) {
    // Python's pickle would run these (the generator checks that); we must not.
    const std::pair<const char*, const char*> cases[] = {
        {"evil_os_system.pth", "/tmp/vivid_torch_fixture_marker_os_system"},
        {"evil_eval.pth", "/tmp/vivid_torch_fixture_marker_eval"}};
    for (const auto& [file, marker] : cases) {
        SCOPED_TRACE(file);
        std::filesystem::remove(marker);
        TorchStateDict sd = read_torch_state_dict((torch_data() / "bad" / file).string());
        EXPECT_FALSE(std::filesystem::exists(marker));
        ASSERT_EQ(sd.tensors.size(), 1u);  // the args entry is opaque and ignored
        EXPECT_EQ(sd.tensors.at("w").shape(), (Shape{2, 3}));
    }
    // When the weight itself is the call, loading fails and names it.
    const std::string err = error_of(torch_data() / "bad" / "evil_weight.pth");
    EXPECT_NE(err.find("tensor 'w': value is an opaque posix.system object, not a tensor"), std::string::npos) << err;
    EXPECT_FALSE(std::filesystem::exists("/tmp/vivid_torch_fixture_marker_os_system"));
}

TEST(TorchCheckpoint, BrokenFilesGiveOneClearLine) {
    const auto bad = torch_data() / "bad";
    const std::pair<const char*, const char*> cases[] = {
        {"legacy.pth", "legacy (pre-1.6, non-zip) torch.save format is not supported"},
        {"legacy.pth", "torch.save(torch.load(f), f2)"},
        {"truncated.pth", "truncated or corrupt zip archive"},
        {"empty.pth", "empty file"},
        {"garbage.pth", "not a zip archive"},
        {"missing_member.pth", "tensor 'patch_embed.proj.weight': missing data member data/0 for storage key 0"},
        {"no_data_pkl.pth", "missing archive/data.pkl"},
        {"storage_too_short.pth", "tensor 'w': storage shorter than the tensor needs"},
        {"member_too_short.pth", "data member data/0 holds 16 bytes, its storage needs 24"},
        {"opaque_storage.pth", "tensor 'w': its storage is an opaque torch.storage._load_from_bytes object"},
        {"float64.pth", "torch.DoubleStorage, a dtype vivid does not read"},
        {"bad_opcode.pth", "pickle: unsupported opcode 0xff at offset 5"},
        {"no_model_key.pth", "no 'model' or 'module' entry, and top-level entry 'state_dict' is a dict, not a tensor"},
    };
    for (const auto& [file, message] : cases) {
        SCOPED_TRACE(file);
        const std::string err = error_of(bad / file);
        EXPECT_EQ(err.rfind((bad / file).string() + ": ", 0), 0u) << err;  // names the file first
        EXPECT_NE(err.find(message), std::string::npos) << err;
        EXPECT_EQ(err.find('\n'), std::string::npos) << err;
    }
    EXPECT_NE(error_of(bad / "does_not_exist.pth").find("cannot open"), std::string::npos);
}

TEST(TorchCheckpoint, RefusesOtherFormats) {
    // A safetensors file is not a zip: refused, not misread.
    const auto st = test::conformance_dir() / "videomae_tiny_finetuned" / "expected" / "model.safetensors";
    EXPECT_NE(error_of(st).find("not a zip archive"), std::string::npos);
}

}  // namespace
}  // namespace vivid
