// safetensors: read (validated, zero-copy) and write (the reference layout).
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"

namespace vivid {

// Reads a .safetensors file. Validates the header length, the JSON, every dtype and shape,
// and that data offsets lie inside the file, match the shape and do not overlap, before any
// tensor byte is trusted. Tensors are read-only views into the mapped file.
TensorMap read_safetensors(const std::string& path);
// Same, also returning the "__metadata__" string map.
TensorMap read_safetensors(const std::string& path, std::map<std::string, std::string>& metadata);

// Reads a sharded checkpoint through its model.safetensors.index.json (weight_map name -> file).
TensorMap read_safetensors_index(const std::string& index_path);

// Serialises tensors the way the reference implementation lays them out: tensors in name
// order, header JSON compact with "__metadata__" last, padded with spaces to 8 bytes.
std::string serialize_safetensors(const TensorMap& tensors,
                                  const std::map<std::string, std::string>& metadata = {
                                      {"format", "pt"}});
// Writes atomically (temporary name, fsync, rename).
void write_safetensors(const std::string& path, const TensorMap& tensors,
                       const std::map<std::string, std::string>& metadata = {{"format", "pt"}});
// The same with fp16/bf16 tensors widened (exactly) to float32 one at a time as they are written:
// an fp16 checkpoint's weights are never held in float32 all at once.
void write_safetensors_float32(const std::string& path, const TensorMap& tensors,
                               const std::map<std::string, std::string>& metadata = {{"format", "pt"}});

}  // namespace vivid
