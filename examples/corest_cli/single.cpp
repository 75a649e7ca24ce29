// Single mode: one inputs object in, one result out.
//
// The call runs as a coroutine with a cancellation slot; SIGINT / SIGTERM emit a
// terminal cancellation, so the call ends as a CANCELLED result that is printed
// like any other (exit status 130).

#include "input_files.hpp"
#include "modes.hpp"

#include <corest/client.hpp>
#include <corest/json.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

namespace corest_cli {

namespace {

// The inputs as a JSON value, or the INVALID_INPUT result for unreadable or malformed input.
std::variant<boost::json::value, corest::result> read_inputs(const std::string& path)
{
    const std::string shown = path == "-" ? std::string("standard input") : "inputs file " + path;
    std::string text, error;
    if (!read_text_file(path, text, error))
        return corest::make_error_result(corest::error::invalid_input, "the inputs could not be read: " + error);
    json_text_error why;
    if (auto v = parse_json_text(text, why)) return std::move(*v);
    if (why.too_deep)
        return corest::make_error_result(corest::error::invalid_input, "in " + shown + ", " + why.message);
    return corest::make_error_result(corest::error::invalid_input,
                                     "the inputs in " + shown + " are not valid JSON: " + why.message);
}

corest::result execute(context& ctx, corest::request req, bool& interrupted)
{
    namespace net = boost::asio;
    net::io_context ioc;
    corest::client client{ioc.get_executor(), tool_client_options()};
    net::cancellation_signal cancel;
    std::optional<corest::result> out;

    net::signal_set signals(ioc, SIGINT, SIGTERM);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int) {
            if (ec) return;
            if (interrupted) {
                // A second signal while the cancelled call has not ended yet: stop now.
                ctx.con.err_line("corest: interrupted again, exiting");
                std::_Exit(exit_interrupted);
            }
            interrupted = true;
            cancel.emit(net::cancellation_type::terminal);
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    net::co_spawn(ioc, client.execute(std::move(req)),
                  net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, corest::result r) {
                      if (e) {
                          try {
                              std::rethrow_exception(e);
                          } catch (const std::exception& ex) {
                              r = corest::make_error_result(corest::error::unknown_error,
                                                            std::string("internal error: ") + ex.what());
                          }
                      }
                      out = std::move(r);
                      signals.cancel();
                  }));
    ioc.run();
    if (!out) out = corest::make_error_result(corest::error::unknown_error, "internal error: the call did not finish");
    return std::move(*out);
}

} // namespace

int run_single(context& ctx)
{
    corest::result result;
    bool interrupted = false;
    auto inputs = read_inputs(ctx.opts.inputs);
    if (auto* r = std::get_if<corest::result>(&inputs)) {
        result = std::move(*r);
    } else {
        auto prepared = prepare_call(ctx, std::get<boost::json::value>(inputs));
        if (auto* req = std::get_if<corest::request>(&prepared)) result = execute(ctx, std::move(*req), interrupted);
        else result = std::move(std::get<corest::result>(prepared));
    }

    const boost::json::value json = corest::to_json(result);
    ctx.con.out_line(ctx.opts.pretty ? pretty_json(json) : compact_json(json));

    if (interrupted) return exit_interrupted;
    if (result.ok()) return exit_success;
    return is_input_error(result.error) ? exit_usage : exit_error;
}

} // namespace corest_cli
