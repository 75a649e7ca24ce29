#ifndef COREST_CLI_LINE_READER_HPP
#define COREST_CLI_LINE_READER_HPP

// Reads JSON Lines lazily on its own thread, a bounded number of lines ahead.
// The batch pulls lines with next(); interrupt() (from a signal handler's
// thread) wakes a waiting next() and stops the reader even while standard input
// has nothing to read, so Ctrl-C works on a quiet pipe or terminal.
//
// Lines end in LF or CRLF; a last line without a newline is still a line.

#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace corest_cli {

class line_reader {
public:
    struct line {
        std::string text;          // without its LF / CRLF
        std::uint64_t end_offset;  // input bytes up to and including its newline
    };

    /// Takes ownership of `fd` unless it is standard input.
    explicit line_reader(int fd, std::size_t max_ahead = 4096) : fd_(fd), max_ahead_(max_ahead)
    {
        if (::pipe2(wake_, O_CLOEXEC) != 0) wake_[0] = wake_[1] = -1;
        thread_ = std::thread([this] { run(); });
    }

    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    ~line_reader()
    {
        interrupt();
        thread_.join();
        if (fd_ > 0) ::close(fd_);
        for (int fd : wake_)
            if (fd >= 0) ::close(fd);
    }

    /// The next line; nullopt at the end of the input, on a read error, or after interrupt().
    std::optional<line> next()
    {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return !queue_.empty() || done_ || stopped_; });
        if (stopped_ || queue_.empty()) return std::nullopt;
        line l = std::move(queue_.front());
        queue_.pop_front();
        cv_.notify_all();   // room for the reader
        return l;
    }

    /// Stops reading; wakes next(). Thread-safe.
    void interrupt()
    {
        {
            std::lock_guard lock(mutex_);
            if (stopped_) return;
            stopped_ = true;
        }
        cv_.notify_all();
        if (wake_[1] >= 0) {
            char c = 0;
            [[maybe_unused]] auto n = ::write(wake_[1], &c, 1);
        }
    }

    /// The read error that ended the input, if any ("Is a directory", ...).
    std::string error() const
    {
        std::lock_guard lock(mutex_);
        return error_;
    }

private:
    void push(std::string& text, std::uint64_t end)
    {
        if (!text.empty() && text.back() == '\r') text.pop_back();
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [&] { return queue_.size() < max_ahead_ || stopped_; });
        queue_.push_back({std::move(text), end});
        text.clear();
        cv_.notify_all();
    }

    bool stopped()
    {
        std::lock_guard lock(mutex_);
        return stopped_;
    }

    void finish(std::string error = {})
    {
        std::lock_guard lock(mutex_);
        done_ = true;
        error_ = std::move(error);
        cv_.notify_all();
    }

    void run()
    {
        std::string partial;
        std::uint64_t offset = 0;
        char buf[65536];
        while (!stopped()) {
            // Wait for input or interrupt(); a regular file is always readable.
            pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_[0], POLLIN, 0}};
            int r = ::poll(fds, wake_[0] >= 0 ? 2 : 1, -1);
            if (r < 0 && errno == EINTR) continue;
            if (r < 0) return finish(std::strerror(errno));
            if (fds[1].revents != 0) break;
            ssize_t n = ::read(fd_, buf, sizeof buf);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n < 0) return finish(std::strerror(errno));
            if (n == 0) {
                if (!partial.empty()) push(partial, offset);
                return finish();
            }
            const char* p = buf;
            const char* end = buf + n;
            while (p < end) {
                const char* nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
                if (!nl) {
                    partial.append(p, end);
                    offset += static_cast<std::uint64_t>(end - p);
                    break;
                }
                partial.append(p, nl);
                offset += static_cast<std::uint64_t>(nl - p) + 1;
                push(partial, offset);
                if (stopped()) break;
                p = nl + 1;
            }
        }
        finish();
    }

    int fd_;
    std::size_t max_ahead_;
    int wake_[2] = {-1, -1};
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<line> queue_;
    bool done_ = false;
    bool stopped_ = false;
    std::string error_;
    std::thread thread_;
};

} // namespace corest_cli

#endif
