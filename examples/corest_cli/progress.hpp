#ifndef COREST_CLI_PROGRESS_HPP
#define COREST_CLI_PROGRESS_HPP

// Batch progress on standard error: a bar with rate and ETA redrawn in place
// (only when standard error is a terminal), and the one-line summary at the end
// (always). The share done is measured in bytes of the input file, the only
// total known while lines are read lazily; from a pipe there is no bar or ETA.

#include "output.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include <sys/ioctl.h>
#include <unistd.h>

namespace corest_cli {

class progress {
public:
    using clock = std::chrono::steady_clock;

    /// `draw`: redraw a bar (standard error is a terminal); `total_bytes`: the
    /// input's size, 0 when unknown.
    progress(console& con, bool draw, std::uint64_t total_bytes)
        : console_(con), draw_(draw), total_bytes_(total_bytes), start_(clock::now())
    {
    }

    /// One result was printed; `bytes_done` = input bytes up to the end of its line.
    void delivered(bool ok, std::uint64_t bytes_done)
    {
        std::lock_guard lock(mutex_);
        ++calls_;
        if (ok) ++successes_;
        bytes_done_ = bytes_done;
        const auto now = clock::now();
        if (draw_ && now - last_draw_ >= std::chrono::milliseconds(100)) draw_locked(now);
    }

    /// Periodic redraw, so rate and ETA move while calls are slow.
    void tick()
    {
        std::lock_guard lock(mutex_);
        if (draw_) draw_locked(clock::now());
    }

    std::size_t calls() const
    {
        std::lock_guard lock(mutex_);
        return calls_;
    }
    std::size_t successes() const
    {
        std::lock_guard lock(mutex_);
        return successes_;
    }

    /// "corest: 100 calls, 98 successes, 2 errors, 412.3 requests/s"
    std::string summary(bool interrupted) const
    {
        std::lock_guard lock(mutex_);
        std::string s = "corest: " + counts(calls_, "call", "calls") + ", " +
                        counts(successes_, "success", "successes") + ", " +
                        counts(calls_ - successes_, "error", "errors") + ", " + rate_text(clock::now()) +
                        " requests/s";
        if (interrupted) s += "; interrupted: calls in flight were cancelled, lines not started were not run";
        return s;
    }

private:
    static std::string counts(std::size_t n, const char* one, const char* many)
    {
        return std::to_string(n) + " " + (n == 1 ? one : many);
    }

    std::string rate_text(clock::time_point now) const
    {
        const double secs = std::chrono::duration<double>(now - start_).count();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f", secs > 0 ? static_cast<double>(calls_) / secs : 0.0);
        return buf;
    }

    static std::string duration_text(double secs)
    {
        auto total = static_cast<long long>(secs + 0.5);
        char buf[32];
        if (total >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", total / 3600, total / 60 % 60, total % 60);
        else std::snprintf(buf, sizeof buf, "%lld:%02lld", total / 60, total % 60);
        return buf;
    }

    void draw_locked(clock::time_point now)
    {
        last_draw_ = now;
        std::string line = "corest: ";
        if (total_bytes_ > 0) {
            const double done = std::min(1.0, static_cast<double>(bytes_done_) / static_cast<double>(total_bytes_));
            constexpr int width = 20;
            const int filled = static_cast<int>(done * width);
            line += '[' + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(width - filled), '.') + "] ";
            char pct[16];
            std::snprintf(pct, sizeof pct, "%3d%% ", static_cast<int>(done * 100));
            line += pct;
        }
        line += counts(calls_, "call", "calls") + ", " + std::to_string(successes_) + " ok, " +
                counts(calls_ - successes_, "error", "errors") + ", " + rate_text(now) + " req/s";
        if (total_bytes_ > 0 && bytes_done_ > 0) {
            const double elapsed = std::chrono::duration<double>(now - start_).count();
            const double done = static_cast<double>(bytes_done_) / static_cast<double>(total_bytes_);
            if (done < 1) line += ", ETA " + duration_text(elapsed * (1 - done) / done);
        }
        struct winsize ws {};
        if (::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && line.size() >= ws.ws_col)
            line.resize(ws.ws_col - 1u);
        console_.status(std::move(line));
    }

    console& console_;
    const bool draw_;
    const std::uint64_t total_bytes_;
    const clock::time_point start_;
    mutable std::mutex mutex_;
    clock::time_point last_draw_{};
    std::size_t calls_ = 0;
    std::size_t successes_ = 0;
    std::uint64_t bytes_done_ = 0;
};

} // namespace corest_cli

#endif
