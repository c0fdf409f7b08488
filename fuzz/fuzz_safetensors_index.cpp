// Fuzz target: arbitrary bytes as model.safetensors.index.json beside two real shards
// (model-00001-of-00002.safetensors with "a", model-00002-of-00002.safetensors with "b"), so the
// index's names, shard references and path checks meet mutated input.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "formats/safetensors.h"
#include "fuzz_support.h"
#include "vivid/vivid.h"

namespace {

// One folder per process with the shards written once; removed at exit.
const std::filesystem::path& shard_folder() {
    static const std::filesystem::path dir = [] {
        char pattern[] = "/tmp/vivid_fuzz_index_XXXXXX";
        const char* made = mkdtemp(pattern);
        if (!made) std::abort();
        const std::filesystem::path d(made);
        vivid::TensorMap first, second;
        first.emplace("a", vivid::Tensor::zeros(vivid::DType::F32, {2, 3}));
        second.emplace("b", vivid::Tensor::zeros(vivid::DType::F32, {4}));
        vivid::write_safetensors((d / "model-00001-of-00002.safetensors").string(), first);
        vivid::write_safetensors((d / "model-00002-of-00002.safetensors").string(), second);
        std::atexit([] { std::filesystem::remove_all(shard_folder()); });
        return d;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::filesystem::path index = shard_folder() / "model.safetensors.index.json";
    {
        std::ofstream out(index, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    }
    try {
        const vivid::TensorMap t = vivid::read_safetensors_index(index.string());
        for (const auto& [name, tensor] : t) vivid::fuzz::read_every_byte(tensor.raw(), tensor.nbytes());
    } catch (const vivid::Error&) {
    }
    return 0;
}
