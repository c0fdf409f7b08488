// One error type for every bad input: it names the file (or other source) and the problem.
// Thrown where the problem is detected; the CLI prints it once as a single line.
#pragma once

#include <stdexcept>
#include <string>

namespace vivid {

class Error : public std::runtime_error {
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

}  // namespace vivid
