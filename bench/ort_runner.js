#!/usr/bin/env node
// ONNX Runtime engine process for compare.py.
//
//     node bench/ort_runner.js SPEC.json
//
// SPEC.json: {"ort_module": ".../node_modules/onnxruntime-node", "model": "model.onnx", "threads": 2,
//             "reps": 1, "warmup": 1,
//             "inputs": [{"name": "pixel_values", "type": "float32", "dims": [1, 16, 3, 224, 224],
//                         "file": "pixel_values.bin"}, ...],
//             "outputs": [{"name": "logits", "file": "logits.bin"}, ...]}
// Input files are raw little-endian arrays (float32, int64 or uint8). The session uses
// intra-op threads = threads, inter-op 1, sequential execution, graph optimization 'all'. After the
// warm-up and timed runs, each output of the last run is written as raw float32 to its file, and one
// JSON object is printed on stdout: {"seconds": [...], "load_seconds": s, "outputs": {name: dims}}.
'use strict';
const fs = require('fs');

const ARRAYS = {float32: Float32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array};

function readTensor(ort, input) {
  const Array_ = ARRAYS[input.type];
  if (!Array_) throw new Error(`unsupported input type ${input.type}`);
  const buf = fs.readFileSync(input.file);
  const count = input.dims.reduce((a, b) => a * b, 1);
  if (buf.length !== count * Array_.BYTES_PER_ELEMENT) {
    throw new Error(`${input.file}: ${buf.length} bytes, expected ${count} ${input.type} values`);
  }
  // Copy into a fresh, aligned buffer (Buffer's pool offset need not be a multiple of 8).
  const data = new Array_(count);
  new Uint8Array(data.buffer).set(buf);
  return new ort.Tensor(input.type, data, input.dims);
}

async function main() {
  const spec = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const ort = require(spec.ort_module);
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(spec.model, {
    intraOpNumThreads: spec.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const loadSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const feeds = {};
  for (const input of spec.inputs) feeds[input.name] = readTensor(ort, input);

  let results;
  for (let i = 0; i < spec.warmup; ++i) results = await session.run(feeds);
  const seconds = [];
  for (let i = 0; i < spec.reps; ++i) {
    const start = process.hrtime.bigint();
    results = await session.run(feeds);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const outputs = {};
  for (const out of spec.outputs || []) {
    const t = results[out.name];
    if (!t) throw new Error(`the model has no output ${out.name}`);
    const values = Float32Array.from(t.data, Number);
    fs.writeFileSync(out.file, Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    outputs[out.name] = t.dims;
  }
  process.stdout.write(JSON.stringify({seconds, load_seconds: loadSeconds, outputs,
                                       ort_version: ort.env && ort.env.versions ? ort.env.versions : null}) + '\n');
}

main().catch((err) => {
  process.stderr.write(`ort_runner: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
