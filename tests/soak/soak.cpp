// corest soak: N calls through ONE corest::client at bounded concurrency, against a
// local nginx (restarted now and then by run.sh) and an in-process fault server
// (fault_server.hpp), with checks that exit non-zero when any fails:
//   - every call yields exactly one result (started == results == N), no exception;
//   - no call outlasts its total_timeout + grace; timeouts do not fire early;
//   - every result's code is one its kind of call may give, every success carries
//     the body of its own request (no response handed to the wrong call);
//   - the io_context runs out of work after the last call (nothing left pending);
//   - RSS at 100 % of the calls is within a bound of RSS at 10 %;
//   - the pool's live connections equal its idle ones at the end (no lost slot);
//   - after the client and io_context are gone, the open file descriptors equal
//     the count before the client was created.
//
//   soak --nginx-port P [--calls N] [--concurrency C] [--threads T] [--seed S]
//        [--total-timeout S] [--read-timeout S] [--grace S] [--rss-bound-mib M]
//        [--progress S] [--worker-strands]
//
// Exit status: 0 all checks passed, 1 a check failed, 2 usage, 3 the watchdog gave
// up on a call that hung far past its deadline.

#include "fault_server.hpp"

#include <corest.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace net = boost::asio;
using steady = std::chrono::steady_clock;
using soak::fault;

// ---- process measurements ----------------------------------------------------------

struct fd_count {
    int total = 0;
    int sockets = 0;
};

/// Open descriptors of this process (the directory's own descriptor not counted).
fd_count count_fds()
{
    fd_count c;
    DIR* d = opendir("/proc/self/fd");
    if (!d) return {-1, -1};
    const int own = dirfd(d);
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        const int fd = std::atoi(e->d_name);
        if (fd == own) continue;
        ++c.total;
        char link[256];
        const std::string path = std::string("/proc/self/fd/") + e->d_name;
        const ssize_t n = readlink(path.c_str(), link, sizeof link - 1);
        if (n > 0 && std::string_view(link, static_cast<std::size_t>(n)).starts_with("socket:")) ++c.sockets;
    }
    closedir(d);
    return c;
}

/// A "Name:   123 kB" line of /proc/self/status, in KiB (-1 when missing).
long status_kib(const char* name)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::size_t len = std::strlen(name);
    while (std::getline(in, line))
        if (line.compare(0, len, name) == 0 && line.size() > len && line[len] == ':')
            return std::atol(line.c_str() + len + 1);
    return -1;
}

std::string mib(long kib)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(kib) / 1024.0);
    return buf;
}

std::int64_t now_ns()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now().time_since_epoch()).count();
}

// ---- the kinds of call ----------------------------------------------------------------

using corest::error;
constexpr int n_errors = static_cast<int>(error::unknown_error) + 1;

enum class target { nginx, fault_server };

struct kind_spec {
    const char* name;
    int weight;                      // per mille of the calls
    target where;
    const char* path;                // nginx: path; fault server: unused
    fault f;                         // fault server only
    corest::method method;
    bool retries;                    // the default retry settings (else none at all)
    std::vector<error> allowed;      // result codes this kind may give
    bool timeout_at_least_read;      // a TIMEOUT must take at least read_timeout
    bool timeout_is_total;           // a TIMEOUT must be the total phase, after total_timeout
};

const std::vector<error> nginx_codes = {error::ok, error::connect_failed, error::connection_closed, error::timeout};
const std::vector<error> chaos_codes = {error::ok,
                                        error::connection_closed,
                                        error::timeout,
                                        error::protocol_error,
                                        error::service_unavailable,
                                        error::internal_server_error};

const std::vector<kind_spec>& kinds()
{
    using m = corest::method;
    static const std::vector<kind_spec> k = {
        // nginx: GETs with retries on connection errors; restarts make the errors.
        {"nginx_hello", 300, target::nginx, "/hello", fault::ok, m::get, true, nginx_codes, false, false},
        {"nginx_json", 100, target::nginx, "/json/", fault::ok, m::get, true, nginx_codes, false, false},
        {"nginx_localhost", 20, target::nginx, "/json/", fault::ok, m::get, true, nginx_codes, false, false},
        {"nginx_64k", 20, target::nginx, "/64k.txt", fault::ok, m::get, true, nginx_codes, false, false},
        {"nginx_noretry", 32, target::nginx, "/hello", fault::ok, m::get, false, nginx_codes, false, false},
        // The fault server picks a fault per request; retries at their defaults.
        {"chaos_get", 200, target::fault_server, "", fault::chaos, m::get, true, chaos_codes, false, false},
        {"chaos_post", 100, target::fault_server, "", fault::chaos, m::post, true, chaos_codes, false, false},
        // One named fault, no retries: exactly one outcome is right.
        {"ok_get", 60, target::fault_server, "", fault::ok, m::get, false, {error::ok}, false, false},
        {"ok_post", 50, target::fault_server, "", fault::ok, m::post, false, {error::ok}, false, false},
        {"ok_gzip", 15, target::fault_server, "", fault::ok_gzip, m::get, false, {error::ok}, false, false},
        {"ok_close", 15, target::fault_server, "", fault::ok_close, m::get, false, {error::ok}, false, false},
        {"ok_then_fin", 20, target::fault_server, "", fault::ok_then_fin, m::post, false, {error::ok}, false, false},
        {"reset", 10, target::fault_server, "", fault::reset, m::get, false, {error::connection_closed}, false, false},
        {"fin_before_response", 10, target::fault_server, "", fault::fin_before_response, m::get, false,
         {error::connection_closed}, false, false},
        {"truncate_length", 10, target::fault_server, "", fault::truncate_length, m::get, false,
         {error::connection_closed}, false, false},
        {"truncate_chunked", 10, target::fault_server, "", fault::truncate_chunked, m::post, false,
         {error::connection_closed}, false, false},
        {"garbage", 8, target::fault_server, "", fault::garbage, m::get, false, {error::protocol_error}, false, false},
        {"status_500", 8, target::fault_server, "", fault::status_500, m::post, false, {error::internal_server_error},
         false, false},
        {"status_503", 8, target::fault_server, "", fault::status_503, m::get, true, {error::service_unavailable},
         false, false},
        {"gzip_bad", 5, target::fault_server, "", fault::gzip_bad, m::get, false, {error::protocol_error}, false, false},
        {"slow_ok", 10, target::fault_server, "", fault::slow, m::get, false, {error::ok}, false, false},
        {"slow_timeout", 4, target::fault_server, "", fault::slow, m::get, false, {error::timeout}, true, false},
        {"stall", 4, target::fault_server, "", fault::stall, m::post, false, {error::timeout}, true, false},
        {"drip", 1, target::fault_server, "", fault::drip, m::get, false, {error::timeout}, false, true},
    };
    return k;
}

// ---- options and shared state ---------------------------------------------------------

struct options {
    std::uint64_t calls = 1000000;
    unsigned nginx_port = 0;
    std::size_t concurrency = 64;
    unsigned threads = 1;
    std::uint64_t seed = 0;
    double total_timeout = 2.0;
    double read_timeout = 0.5;
    double connect_timeout = 1.0;
    double grace = 1.0;
    double rss_bound_mib = 32;
    double progress = 5;
    bool worker_strands = false;   // each worker coroutine on a strand of its own
};

struct slot {
    std::atomic<std::int64_t> start_ns{0};   // 0: no call in flight
    std::atomic<std::uint64_t> id{0};
    std::atomic<int> kind{0};
};

struct checkpoint {
    bool taken = false;
    std::uint64_t results = 0;
    double seconds = 0;
    long rss_kib = 0;
    long hwm_kib = 0;
    fd_count fds;
};

struct state {
    options opt;
    std::string nginx_base;
    std::string nginx_localhost_base;
    std::string fault_base;
    corest::client* client = nullptr;
    steady::time_point started_at;

    std::atomic<std::uint64_t> next{0};
    std::atomic<std::uint64_t> started{0};
    std::atomic<std::uint64_t> results{0};
    std::atomic<std::uint64_t> exceptions{0};
    std::atomic<std::uint64_t> over_deadline{0};
    std::atomic<std::uint64_t> unexpected{0};
    std::atomic<std::uint64_t> wrong_body{0};
    std::atomic<std::uint64_t> early_timeout{0};
    std::atomic<std::uint64_t> worker_failures{0};
    std::atomic<std::int64_t> max_ns{0};
    std::atomic<std::uint64_t> max_id{0};
    std::atomic<int> max_kind{0};
    std::atomic<std::int64_t> last_result_ns{0};

    std::vector<std::array<std::atomic<std::uint64_t>, n_errors>> by_kind_code;
    std::vector<std::atomic<std::uint64_t>> attempts_by_kind;
    std::vector<std::atomic<std::int64_t>> max_ns_by_kind;
    std::vector<std::atomic<std::int64_t>> sum_ns_by_kind;
    std::unique_ptr<slot[]> slots;

    std::mutex mutex;                       // guards examples and checkpoints
    std::vector<std::string> examples;      // the first failures of each category, for the report
    std::map<std::string, int> example_counts;
    std::array<checkpoint, 11> checkpoints; // [k] at k*10 % of the calls

    explicit state(const options& o)
        : opt(o), by_kind_code(kinds().size()), attempts_by_kind(kinds().size()), max_ns_by_kind(kinds().size()),
          sum_ns_by_kind(kinds().size()), slots(new slot[o.concurrency])
    {
    }

    /// Keeps the first 8 problems of each category ("UNEXPECTED CODE", "WRONG BODY", ...).
    void example(const std::string& category, const std::string& text)
    {
        std::lock_guard lock(mutex);
        if (++example_counts[category] <= 8) examples.push_back(category + " " + text);
    }
};

void atomic_max(std::atomic<std::int64_t>& a, std::int64_t v)
{
    auto cur = a.load();
    while (v > cur && !a.compare_exchange_weak(cur, v)) {
    }
}

void take_checkpoint(state& s, int k, std::uint64_t n)
{
    checkpoint c;
    c.taken = true;
    c.results = n;
    c.seconds = std::chrono::duration<double>(steady::now() - s.started_at).count();
    c.rss_kib = status_kib("VmRSS");
    c.hwm_kib = status_kib("VmHWM");
    c.fds = count_fds();
    std::lock_guard lock(s.mutex);
    s.checkpoints[static_cast<std::size_t>(k)] = c;
}

// ---- one call ---------------------------------------------------------------------

corest::request make_request(const state& s, const kind_spec& k, std::uint64_t id, std::mt19937_64& rng)
{
    corest::request req;
    if (k.where == target::nginx) {
        std::string url = (std::string_view(k.name) == "nginx_localhost" ? s.nginx_localhost_base : s.nginx_base) + k.path;
        if (std::string_view(k.path) == "/json/") url += std::to_string(id);
        req.url = std::move(url);
    } else {
        std::string url = s.fault_base + "/f/" + std::string(soak::name_of(k.f)) + "/" + std::to_string(id);
        const int read_ms = static_cast<int>(s.opt.read_timeout * 1000);
        if (std::string_view(k.name) == "slow_ok")
            url += "?d=" + std::to_string(std::uniform_int_distribution<int>(0, read_ms * 2 / 5)(rng));
        else if (std::string_view(k.name) == "slow_timeout")
            url += "?d=" + std::to_string(read_ms * 2 + std::uniform_int_distribution<int>(0, 500)(rng));
        req.url = std::move(url);
    }
    req.method = k.method;
    if (k.method == corest::method::post) {
        const auto pad = std::uniform_int_distribution<std::size_t>(0, 2048)(rng);
        req.body = corest::json_body{boost::json::object{{"id", static_cast<std::int64_t>(id)}, {"pad", std::string(pad, 'p')}}};
    }
    req.connect_timeout = corest::seconds(s.opt.connect_timeout);
    req.read_timeout = corest::seconds(s.opt.read_timeout);
    req.total_timeout = corest::seconds(s.opt.total_timeout);
    // Short back-off so that retries happen within total_timeout; no retry starts
    // after 0.6 s, so a call that keeps failing ends with its own error, not TIMEOUT.
    req.retry_backoff = {0.05, 0.2, 2, 0.6};
    if (!k.retries) {
        req.retry_on_connection_error = false;
        req.retry_status_code.clear();
    }
    return req;
}

std::string describe(const kind_spec& k, std::uint64_t id, const corest::result& r, double secs)
{
    std::ostringstream o;
    o << k.name << " #" << id << " after " << secs << " s: " << (r.ok() ? "OK" : r.error_name());
    if (r.status_code) o << " status " << *r.status_code;
    o << " attempts " << r.attempts;
    if (!r.message.empty()) o << " \"" << r.message << "\"";
    if (r.ok()) o << " body " << r.body.substr(0, 120);
    std::string log;
    for (const auto& l : r.log) log += (log.empty() ? "" : " | ") + l;
    o << " log [" << log.substr(0, 2000) << "]";
    return o.str();
}

/// Does a successful result carry what its own request asked for? "" when yes.
std::string check_body(const kind_spec& k, std::uint64_t id, const corest::result& r)
{
    const std::string_view name = k.name;
    if (name == "nginx_hello" || name == "nginx_noretry")
        return r.body == "hello, world\n" ? "" : "body is not \"hello, world\"";
    if (name == "nginx_64k") {
        static const std::string_view alphabet = "0123456789abcdef";
        if (r.body.size() != 65536) return "64 KiB body has " + std::to_string(r.body.size()) + " bytes";
        for (std::size_t i = 0; i < r.body.size(); ++i)
            if (r.body[i] != alphabet[i % 16]) return "64 KiB body differs at byte " + std::to_string(i);
        return "";
    }
    if (r.kind != corest::body_kind::json || !r.json_body.is_object()) return "body is not a JSON object";
    const auto& o = r.json_body.as_object();
    if (k.where == target::nginx) {
        const auto* uri = o.if_contains("uri");
        const std::string want = "/json/" + std::to_string(id);
        return uri && uri->is_string() && uri->as_string() == want ? "" : "uri is not " + want;
    }
    const auto* got_id = o.if_contains("id");
    if (!got_id || !got_id->is_int64() || got_id->as_int64() != static_cast<std::int64_t>(id))
        return "the answer is for another call";
    const auto* body_id = o.if_contains("body_id");
    const std::int64_t want_body = k.method == corest::method::post ? static_cast<std::int64_t>(id) : -1;
    if (!body_id || !body_id->is_int64() || body_id->as_int64() != want_body)
        return "the server got another call's body (body_id)";
    const auto* f = o.if_contains("fault");
    if (!f || !f->is_string()) return "no fault name";
    if (k.f != fault::chaos && f->as_string() != soak::name_of(k.f)) return "answered by another fault";
    return "";
}

void evaluate(state& s, int ki, std::uint64_t id, const corest::result& r, steady::duration took)
{
    const kind_spec& k = kinds()[static_cast<std::size_t>(ki)];
    const std::int64_t ns = std::chrono::duration_cast<std::chrono::nanoseconds>(took).count();
    const double secs = static_cast<double>(ns) / 1e9;
    s.by_kind_code[static_cast<std::size_t>(ki)][static_cast<int>(r.error)].fetch_add(1);
    s.attempts_by_kind[static_cast<std::size_t>(ki)].fetch_add(r.attempts);
    atomic_max(s.max_ns_by_kind[static_cast<std::size_t>(ki)], ns);
    s.sum_ns_by_kind[static_cast<std::size_t>(ki)].fetch_add(ns);
    {
        auto cur = s.max_ns.load();
        while (ns > cur) {
            if (s.max_ns.compare_exchange_weak(cur, ns)) {
                s.max_id.store(id);
                s.max_kind.store(ki);
                break;
            }
        }
    }
    if (secs > s.opt.total_timeout + s.opt.grace) {
        s.over_deadline.fetch_add(1);
        s.example("OVER DEADLINE", describe(k, id, r, secs));
    }
    if (std::find(k.allowed.begin(), k.allowed.end(), r.error) == k.allowed.end()) {
        s.unexpected.fetch_add(1);
        s.example("UNEXPECTED " + std::string(r.ok() ? "OK" : r.error_name()), describe(k, id, r, secs));
    }
    if (r.ok()) {
        if (auto why = check_body(k, id, r); !why.empty()) {
            s.wrong_body.fetch_add(1);
            s.example("WRONG BODY", "(" + why + ") " + describe(k, id, r, secs));
        }
    }
    if (r.error == error::timeout) {
        // 5 ms of slack for timer granularity.
        if (k.timeout_at_least_read && secs < s.opt.read_timeout - 0.005) {
            s.early_timeout.fetch_add(1);
            s.example("EARLY TIMEOUT", describe(k, id, r, secs));
        }
        if (k.timeout_is_total &&
            (secs < s.opt.total_timeout - 0.005 || r.message.find("total") == std::string::npos)) {
            s.early_timeout.fetch_add(1);
            s.example("NOT A TOTAL TIMEOUT", describe(k, id, r, secs));
        }
    }
}

int pick_kind(std::mt19937_64& rng)
{
    static const int total = [] {
        int t = 0;
        for (const auto& k : kinds()) t += k.weight;
        return t;
    }();
    int x = std::uniform_int_distribution<int>(0, total - 1)(rng);
    for (std::size_t i = 0; i < kinds().size(); ++i) {
        if (x < kinds()[i].weight) return static_cast<int>(i);
        x -= kinds()[i].weight;
    }
    return 0;
}

net::awaitable<void> worker(state& s, std::size_t index)
{
    std::mt19937_64 rng(s.opt.seed * 1000003 + index);
    slot& sl = s.slots[index];
    for (;;) {
        const std::uint64_t id = s.next.fetch_add(1);
        if (id >= s.opt.calls) co_return;
        const int ki = pick_kind(rng);
        corest::request req = make_request(s, kinds()[static_cast<std::size_t>(ki)], id, rng);
        s.started.fetch_add(1);
        sl.id.store(id);
        sl.kind.store(ki);
        sl.start_ns.store(now_ns());
        const auto t0 = steady::now();
        corest::result r;
        bool threw = false;
        std::string what;
        try {
            r = co_await s.client->execute(std::move(req));
        } catch (const std::exception& e) {
            threw = true;
            what = e.what();
        }
        const auto took = steady::now() - t0;
        sl.start_ns.store(0);
        const std::uint64_t n = s.results.fetch_add(1) + 1;
        s.last_result_ns.store(now_ns());
        if (threw) {
            s.exceptions.fetch_add(1);
            s.example("EXCEPTION", "from execute() in " + std::string(kinds()[static_cast<std::size_t>(ki)].name) + " #" +
                      std::to_string(id) + ": " + what);
        } else {
            evaluate(s, ki, id, r, took);
        }
        for (int k = 1; k <= 10; ++k)
            if (n == std::max<std::uint64_t>(1, s.opt.calls * static_cast<std::uint64_t>(k) / 10)) take_checkpoint(s, k, n);
    }
}

// ---- watchdog and progress --------------------------------------------------------

struct watchdog {
    state& s;
    net::io_context& ioc;
    std::atomic<bool> stop{false};
    std::atomic<bool> drain_stuck{false};
    std::thread thread;

    watchdog(state& st, net::io_context& io) : s(st), ioc(io)
    {
        thread = std::thread([this] { loop(); });
    }
    ~watchdog()
    {
        stop = true;
        thread.join();
    }

    void loop()
    {
        const double hang_after = s.opt.total_timeout + s.opt.grace + 30;
        auto next_progress = steady::now() + std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s.opt.progress));
        std::uint64_t last_results = 0;
        auto last_time = steady::now();
        while (!stop) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            const auto now = steady::now();
            const std::int64_t t = now_ns();
            // A call in flight far past its deadline: report it and give up.
            for (std::size_t i = 0; i < s.opt.concurrency; ++i) {
                const auto st = s.slots[i].start_ns.load();
                if (st != 0 && static_cast<double>(t - st) / 1e9 > hang_after) {
                    std::cerr << "soak: HANG: call #" << s.slots[i].id.load() << " ("
                              << kinds()[static_cast<std::size_t>(s.slots[i].kind.load())].name << ") in flight for "
                              << static_cast<double>(t - st) / 1e9 << " s, deadline " << s.opt.total_timeout
                              << " s; giving up" << std::endl;
                    std::_Exit(3);
                }
            }
            // Every call done but the io_context still has work: something is pending.
            if (s.results.load() == s.opt.calls && !drain_stuck) {
                const double since_last = static_cast<double>(t - s.last_result_ns.load()) / 1e9;
                if (since_last > 10) {
                    std::cerr << "soak: the io_context still has work 10 s after the last call ended:"
                                 " an operation of corest is still pending; stopping it" << std::endl;
                    drain_stuck = true;
                    ioc.stop();
                }
            }
            if (s.opt.progress > 0 && now >= next_progress) {
                next_progress += std::chrono::duration_cast<steady::duration>(std::chrono::duration<double>(s.opt.progress));
                const auto n = s.results.load();
                const double dt = std::chrono::duration<double>(now - last_time).count();
                const double elapsed = std::chrono::duration<double>(now - s.started_at).count();
                const auto fds = count_fds();
                std::uint64_t in_flight = 0;
                for (std::size_t i = 0; i < s.opt.concurrency; ++i) in_flight += s.slots[i].start_ns.load() != 0;
                char line[400];
                std::snprintf(line, sizeof line,
                              "[%7.1fs] %llu/%llu (%.1f%%) %.0f calls/s, in flight %llu, rss %s, fds %d (sockets %d), "
                              "pool live %zu idle %zu, problems %llu",
                              elapsed, static_cast<unsigned long long>(n), static_cast<unsigned long long>(s.opt.calls),
                              100.0 * static_cast<double>(n) / static_cast<double>(s.opt.calls),
                              dt > 0 ? static_cast<double>(n - last_results) / dt : 0.0,
                              static_cast<unsigned long long>(in_flight), mib(status_kib("VmRSS")).c_str(),
                              fds.total, fds.sockets, s.client->live_connections(), s.client->idle_connections(),
                              static_cast<unsigned long long>(s.unexpected.load() + s.wrong_body.load() +
                                                              s.over_deadline.load() + s.exceptions.load() +
                                                              s.early_timeout.load()));
                std::cerr << line << std::endl;
                last_results = n;
                last_time = now;
            }
        }
    }
};

// ---- command line -----------------------------------------------------------------

[[noreturn]] void usage(const std::string& why)
{
    std::cerr << "soak: " << why << "\n"
              << "usage: soak --nginx-port P [--calls N] [--concurrency C] [--threads T] [--seed S]\n"
                 "            [--total-timeout S] [--read-timeout S] [--grace S] [--rss-bound-mib M] [--progress S]\n"
                 "            [--worker-strands]\n";
    std::exit(2);
}

options parse(int argc, char** argv)
{
    options o;
    o.seed = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) % 1000000007ULL;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(a + " needs a value");
            return argv[++i];
        };
        try {
            if (a == "--calls") o.calls = std::stoull(value());
            else if (a == "--nginx-port") o.nginx_port = static_cast<unsigned>(std::stoul(value()));
            else if (a == "--concurrency") o.concurrency = std::stoul(value());
            else if (a == "--threads") o.threads = static_cast<unsigned>(std::stoul(value()));
            else if (a == "--seed") o.seed = std::stoull(value());
            else if (a == "--total-timeout") o.total_timeout = std::stod(value());
            else if (a == "--read-timeout") o.read_timeout = std::stod(value());
            else if (a == "--grace") o.grace = std::stod(value());
            else if (a == "--rss-bound-mib") o.rss_bound_mib = std::stod(value());
            else if (a == "--progress") o.progress = std::stod(value());
            else if (a == "--worker-strands") o.worker_strands = true;
            else usage("unknown option " + a);
        } catch (const std::invalid_argument&) {
            usage("bad value for " + a);
        } catch (const std::out_of_range&) {
            usage("bad value for " + a);
        }
    }
    if (o.nginx_port == 0 || o.nginx_port > 65535) usage("--nginx-port is required");
    if (o.calls == 0 || o.concurrency == 0 || o.threads == 0) usage("calls, concurrency and threads must be positive");
    if (o.read_timeout <= 0 || o.total_timeout <= o.read_timeout) usage("need 0 < read_timeout < total_timeout");
    return o;
}

struct check {
    bool pass;
    std::string text;
};

} // namespace

int main(int argc, char** argv)
{
    const options opt = parse(argc, argv);
    state s(opt);
    s.nginx_base = "http://127.0.0.1:" + std::to_string(opt.nginx_port);
    s.nginx_localhost_base = "http://localhost:" + std::to_string(opt.nginx_port);

    const fd_count fds_at_start = count_fds();
    fd_count fds_before, fds_after;
    std::size_t pool_live_end = 0, pool_idle_end = 0;
    bool drain_stuck = false;
    double drain_seconds = 0, elapsed = 0;
    int server_live_end = -1;
    std::uint64_t server_accepted = 0, server_requests = 0;
    std::vector<std::pair<std::string, std::uint64_t>> served;
    long rss_before = 0;
    {
        soak::fault_server server(opt.seed);
        s.fault_base = "http://127.0.0.1:" + std::to_string(server.port());
        std::cout << "corest soak: " << opt.calls << " calls, concurrency " << opt.concurrency << ", "
                  << opt.threads << " thread(s)" << (opt.worker_strands ? " (workers on strands)" : "")
                  << ", seed " << opt.seed << ", nginx " << s.nginx_base
                  << ", fault server " << s.fault_base << ", total_timeout " << opt.total_timeout
                  << " s, read_timeout " << opt.read_timeout << " s" << std::endl;

        // The baseline: the fault server is up (its acceptor, epoll, thread), the
        // client's io_context and the client do not exist yet.
        fds_before = count_fds();
        rss_before = status_kib("VmRSS");
        {
            auto ioc = std::make_unique<net::io_context>(static_cast<int>(opt.threads));
            // One thread: calls need no strand of their own; two or more: they do.
            corest::client_options client_options;
            client_options.threading = opt.threads == 1 ? corest::threading::single : corest::threading::multi;
            auto client = std::make_unique<corest::client>(ioc->get_executor(), client_options);
            s.client = client.get();
            s.started_at = steady::now();
            s.last_result_ns.store(now_ns());
            for (std::size_t i = 0; i < opt.concurrency; ++i) {
                // Without --worker-strands the workers run on the io_context itself, as
                // corest's README allows ("an io_context run by several threads").
                net::any_io_executor ex = ioc->get_executor();
                if (opt.worker_strands) ex = net::make_strand(*ioc);
                net::co_spawn(ex, worker(s, i), [&s](std::exception_ptr e) {
                    if (e) {
                        s.worker_failures.fetch_add(1);
                        s.example("WORKER", "a worker coroutine ended with an exception");
                    }
                });
            }
            {
                watchdog dog(s, *ioc);
                std::vector<std::thread> extra;
                for (unsigned t = 1; t < opt.threads; ++t) extra.emplace_back([&] { ioc->run(); });
                ioc->run();
                for (auto& t : extra) t.join();
                const std::int64_t drained = now_ns();
                elapsed = std::chrono::duration<double>(steady::now() - s.started_at).count();
                drain_seconds = static_cast<double>(drained - s.last_result_ns.load()) / 1e9;
                drain_stuck = dog.drain_stuck.load();
            }
            pool_live_end = client->live_connections();
            pool_idle_end = client->idle_connections();
            s.client = nullptr;
            client.reset();
            ioc->restart();
            ioc->run();   // whatever closing the client posted
            ioc.reset();
        }
        // The server closes its side when it sees the client's close; give it a moment.
        for (int i = 0; i < 100 && server.live_connections() > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        server_live_end = server.live_connections();
        fds_after = count_fds();
        server_accepted = server.accepted();
        server_requests = server.requests();
        for (int f = 0; f < static_cast<int>(fault::chaos); ++f)
            served.emplace_back(std::string(soak::name_of(static_cast<fault>(f))), server.served(static_cast<fault>(f)));
    }
    const fd_count fds_at_end = count_fds();

    // ---- report ----------------------------------------------------------------------
    auto& out = std::cout;
    char buf[512];
    out << "\n==== corest soak report ====\n";
    std::snprintf(buf, sizeof buf, "elapsed %.1f s, %.0f calls/s, seed %llu\n", elapsed,
                  static_cast<double>(s.results.load()) / std::max(elapsed, 1e-9),
                  static_cast<unsigned long long>(opt.seed));
    out << buf;
    out << "calls " << opt.calls << ", started " << s.started.load() << ", results " << s.results.load()
        << ", exceptions " << s.exceptions.load() << ", in flight at the end " << s.started.load() - s.results.load()
        << "\n\n";

    std::array<std::uint64_t, n_errors> totals{};
    std::snprintf(buf, sizeof buf, "%-20s %9s %9s %9s %8s %8s %6s  %s\n", "kind", "calls", "OK", "attempts", "avg ms",
                  "max ms", "time%", "errors by code");
    out << buf;
    std::int64_t all_ns = 0;
    for (const auto& v : s.sum_ns_by_kind) all_ns += v.load();
    for (std::size_t i = 0; i < kinds().size(); ++i) {
        std::uint64_t n = 0;
        std::string errs;
        for (int c = 0; c < n_errors; ++c) {
            const auto v = s.by_kind_code[i][c].load();
            n += v;
            totals[static_cast<std::size_t>(c)] += v;
            if (c != 0 && v) errs += std::string(corest::error_name(static_cast<error>(c))) + "=" + std::to_string(v) + " ";
        }
        const double sum = static_cast<double>(s.sum_ns_by_kind[i].load());
        std::snprintf(buf, sizeof buf, "%-20s %9llu %9llu %9.2f %8.1f %8.0f %6.1f  %s\n", kinds()[i].name,
                      static_cast<unsigned long long>(n), static_cast<unsigned long long>(s.by_kind_code[i][0].load()),
                      n ? static_cast<double>(s.attempts_by_kind[i].load()) / static_cast<double>(n) : 0.0,
                      n ? sum / 1e6 / static_cast<double>(n) : 0.0, static_cast<double>(s.max_ns_by_kind[i].load()) / 1e6,
                      all_ns ? 100.0 * sum / static_cast<double>(all_ns) : 0.0, errs.c_str());
        out << buf;
    }
    out << "\nresults by code (all calls):\n";
    for (int c = 0; c < n_errors; ++c)
        if (totals[static_cast<std::size_t>(c)]) {
            std::snprintf(buf, sizeof buf, "  %-24s %9llu  %6.2f %%\n",
                          c == 0 ? "OK" : std::string(corest::error_name(static_cast<error>(c))).c_str(),
                          static_cast<unsigned long long>(totals[static_cast<std::size_t>(c)]),
                          100.0 * static_cast<double>(totals[static_cast<std::size_t>(c)]) /
                              static_cast<double>(std::max<std::uint64_t>(1, s.results.load())));
            out << buf;
        }

    out << "\nRSS and descriptors as the calls complete (before the client: " << mib(rss_before) << "):\n";
    for (int k = 1; k <= 10; ++k) {
        const auto& c = s.checkpoints[static_cast<std::size_t>(k)];
        if (!c.taken) continue;
        std::snprintf(buf, sizeof buf, "  %3d %%  %9llu calls  %7.1f s  RSS %-10s peak %-10s fds %d (sockets %d)\n",
                      k * 10, static_cast<unsigned long long>(c.results), c.seconds, mib(c.rss_kib).c_str(),
                      mib(c.hwm_kib).c_str(), c.fds.total, c.fds.sockets);
        out << buf;
    }
    const auto& c10 = s.checkpoints[1];
    const auto& c50 = s.checkpoints[5];
    const auto& c100 = s.checkpoints[10];
    const long growth_kib = c100.rss_kib - c10.rss_kib;
    std::snprintf(buf, sizeof buf, "  RSS 10 %% %s, 50 %% %s, 100 %% %s: growth after warm-up %+.1f MiB (bound %.0f MiB)\n",
                  mib(c10.rss_kib).c_str(), mib(c50.rss_kib).c_str(), mib(c100.rss_kib).c_str(),
                  static_cast<double>(growth_kib) / 1024.0, opt.rss_bound_mib);
    out << buf;

    out << "\ndescriptors: at start " << fds_at_start.total << " (sockets " << fds_at_start.sockets
        << "); before the client " << fds_before.total << " (sockets " << fds_before.sockets
        << "); after the client and io_context were destroyed " << fds_after.total << " (sockets "
        << fds_after.sockets << "); after the fault server stopped " << fds_at_end.total << " (sockets "
        << fds_at_end.sockets << ")\n";
    out << "pool at the end of the run: live " << pool_live_end << ", idle " << pool_idle_end << "\n";
    out << "io_context ran out of work " << drain_seconds << " s after the last call ended"
        << (drain_stuck ? " (it did not: the watchdog stopped it)" : "") << "\n";
    out << "fault server: " << server_accepted << " connections, " << server_requests
        << " requests, connections still open at the end " << server_live_end << "\n  served:";
    for (const auto& [name, n] : served)
        if (n) out << " " << name << "=" << n;
    out << "\n";
    const auto max_kind = kinds()[static_cast<std::size_t>(s.max_kind.load())].name;
    std::snprintf(buf, sizeof buf, "max call duration %.3f s (%s #%llu); deadline %.1f s + grace %.1f s\n",
                  static_cast<double>(s.max_ns.load()) / 1e9, max_kind, static_cast<unsigned long long>(s.max_id.load()),
                  opt.total_timeout, opt.grace);
    out << buf;

    if (!s.examples.empty()) {
        out << "\nfirst problems (at most 8 of each kind of problem):\n";
        for (const auto& e : s.examples) out << "  " << e << "\n";
    }

    // ---- checks ----------------------------------------------------------------------
    const auto started = s.started.load(), results = s.results.load();
    std::vector<check> checks = {
        {started == opt.calls && results == opt.calls && s.exceptions.load() == 0 && s.worker_failures.load() == 0,
         "every call yielded exactly one result: " + std::to_string(opt.calls) + " calls, " + std::to_string(started) +
             " started, " + std::to_string(results) + " results, " + std::to_string(s.exceptions.load()) +
             " exceptions"},
        {s.over_deadline.load() == 0,
         "no call outlasted total_timeout + grace: " + std::to_string(s.over_deadline.load()) + " did"},
        {s.early_timeout.load() == 0,
         "timeouts fired when due (read after read_timeout, total after total_timeout): " +
             std::to_string(s.early_timeout.load()) + " did not"},
        {s.unexpected.load() == 0,
         "every result code is one its kind of call may give: " + std::to_string(s.unexpected.load()) + " unexpected"},
        {s.wrong_body.load() == 0,
         "every success carries its own request's answer: " + std::to_string(s.wrong_body.load()) + " wrong"},
        {!drain_stuck && drain_seconds < 5,
         "the io_context ran out of work after the last call (nothing left pending in corest)"},
        {c10.taken && c100.taken && static_cast<double>(growth_kib) <= opt.rss_bound_mib * 1024,
         "RSS flat after warm-up: " + mib(c10.rss_kib) + " at 10 %, " + mib(c100.rss_kib) + " at 100 %, bound +" +
             std::to_string(static_cast<int>(opt.rss_bound_mib)) + " MiB"},
        {pool_live_end == pool_idle_end,
         "the pool's live connections equal its idle ones once every call ended: live " +
             std::to_string(pool_live_end) + ", idle " + std::to_string(pool_idle_end)},
        {fds_after.total == fds_before.total && server_live_end == 0,
         "descriptors after the client and io_context are gone equal those before the client: " +
             std::to_string(fds_before.total) + " before, " + std::to_string(fds_after.total) + " after"},
        {fds_at_end.total == fds_at_start.total,
         "descriptors at the end equal those at the start (fault server included): " +
             std::to_string(fds_at_start.total) + " / " + std::to_string(fds_at_end.total)},
    };
    out << "\nchecks:\n";
    bool all = true;
    for (const auto& c : checks) {
        out << "  " << (c.pass ? "PASS " : "FAIL ") << c.text << "\n";
        all = all && c.pass;
    }
    out << "\nRESULT: " << (all ? "PASS" : "FAIL") << std::endl;
    return all ? 0 : 1;
}
