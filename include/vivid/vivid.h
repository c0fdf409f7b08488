// vivid: convert, verify and run ViViT and VideoMAE video transformers on a CPU, no Python.
//
// This is the library's whole public surface; everything else is private. In short:
//
//     vivid::Model model = vivid::Model::load("out/videomae-base-kinetics", {.threads = 4});  // a folder
//     for (const vivid::Prediction& p : model.classify("clip.mp4", 5))
//         std::printf("%.3f %s\n", p.score, p.label.c_str());
//
// A Model reads a Hugging Face model folder (config.json, model.safetensors or
// pytorch_model.bin, preprocessor_config.json) and knows its own preprocessing and labels.
// Every failure is a vivid::Error whose what() names the file (or input) and the problem.
// A Model may be called from several threads at once and answers each call as if alone: the
// forwards take turns (each already uses the Model's `threads`), decoding and preprocessing
// overlap. Separate Models run their forwards in parallel.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// The library is built with hidden symbols; these are the ones it exports.
#define VIVID_API __attribute__((visibility("default")))

namespace vivid {

// "0.1.0": the library's version (the shared object's and the CMake package's).
VIVID_API const char* version();

// Every error vivid reports: source() is the file, folder or input at fault, problem() what
// is wrong with it; what() is "source: problem".
class VIVID_API Error : public std::runtime_error {
public:
    Error(std::string source, const std::string& problem)
        : std::runtime_error(source.empty() ? problem : source + ": " + problem),
          source_(std::move(source)), problem_(problem) {}
    const std::string& source() const { return source_; }
    const std::string& problem() const { return problem_; }

private:
    std::string source_;
    std::string problem_;
};

// Arithmetic of the linear layers. F32 is the default and the path held to 1e-4 of Hugging
// Face's logits; BF16 (bfloat16 weights and inputs, float32 accumulation) needs a CPU with
// AVX512-BF16 or AMX and is refused elsewhere; INT8 (weights quantized per output channel at
// load, each layer's input per tensor as it arrives, int32 accumulation) runs on every CPU.
// Both state their error against fp32 in the README.
enum class Precision { F32, BF16, INT8 };
VIVID_API const char* precision_name(Precision precision);  // "fp32", "bf16", "int8"
// "fp32"/"bf16"/"int8" -> Precision; anything else is an Error naming `source`.
VIVID_API Precision parse_precision(const std::string& name, const std::string& source);

// Which frames of a video make a clip.
enum class Sampling {
    Pipeline,  // the HF video-classification pipeline's rule: num_frames * rate frames from the start
    Uniform,   // num_frames spread evenly over the whole video
};

// A dense row-major array crossing the API (pixel values, frames, masks, outputs).
template <typename T>
struct Array {
    std::vector<int64_t> shape{};
    std::vector<T> values{};  // the product of shape, row-major
};
using FloatArray = Array<float>;
using ByteArray = Array<uint8_t>;
using IndexArray = Array<int64_t>;

// The caller's values, read in place for the length of one call (no copy): `data` holds the
// product of `shape` values, dense and row-major (numpy's C order), alive until the call returns.
template <typename T>
struct ArrayView {
    const T* data = nullptr;
    std::vector<int64_t> shape{};
};
using FloatView = ArrayView<float>;
using ByteView = ArrayView<uint8_t>;

struct Options {
    // Threads for this model's work (the forward and FFmpeg's decoding); 0: as many as the
    // process may use (OMP_NUM_THREADS, else every core). Applies to this Model's calls only.
    int threads = 0;
    Precision precision = Precision::F32;
    Sampling sampling = Sampling::Pipeline;
    // Pipeline sampling takes every R-th frame; 0: the rate the model folder's config.json states
    // (frame_sampling_rate, written by presets evaluated at another rate), else HF's default 1.
    int frame_sampling_rate = 0;
    int clips = 1;                // K > 1: K clips spread over the video, logits averaged
    // 3: three spatial crops per clip (start, center, end of the long side after the resize,
    // as VideoMAE's and ViViT's test protocols take them), scores averaged over the K x 3 views.
    int crops = 1;
    // The image processor's settings; empty: the model folder's preprocessor_config.json.
    std::string preprocessor_config{};
    // Plain double-precision loops instead of the fast kernels: slow, for checking them.
    bool reference_kernels = false;
    // Uniform and multi-clip sampling decode the whole video; a video with more frames than
    // this is refused (an Error naming it) instead. Pipeline sampling decodes only what it takes.
    int64_t max_frames = 500'000;
};

// How a pre-training mask hides patches.
enum class Masking {
    Tube,    // the same spatial patches in every temporal slot, as VideoMAE pre-training does
    Random,  // any patches: exactly round(ratio * patches) per clip, chosen uniformly
};

struct Prediction {
    std::string label{};
    double score = 0;  // softmax probability
};

// A split model's answer (ModelInfo::label_heads, e.g. noun and verb): per head the top-k of
// its own softmax, then "joint": the top-k of the product of the heads' softmaxes, labelled
// "<noun> + <verb>" (Scenic's action score).
struct HeadPredictions {
    std::string head{};  // "noun", "verb", ..., "joint"
    std::vector<Prediction> labels{};
};

// What Model::forward returns: the HF model's outputs.
struct Outputs {
    // Classifiers: (batch, labels). Pre-training: the reconstructed masked patches,
    // (batch, masked patches, 3 * tubelet * patch * patch), normalised like the loss's target.
    FloatArray logits{};
    std::optional<float> loss{};  // pre-training with a mask: the mean squared error on masked patches
};

// The image processor's steps, from preprocessor_config.json.
struct Preprocessing {
    std::string processor{};         // "VideoMAEImageProcessor" or "VivitImageProcessor"
    int resize_shortest_edge = 0;  // > 0: the short side is resized to this, keeping the aspect ratio
    int resize_height = 0, resize_width = 0;  // else a fixed size (both 0: no resize)
    int crop_height = 0, crop_width = 0;      // center crop (0: none)
    double rescale_factor = 0;                // 0: no rescale
    bool zero_centering = false;              // ViViT 2023: x = 2x - 1 after rescaling
    bool offset = false;                      // ViViT 2024: x = x - 1 after rescaling
    bool normalize = false;                   // then (x - mean) / std per channel
    std::array<double, 3> mean{}, std{};
};

// A split classifier's part (Scenic's EPIC-KITCHENS ViViT: noun 300, then verb 97): its own
// softmax over its `size` labels, which follow the previous heads' in ModelInfo::labels.
struct LabelHead {
    std::string name{};
    int64_t size = 0;
};

struct ModelInfo {
    std::string folder{};
    std::string architecture{};  // HF class, e.g. "VideoMAEForVideoClassification"
    std::string model_type{};    // "vivit", "vivit_factorised_encoder" or "videomae"
    bool pretraining = false;  // VideoMAEForPreTraining: reconstructs masked patches, no labels
    int64_t parameters = 0;    // weights in the folder's file
    int64_t frames = 0, channels = 0, image_size = 0;  // input (frames, channels, size, size)
    int64_t patches = 0;       // tokens per clip without CLS; a bool_masked_pos row's length
    int64_t hidden_size = 0, layers = 0, heads = 0;
    int64_t temporal_layers = 0;  // the factorised encoder's temporal encoder (`layers`: its spatial one)
    bool norm_pix_loss = false;  // pre-training: the loss's target is normalised per patch
    std::vector<std::string> labels{};         // index -> name (empty for pre-training)
    std::vector<LabelHead> label_heads{};      // empty: one softmax over all labels
    std::optional<Preprocessing> preprocessing{};  // absent without preprocessor_config.json
};

// Pictures of a VideoMAE pre-training reconstruction, each uint8 (T, H, W, 3) RGB in the
// processor's pixel scale: the input; the input with the masked patches grey; and the
// reconstruction: the model's output pasted into the masked patches (un-normalised with each
// patch's own mean and variance when the model uses norm_pix_loss, as VideoMAE's own
// visualisation does), the input elsewhere.
struct Reconstruction {
    float loss = 0;
    ByteArray original{}, masked{}, reconstructed{};
};
// Writes the three as rows of one PNG (frames left to right), atomically.
VIVID_API void write_reconstruction_png(const std::string& path, const Reconstruction& reconstruction);

// One video of a batch run (Model::classify_each).
struct VideoResult {
    std::string path{};
    std::vector<Prediction> labels{};  // empty when `error` is set; a split model's: the joint top-k
    std::vector<HeadPredictions> heads{};  // a split model's answer per head (see HeadPredictions)
    std::string error{};               // why the video could not be classified
    int64_t frames = 0;              // frames in the model's input (clips x crops x frames)
    double decode_ms = 0;            // decoding, sampling and preprocessing
    double model_ms = 0;             // the forward and the softmax
};

// --- Long videos: sliding windows ----------------------------------------------------------
// A window is the model's num_frames frames at the HF pipeline's indices for the model's
// frame_sampling_rate R, shifted to start at frame s; starts are 0, S, 2S, ... and only whole
// windows count. Its pixel_values are exactly what `vivid preprocess` gives for those frames.
// The video is decoded once; frames are preprocessed as they arrive and dropped once no window
// needs them, so memory does not grow with the video's length.
// How windows are cut and what their frames become before the model.
enum class FeatureRecipe {
    HfPipeline,  // the windows above; frames through the folder's image processor
    // VideoMAE V2's extract_tad_feature.py (the features its action localization results read):
    // num_frames consecutive frames (sampling rate 1) starting every `stride` frames (0: 4),
    // whole windows only; frames / 255 squashed to image_size x image_size with torch's bilinear
    // (align_corners false, no antialias), no crop, no mean/std. A fine-tuned mean-pooling
    // VideoMAE only: the vector is fc_norm of the token mean.
    VideoMAEV2Tad,
};
// "hf-pipeline" / "videomae-v2-tad"; an unknown name is an Error naming `source`.
VIVID_API FeatureRecipe parse_feature_recipe(const std::string& name, const std::string& source);
VIVID_API const char* feature_recipe_name(FeatureRecipe recipe);

struct WindowOptions {
    int64_t stride = 0;  // S, frames between window starts; 0: the span, num_frames * R
    // X > 0: instead of S, by the stream's timestamps (variable frame rates included): the
    // starts are, for k = 0, 1, 2, ..., the first frame whose presentation time is at least the
    // first frame's + k * X; a frame that several k pick (a gap longer than X) starts one window.
    double stride_seconds = 0;
    double fps = 0;  // a .npy input's frame rate (it has no timestamps)
    int batch = 1;   // windows per forward
    // Called on the calling thread after each forward: windows done so far, and how many the
    // video should give from its header's frame count or duration (exact for a .npy array and
    // for a file that counts its frames with a stride in frames; an estimate otherwise, which
    // the count may pass; 0 when the file says neither).
    std::function<void(int64_t windows_done, int64_t windows_expected)> on_progress{};
    FeatureRecipe recipe = FeatureRecipe::HfPipeline;
};

struct Window {
    int64_t start_frame = 0, end_frame = 0;  // the first and last frame the window spans
    double start = 0, end = 0;               // their presentation times, seconds
};

struct WindowFeatures {
    std::vector<Window> windows{};
    FloatArray vectors{};  // float32 (windows, hidden): per window, the vector the classifier reads
    double fps = 0;        // the video's average frame rate (or the one given for .npy)
};

struct LabelledWindow {
    Window window{};
    std::vector<Prediction> labels{};  // top-k, softmax scores
};

// A run of consecutive windows with the same top label.
struct Segment {
    double start = 0, end = 0;  // the first window's start, the last one's end
    std::string label{};
    double score = 0;           // the mean of the windows' top scores
    int64_t first_window = 0, last_window = 0;
};

struct Timeline {
    std::vector<LabelledWindow> windows{};
    std::vector<Segment> segments{};
    double fps = 0;
};

// Consecutive windows with the same top label merged (what Model::timeline returns in segments).
VIVID_API std::vector<Segment> timeline_segments(const std::vector<LabelledWindow>& windows);

// --- Own classes: a new linear head (vivid fit) -------------------------------------------

// Labelled videos: folders whose sub-folders are the class names and hold the videos
// (torchvision's ImageFolder / HF's videofolder layout), and JSON Lines files of
// {"path": ..., "label": ...} (a relative path is relative to the list file's folder).
struct LabelledVideos {
    std::vector<std::string> folders{};
    std::vector<std::string> lists{};
};

struct FitOptions {
    LabelledVideos train{};
    LabelledVideos val{};        // optional: scored with the new head, never fitted on
    std::optional<double> l2{};  // L, the penalty (L/2)||W||^2; absent: chosen from l2_grid
    std::vector<double> l2_grid{1e-4, 1e-3, 1e-2, 1e-1, 1.0};  // by stratified k-fold cross-validation
    // While the lowest held-out loss is at the largest L tried, 10x it is tried too, this many
    // times at most (the best L may lie above the grid; 0: the grid only).
    int l2_extra_decades = 4;
    int folds = 5;               // k (capped by the smallest class's count)
    // A `vivid features` output folder (features.jsonl + .npy) that holds every video's
    // vectors, made with this model and settings: window 0's row is taken instead of running it.
    std::string features{};
    int prefetch = 2, batch = 1;  // as classify_each
    bool replace = false;         // replace a non-empty output folder
    // Called on the calling thread after each video's features: how many are done of how many,
    // and the error that made vivid skip that video (empty when it was used).
    std::function<void(int64_t done, int64_t total, const std::string& error)> on_video{};
};

// How a head scores a labelled set (rows of `confusion`: the true class, columns: predicted).
struct FitScores {
    int64_t videos = 0;
    double accuracy = 0;
    std::vector<std::vector<int64_t>> confusion{};
    std::vector<double> precision{}, recall{};  // per class (0 where nothing was predicted / present)
};

struct SkippedVideo {
    std::string path{}, error{};
};

struct FitReport {
    std::string folder{};                // the new model folder
    std::vector<std::string> classes{};  // sorted; class id i is classes[i]
    std::vector<int64_t> train_counts{}, val_counts{};  // videos used per class
    double l2 = 0;
    bool l2_cross_validated = false;
    int folds = 0;  // with cross-validation: k, and per grid value its held-out scores
    std::vector<double> cv_l2{}, cv_log_loss{}, cv_accuracy{};
    int iterations = 0;          // the solver's, on the whole training set
    double objective = 0;        // mean cross-entropy + (L/2)||W||^2 at the solution
    double gradient_max_norm = 0;  // below 1e-6
    FitScores train{};
    std::optional<FitScores> val{};
    std::vector<SkippedVideo> skipped{};  // videos that could not be read
    double features_seconds = 0, solve_seconds = 0;
    std::string json{};  // the text of the folder's fit_report.json
};

// Fits a new linear head on the model's features and writes a model folder `out` that works
// everywhere a folder does: this model's tensors bit for bit except classifier.weight (K, hidden)
// and classifier.bias (K), config.json with the new labels, the preprocessor config the
// features were made with, and fit_report.json. Per video the vector is what
// Model::features gives for window 0 (the clip classify takes; the views averaged with
// several clips or crops). The head minimises the mean cross-entropy over the training videos +
// (L/2)||W||^2 (bias unpenalised, written with zero sum), to a gradient max-norm below 1e-6 (L-BFGS).
// A video that cannot be read is skipped and reported, as long as each class keeps one.
// `out` appears whole or not at all.
VIVID_API FitReport fit(const std::string& model_folder, const FitOptions& fit_options, const std::string& out,
                        const Options& options = {});

class VIVID_API Model {
public:
    // Loads a Hugging Face model folder. Weights are used in place from the mapped file.
    static Model load(const std::string& folder, const Options& options = {});

    Model(Model&&) noexcept;
    Model& operator=(Model&&) noexcept;
    ~Model();

    const ModelInfo& info() const;
    // The options in effect: as given to load(), with `threads` resolved to the count used.
    const Options& options() const;

    // Top-k labels (softmax over the clip-averaged logits), as the HF video-classification
    // pipeline gives them: from a video file (anything FFmpeg reads, or a .npy uint8
    // (T,H,W,3) array), from decoded RGB frames uint8 (T,H,W,3) (already sampled), or from
    // pixel_values float32 (K,T,C,H,W) (K clips of one video, averaged).
    std::vector<Prediction> classify(const std::string& video, int top_k = 5);
    std::vector<Prediction> classify(const ByteArray& frames, int top_k = 5);
    std::vector<Prediction> classify(const FloatArray& pixel_values, int top_k = 5);
    // The same on the caller's memory in place.
    std::vector<Prediction> classify(const ByteView& frames, int top_k = 5);
    std::vector<Prediction> classify(const FloatView& pixel_values, int top_k = 5);

    // The steps on their own. pixel_values: decoded, sampled and preprocessed clips of a video,
    // float32 (clips, T, C, H, W); of frames already sampled, (1, T, C, H, W).
    FloatArray pixel_values(const std::string& video);
    FloatArray pixel_values(const ByteArray& frames);
    // The model's forward on pixel_values (batch, T, C, H, W). Pre-training models need
    // bool_masked_pos, uint8 (batch, patches) with 1 = hidden, the same count in every row.
    Outputs forward(const FloatArray& pixel_values, const ByteArray* bool_masked_pos = nullptr);
    Outputs forward(const FloatView& pixel_values, const ByteView* bool_masked_pos = nullptr);  // in place
    // Top-k labels from logits (batch, labels): softmax of the mean over the batch rows. A split
    // model (ModelInfo::label_heads) answers with its joint labels (see HeadPredictions).
    std::vector<Prediction> top_labels(const FloatArray& logits, int top_k = 5) const;
    // Per head, then joint, for a split model; one entry (head "labels") for any other.
    std::vector<HeadPredictions> head_labels(const FloatArray& logits, int top_k = 5) const;
    // classify() answered per head: what the video's clip-averaged logits give head_labels.
    std::vector<HeadPredictions> classify_heads(const std::string& video, int top_k = 5);
    std::vector<HeadPredictions> classify_heads(const ByteView& frames, int top_k = 5);
    std::vector<HeadPredictions> classify_heads(const FloatView& pixel_values, int top_k = 5);

    // A pre-training mask (batch, patches), 1 = hidden. Tube: int(ratio * patches per slot) of
    // each temporal slot's spatial patches, the same in every slot. Random: exactly
    // round(ratio * patches) per clip. The same seed gives the same mask on every machine.
    ByteArray mask(int64_t batch, double ratio, uint64_t seed, Masking masking = Masking::Tube) const;

    // A pre-training model's reconstruction of one clip (pixel_values (1, T, C, H, W)) with a
    // mask (1, patches): the loss and pictures of it (see Reconstruction).
    Reconstruction reconstruct(const FloatArray& pixel_values, const ByteArray& bool_masked_pos);

    // Classifies `videos` in order and hands each result to `on_result` (on the calling
    // thread) as soon as it is ready. The next videos are decoded and preprocessed on a
    // background thread while the model works, at most `prefetch` ahead (0: one at a time).
    // Up to `batch` videos already decoded go through one forward together (larger matrix
    // products; worth it on many-core CPUs, little on small ones). A video that cannot be used
    // gives a result with an error; the run goes on.
    void classify_each(const std::vector<std::string>& videos, int top_k,
                       const std::function<void(const VideoResult&)>& on_result, int prefetch = 2,
                       int batch = 1);
    // Per window of a long video, the vector the classifier reads (VideoMAE: fc_norm of the
    // token mean, or the normed first token; ViViT: the normed CLS token; a pre-training model:
    // the token mean of its encoder's last hidden state, after its layernorm where it has one).
    WindowFeatures features(const std::string& video, const WindowOptions& options = {});
    // The windows `options` cut on this model, after the recipe's and the model's defaults: the
    // frame sampling rate and the frames between starts (0 when stride_seconds steps by time).
    // An Error when the recipe does not fit the model.
    struct WindowRule {
        int64_t frame_sampling_rate = 1;
        int64_t stride = 0;
    };
    WindowRule window_rule(const WindowOptions& options = {}) const;
    // Per window, the top-k labels; then the segments of equal top label.
    Timeline timeline(const std::string& video, const WindowOptions& options = {}, int top_k = 5);
    // The same over decoded RGB frames uint8 (T,H,W,3) in memory, as over a .npy file of them:
    // options.fps is their frame rate (required; they have no timestamps).
    WindowFeatures features(const ByteView& frames, const WindowOptions& options);
    Timeline timeline(const ByteView& frames, const WindowOptions& options, int top_k = 5);
    // vivid::fit with this model (its options: precision, clips, crops, sampling, ...).
    FitReport fit(const FitOptions& fit_options, const std::string& out);

    // FLOPs of one forward over `batch` clips (1 multiply-add = 2 FLOP); `masked` is the
    // hidden patches per clip of a pre-training forward.
    double flops(int64_t batch, int64_t masked = 0) const;
    // The implementation each kind of layer has run with so far ("encoder.attention.qkv" ->
    // {"brg:avx512_core_bf16"}): oneDNN's name for every matrix product, "vivid:<isa>:..." for
    // vivid's own kernels. One starting with "ref" is oneDNN's slow reference loop, a bug.
    std::map<std::string, std::vector<std::string>> implementations() const;

private:
    struct Impl;
    explicit Model(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// --- Many videos ----------------------------------------------------------------------------

// The videos of a batch run: `inputs` (files as named; folders searched recursively for video
// files by extension, .npy clips included) plus the paths listed in `list_file` (one per line,
// # comments), sorted byte-wise without duplicates so every machine sees the same order.
VIVID_API std::vector<std::string> find_videos(const std::vector<std::string>& inputs,
                                               const std::string& list_file = "");

// Part `index` of `count` of a sorted video list, for spreading a run over machines.
struct Shard {
    int index = 0;
    int count = 1;
};
// "I/N" -> Shard; an Error naming `source` unless it is two integers with 0 <= I < N.
VIVID_API Shard parse_shard(const std::string& text, const std::string& source);
// The videos at positions p with p % count == index: disjoint parts that together are all.
VIVID_API std::vector<std::string> take_shard(const std::vector<std::string>& videos, Shard shard);

// The vector kernels this CPU runs and its bf16 hardware, e.g. "avx2 (cpu: avx2)".
VIVID_API std::string kernels_in_use();
// The implementation oneDNN gives a linear layer of `in` -> `out` features over `rows` rows in
// `precision` on this CPU (e.g. "brg:avx512_core_vnni"), or "unavailable: <why>".
VIVID_API std::string linear_implementation(Precision precision, int64_t rows, int64_t in, int64_t out);

// --- Reading video without a model ------------------------------------------------------

// A video decoded, sampled and preprocessed as the HF pipeline and image processor do, for
// K = options.clips clips.
struct PreprocessedVideo {
    ByteArray frames{};         // the sampled decoded frames (K, T, H, W, 3)
    IndexArray indices{};       // which decoded frames they are (K, T)
    FloatArray pixel_values{};  // (K, T, C, H', W'): a batch of K clips
};
// `num_frames` frames per clip (fewer when the video is too short for pipeline sampling, as
// HF gives). `options.preprocessor_config` must name the processor's config file.
VIVID_API PreprocessedVideo preprocess_video(const std::string& video, int64_t num_frames, const Options& options);

// --- Tensor files ------------------------------------------------------------------------

// The tensors of a safetensors file by element type: float (F32; BF16 and F16 widened),
// bytes (U8, BOOL) and indices (I64, I32 widened).
struct TensorFile {
    std::vector<std::pair<std::string, FloatArray>> floats{};
    std::vector<std::pair<std::string, ByteArray>> bytes{};
    std::vector<std::pair<std::string, IndexArray>> indices{};
};
VIVID_API TensorFile read_tensor_file(const std::string& path);
// The float tensor `name` (pixel_values, say) or the byte tensor `name` (bool_masked_pos);
// an Error naming the file when it is absent or of another type.
VIVID_API FloatArray read_float_tensor(const std::string& path, const std::string& name);
VIVID_API ByteArray read_byte_tensor(const std::string& path, const std::string& name);
// Writes a safetensors file atomically (temporary file, then rename).
VIVID_API void write_tensor_file(const std::string& path, const TensorFile& tensors);
// Writes a float32 array as a .npy file (numpy's version 1.0 format), atomically.
VIVID_API void write_npy_file(const std::string& path, const FloatArray& array);
// Writes `text` to `path` atomically (temporary file, then rename).
VIVID_API void write_text_file(const std::string& path, const std::string& text);

// --- Converting original checkpoints -----------------------------------------------------

enum class CheckpointFormat {
    VivitFlax,    // Scenic's Flax msgpack checkpoint
    VideoMAEPth,  // the original VideoMAE torch.save file
};
// "vivit-flax" / "videomae-pth"; anything else is an Error naming `source`.
VIVID_API CheckpointFormat parse_checkpoint_format(const std::string& name, const std::string& source);

struct ConvertOptions {
    CheckpointFormat from = CheckpointFormat::VideoMAEPth;
    std::string checkpoint{};
    std::string preset{};  // a released model's name (convert_presets()); or:
    std::string config{};  // an HF-style config.json giving the architecture
    std::string preprocessor_config{};  // to save; default: the preset's, else HF's default
    // "kinetics400" or "kinetics600": keep only those classes' rows of a Kinetics-710 head
    // (VideoMAE V2), in that set's order, with its names; empty: the head as it is.
    std::string labels{};
    bool replace = false;             // replace a non-empty output folder
};

struct ConvertResult {
    std::string architecture{};
    int64_t tensors = 0;
    std::vector<std::string> warnings{};
};

// Converts `options.checkpoint` into an HF model folder `out` (model.safetensors, config.json,
// preprocessor_config.json), tensor for tensor what transformers' conversion scripts write,
// checked against the architecture the way HF's strict loading does. The folder appears
// whole or not at all.
VIVID_API ConvertResult convert(const ConvertOptions& options, const std::string& out);

struct PresetInfo {
    std::string name{};
    std::string format{};                 // "vivit-flax" or "videomae-pth"
    bool has_reference_values = false;  // the HF script's asserted logits, for verify_preset
    int frame_sampling_rate = 0;        // the rate the model was evaluated at; 0: not stated
};
VIVID_API std::vector<PresetInfo> convert_presets();

// --- Verifying a model against reference values ------------------------------------------

struct Check {
    bool passed = false;
    double max_difference = 0;  // 0 for shape checks
    std::string line{};       // "PASS logits[0, :3] max |diff| 2.1e-05 <= 1e-04"
};

// Runs `model` on pixel_values (and mask) and compares the leading values of logits[0]
// (and the loss, when given) with `expected_logits` within `atol`.
VIVID_API std::vector<Check> verify(Model& model, const FloatArray& pixel_values, const ByteArray* bool_masked_pos,
                          const std::vector<float>& expected_logits, std::optional<float> expected_loss,
                          double atol = 1e-4);
// The same against the values transformers' conversion script asserts for `preset`
// (logits shape, a leading block of logits, the pre-training loss). An Error if the preset
// has no reference values.
VIVID_API std::vector<Check> verify_preset(Model& model, const std::string& preset, const FloatArray& pixel_values,
                                 const ByteArray* bool_masked_pos);

}  // namespace vivid
