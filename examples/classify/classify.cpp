// Classify a video with a Hugging Face ViViT or VideoMAE model folder, using nothing but
// vivid's public header:  classify MODEL_DIR VIDEO [TOP_K]
#include <cstdio>
#include <cstdlib>

#include <vivid/vivid.h>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s MODEL_DIR VIDEO [TOP_K]\n", argv[0]);
        return 2;
    }
    try {
        vivid::Model model = vivid::Model::load(argv[1], vivid::Options{.threads = 2});
        for (const vivid::Prediction& p : model.classify(argv[2], argc > 3 ? std::atoi(argv[3]) : 5))
            std::printf("%.4f  %s\n", p.score, p.label.c_str());
    } catch (const vivid::Error& e) {
        std::fprintf(stderr, "classify: %s\n", e.what());
        return 1;
    }
    return 0;
}
