#ifndef COREST_BENCH_COMMON_HPP
#define COREST_BENCH_COMMON_HPP

// What the three benchmark clients share, so they are measured the same way:
// the command line, the run's bookkeeping (which request may start next, a
// fixed-memory latency histogram) and the one result line run.sh parses.
// No Asio or curl here: each client drives its own I/O.

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

using clock = std::chrono::steady_clock;

struct options {
    std::string url;
    std::size_t concurrency = 1;
    double duration = 0;        // seconds of measurement after warm-up; 0 = bounded by --requests
    std::size_t requests = 0;   // total requests; 0 = bounded by --duration
    std::optional<std::string> cacert;
    std::optional<std::string> proxy;   // every call through this proxy URL
    bool http2 = false;                 // --http2: HTTP/2 only (corest http_version "2", libcurl multiplexed)

    // Duration runs warm every worker up (one unmeasured request each: connect, TLS)
    // so p99 is the steady state, not 1024 handshakes. A --requests run (the
    // in-flight memory mode) is measured cold: the connection is part of the call.
    bool warmup() const { return duration > 0; }
};

[[noreturn]] inline void usage(const char* prog)
{
    std::fprintf(stderr,
                 "usage: %s --url URL [--concurrency N] (--duration SECONDS | --requests N) [--cacert FILE]\n"
                 "       [--proxy URL] [--http2]\n", prog);
    std::exit(2);
}

inline options parse_args(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "--http2") {
            o.http2 = true;
            continue;
        }
        if (i + 1 >= argc) usage(argv[0]);
        const char* v = argv[++i];
        if (a == "--url") o.url = v;
        else if (a == "--concurrency") o.concurrency = std::strtoul(v, nullptr, 10);
        else if (a == "--duration") o.duration = std::strtod(v, nullptr);
        else if (a == "--requests") o.requests = std::strtoul(v, nullptr, 10);
        else if (a == "--cacert") o.cacert = v;
        else if (a == "--proxy") o.proxy = v;
        else usage(argv[0]);
    }
    if (o.url.empty() || o.concurrency == 0 || (o.duration <= 0 && o.requests == 0)) usage(argv[0]);
    return o;
}

/// scheme://host[:port]/target, enough for the loopback URLs run.sh gives.
struct url_parts {
    bool tls = false;
    std::string host;
    std::string port;
    std::string target = "/";
};

inline url_parts split_url(const std::string& url)
{
    url_parts p;
    auto sep = url.find("://");
    if (sep == std::string::npos) return p;
    p.tls = url.compare(0, sep, "https") == 0;
    auto rest = url.substr(sep + 3);
    auto slash = rest.find('/');
    auto authority = rest.substr(0, slash);
    if (slash != std::string::npos) p.target = rest.substr(slash);
    auto colon = authority.rfind(':');
    p.host = authority.substr(0, colon);
    p.port = colon == std::string::npos ? (p.tls ? "443" : "80") : authority.substr(colon + 1);
    return p;
}

/// A field of /proc/self/status in KiB (VmRSS now, VmHWM the peak).
inline long status_kib(const char* field)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::size_t n = std::strlen(field);
    while (std::getline(in, line))
        if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') return std::atol(line.c_str() + n + 1);
    return -1;
}

/// Latencies in buckets 1% wide from 1 us to ~100 s: fixed memory, so the
/// benchmark's own bookkeeping does not grow with the request rate and skew RSS.
class histogram {
public:
    void add(clock::duration d)
    {
        const double us = std::max(1.0, std::chrono::duration<double, std::micro>(d).count());
        auto i = static_cast<std::size_t>(std::log(us) / std::log(growth));
        ++counts_[std::min(i, counts_.size() - 1)];
        ++total_;
    }
    std::uint64_t total() const { return total_; }

    /// The latency (ms) below which a fraction q of the samples fall.
    double quantile_ms(double q) const
    {
        if (total_ == 0) return 0;
        const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total_)));
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < counts_.size(); ++i) {
            seen += counts_[i];
            if (seen >= std::max<std::uint64_t>(rank, 1)) return std::pow(growth, static_cast<double>(i) + 0.5) / 1000.0;
        }
        return 0;
    }

private:
    static constexpr double growth = 1.01;
    std::array<std::uint64_t, 1900> counts_{};
    std::uint64_t total_ = 0;
};

/// The run's shared bookkeeping; single-threaded like every client here.
struct run_state {
    explicit run_state(const options& opt) : o(opt), remaining(opt.requests) {}

    const options& o;
    histogram latencies;
    std::uint64_t errors = 0;
    std::uint64_t bytes = 0;
    std::size_t remaining;               // --requests left to start
    std::size_t warmed = 0;              // workers done with their warm-up request
    clock::time_point start = clock::now();
    clock::time_point finish = start;
    long base_rss_kib = 0;

    /// Marks the start of measurement (after warm-up).
    void begin()
    {
        start = clock::now();
        finish = start;
    }

    /// May a worker start another measured request now?
    bool take()
    {
        if (o.requests) {
            if (remaining == 0) return false;
            --remaining;
        }
        return o.duration <= 0 || clock::now() - start < std::chrono::duration<double>(o.duration);
    }

    void record(clock::time_point t0, bool ok, std::size_t body_bytes)
    {
        const auto t1 = clock::now();
        latencies.add(t1 - t0);
        if (!ok) ++errors;
        bytes += body_bytes;
        finish = std::max(finish, t1);
    }

    /// The one line run.sh parses: key=value pairs.
    void print(const char* client) const
    {
        const double secs = std::chrono::duration<double>(finish - start).count();
        const auto n = latencies.total();
        std::printf("client=%s concurrency=%zu requests=%llu errors=%llu seconds=%.3f rps=%.1f p50_ms=%.3f "
                    "p99_ms=%.3f bytes=%llu base_rss_kib=%ld peak_rss_kib=%ld\n",
                    client, o.concurrency, static_cast<unsigned long long>(n), static_cast<unsigned long long>(errors),
                    secs, secs > 0 ? static_cast<double>(n) / secs : 0.0, latencies.quantile_ms(0.50),
                    latencies.quantile_ms(0.99), static_cast<unsigned long long>(bytes), base_rss_kib,
                    status_kib("VmHWM"));
        std::fflush(stdout);
    }
};

} // namespace bench

#endif
