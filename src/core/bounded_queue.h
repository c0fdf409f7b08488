// A first-in first-out queue of at most `capacity` items between one producer thread and one
// consumer: the producer waits while it is full, so memory does not grow with the work list.
// Either side can stop the other: finish() (no more items) or cancel() (drop everything).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace vivid {

template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity < 1 ? 1 : capacity) {}

    // False when the queue was cancelled (the item is dropped).
    bool push(T item) {
        std::unique_lock lock(mutex_);
        not_full_.wait(lock, [&] { return cancelled_ || items_.size() < capacity_; });
        if (cancelled_) return false;
        items_.push_back(std::move(item));
        not_empty_.notify_one();
        return true;
    }

    // The next item; nothing once the producer has finished and the queue is empty, or on cancel.
    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        not_empty_.wait(lock, [&] { return cancelled_ || finished_ || !items_.empty(); });
        if (cancelled_ || items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }

    // The next item if one is waiting now; never blocks.
    std::optional<T> try_pop() {
        std::lock_guard lock(mutex_);
        if (cancelled_ || items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }

    void finish() {
        std::lock_guard lock(mutex_);
        finished_ = true;
        not_empty_.notify_all();
    }

    void cancel() {
        std::lock_guard lock(mutex_);
        cancelled_ = true;
        items_.clear();
        not_full_.notify_all();
        not_empty_.notify_all();
    }

private:
    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable not_full_, not_empty_;
    std::deque<T> items_;
    bool finished_ = false, cancelled_ = false;
};

}  // namespace vivid
