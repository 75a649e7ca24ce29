// Batch mode: JSON Lines in, JSON Lines out, in input order, each with "index".
//
// Threads: the batch runs on one io_context on this thread. Lines come from a
// line_reader thread, read lazily a bounded number ahead. SIGINT / SIGTERM are
// caught on a third, tiny io_context, because the batch thread may be waiting for
// a line from a quiet pipe: the handler cancels the batch (calls in flight end
// CANCELLED and are printed, lines not started are not) and wakes the reader.
//
// Known limit: run_batch's source is synchronous and runs on the batch's strand,
// so while it waits for the next line of a slow pipe, the calls in flight wait
// too. Files and fast producers are not affected (the reader keeps lines ready).

#include "input_files.hpp"
#include "line_reader.hpp"
#include "modes.hpp"
#include "progress.hpp"

#include <corest/batch.hpp>
#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace corest_cli {

namespace {

bool is_blank(const std::string& s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

std::string line_ref(std::size_t index)
{
    return "line " + std::to_string(index + 1) + " (index " + std::to_string(index) + ")";
}

// Many calls in flight need many sockets: lift the soft descriptor limit to the hard one.
void raise_fd_limit()
{
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &rl);
    }
}

// Opens the --batch file; on failure a usage error message naming it.
int open_batch_input(const std::string& path, std::uint64_t& size, std::string& error)
{
    const bool is_stdin = path == "-";
    int fd = is_stdin ? 0 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = "cannot read the --batch file " + path + ": " + std::strerror(errno);
        return -1;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            if (!is_stdin) ::close(fd);
            error = "cannot read the --batch file " + (is_stdin ? std::string("(standard input)") : path) +
                    ": it is a directory";
            return -1;
        }
        if (S_ISREG(st.st_mode)) size = static_cast<std::uint64_t>(st.st_size);
    }
    return fd;
}

// One line of the batch as a batch item: a request, or the result that says why not.
corest::batch_item make_item(const context& ctx, const std::string& text, std::size_t index)
{
    corest::batch_item item;
    if (is_blank(text)) {
        item.ready = corest::make_error_result(corest::error::invalid_input,
                                               line_ref(index) + " is blank: each line must be one JSON object of inputs");
        return item;
    }
    json_text_error why;
    auto inputs = parse_json_text(text, why);
    if (!inputs) {
        item.ready = corest::make_error_result(corest::error::invalid_input,
                                               why.too_deep ? "in " + line_ref(index) + ", " + why.message
                                                            : line_ref(index) + " is not valid JSON: " + why.message);
        return item;
    }
    auto prepared = prepare_call(ctx, *inputs);
    if (auto* req = std::get_if<corest::request>(&prepared)) item.request = std::move(*req);
    else item.ready = std::move(std::get<corest::result>(prepared));
    return item;
}

} // namespace

int run_batch_mode(context& ctx)
{
    namespace net = boost::asio;
    const std::string& path = *ctx.opts.batch;
    std::uint64_t total_bytes = 0;
    std::string error;

    // Signals first: from here on SIGINT / SIGTERM cancel instead of killing.
    std::atomic<bool> interrupted{false};
    net::io_context signal_ioc;
    net::signal_set signals(signal_ioc, SIGINT, SIGTERM);

    int fd = open_batch_input(path, total_bytes, error);
    if (fd < 0) {
        ctx.con.err_line("corest: " + error);
        return exit_usage;
    }
    raise_fd_limit();
    line_reader reader(fd);
    progress prog(ctx.con, ::isatty(2) == 1, total_bytes);

    const std::size_t concurrency = ctx.opts.concurrency.value_or(default_concurrency);
    net::io_context ioc;
    corest::client_options client_opts = tool_client_options();
    client_opts.pool.max_idle_per_origin = std::max(client_opts.pool.max_idle_per_origin, concurrency);
    corest::client client{ioc.get_executor(), client_opts};
    corest::batch_control control;

    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int) {
            if (ec) return;
            if (interrupted.exchange(true)) {
                ctx.con.err_line("corest: interrupted again, exiting");
                std::_Exit(exit_interrupted);
            }
            control.cancel();
            reader.interrupt();
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);
    std::thread signal_thread([&] { signal_ioc.run(); });

    // Source and sink run on the batch's strand, never at the same time.
    std::deque<std::uint64_t> end_offsets;   // of lines handed out and not yet printed, in index order
    std::size_t next_index = 0;
    bool all_ok = true;
    auto source = [&]() -> std::optional<corest::batch_item> {
        if (interrupted) return std::nullopt;
        auto line = reader.next();
        if (!line) return std::nullopt;
        end_offsets.push_back(line->end_offset);
        return make_item(ctx, line->text, next_index++);
    };
    auto sink = [&](std::size_t index, corest::result&& r) {
        if (!r.ok()) all_ok = false;
        // "index" first, then the result as to_json gives it.
        std::string body = compact_json(corest::to_json(r));
        ctx.con.out_line("{\"index\":" + std::to_string(index) + "," + body.substr(1));
        std::uint64_t offset = 0;
        if (!end_offsets.empty()) {
            offset = end_offsets.front();
            end_offsets.pop_front();
        }
        prog.delivered(r.ok(), offset);
    };

    // Redraw the bar while calls are slow.
    net::steady_timer ticker(ioc);
    std::function<void(const boost::system::error_code&)> on_tick = [&](const boost::system::error_code& ec) {
        if (ec) return;
        prog.tick();
        ticker.expires_after(std::chrono::milliseconds(250));
        ticker.async_wait(on_tick);
    };
    if (::isatty(2) == 1) {
        ticker.expires_after(std::chrono::milliseconds(250));
        ticker.async_wait(on_tick);
    }

    std::exception_ptr failure;
    net::co_spawn(ioc, corest::run_batch(client, source, sink, concurrency, &control), [&](std::exception_ptr e) {
        failure = e;
        ticker.cancel();
    });
    ioc.run();

    signal_ioc.stop();
    signal_thread.join();
    if (failure) std::rethrow_exception(failure);

    const std::string read_error = reader.error();
    if (prog.calls() > 0 || interrupted) ctx.con.err_line(prog.summary(interrupted));
    else ctx.con.clear_status();
    if (!read_error.empty()) {
        ctx.con.err_line("corest: cannot read the --batch file " + (path == "-" ? std::string("(standard input)") : path) +
                         ": " + read_error);
        return exit_usage;
    }
    if (interrupted) return exit_interrupted;
    return all_ok ? exit_success : exit_error;
}

} // namespace corest_cli
