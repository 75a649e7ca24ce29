#ifndef COREST_CLI_OPTIONS_HPP
#define COREST_CLI_OPTIONS_HPP

// The command line of the corest tool (docs/cli.md):
//
//   corest [--connector FILE] [--secrets FILE] [--proxy URL] [--pretty] [INPUTS.json | -]
//   corest --batch FILE.jsonl|- [--concurrency N] [--connector FILE] [--secrets FILE] [--proxy URL]
//
// Options take their value as the next argument or after `=`. `--` ends options.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace corest_cli {

inline constexpr std::size_t default_concurrency = 64;
inline constexpr std::size_t max_concurrency = 100000;

inline constexpr std::string_view usage_text =
    "usage: corest [--connector FILE] [--secrets FILE] [--proxy URL] [--pretty] [INPUTS.json | -]\n"
    "       corest --batch FILE.jsonl|- [--concurrency N] [--connector FILE] [--secrets FILE] [--proxy URL]\n"
    "\n"
    "  One call: reads the inputs (a JSON object) from INPUTS.json, or standard input with - or\n"
    "  no argument, and prints the result as JSON. Exit status 0 success, 1 error, 2 bad input\n"
    "  or usage, 130 interrupted.\n"
    "  --batch       one inputs object per line (JSON Lines); one result per line, in order,\n"
    "                each with \"index\". Exit status 0 when every line succeeded, else 1.\n"
    "  --concurrency calls in flight in a batch, 1-100000 (default 64)\n"
    "  --connector   a JSON or YAML file of inputs every call starts from\n"
    "  --secrets     a JSON or YAML object: its input keys (password, ...) are merged as inputs;\n"
    "                any key fills {{secrets.NAME}} (else the variable COREST_SECRET_NAME)\n"
    "  --proxy       the proxy of every call that gives no \"proxy\" input (http://, https://,\n"
    "                socks5://, socks5h://); else http_proxy, https_proxy, all_proxy, no_proxy\n"
    "  --pretty      indent the result (not with --batch)\n"
    "  --help, --version\n";

struct options {
    std::optional<std::string> connector;
    std::optional<std::string> secrets;
    std::optional<std::string> batch;
    std::optional<std::string> proxy;
    std::optional<std::size_t> concurrency;
    bool pretty = false;
    bool help = false;
    bool version = false;
    std::string inputs = "-";   // single mode: a path or "-" for standard input
};

/// Parsing either gives options or a usage error message (exit status 2).
struct parse_outcome {
    options opts;
    std::string error;   // empty when opts is usable
    bool ok() const { return error.empty(); }
};

namespace detail {

inline std::optional<std::size_t> parse_count(std::string_view text)
{
    if (text.empty() || text.size() > 7) return std::nullopt;
    std::size_t n = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    return n;
}

} // namespace detail

inline parse_outcome parse_options(const std::vector<std::string_view>& args)
{
    parse_outcome out;
    auto fail = [&](std::string message) {
        out.error = std::move(message);
        return out;
    };
    std::vector<std::string_view> positional;
    bool options_done = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (options_done || arg == "-" || !arg.starts_with("-")) {
            positional.push_back(arg);
            continue;
        }
        if (arg == "--") {
            options_done = true;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            out.opts.help = true;
            continue;
        }
        if (arg == "--version") {
            out.opts.version = true;
            continue;
        }
        if (arg == "--pretty") {
            out.opts.pretty = true;
            continue;
        }

        // Options with a value: --name VALUE or --name=VALUE.
        std::string_view name = arg;
        std::optional<std::string_view> value;
        if (auto eq = arg.find('='); eq != std::string_view::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        if (name != "--connector" && name != "--secrets" && name != "--batch" && name != "--concurrency" &&
            name != "--proxy")
            return fail("unknown option " + std::string(name));
        if (!value) {
            if (i + 1 >= args.size()) return fail("option " + std::string(name) + " needs a value");
            value = args[++i];
        }
        if (value->empty()) return fail("option " + std::string(name) + " needs a non-empty value");
        if (name == "--concurrency") {
            auto n = detail::parse_count(*value);
            if (!n || *n < 1 || *n > max_concurrency)
                return fail("--concurrency must be an integer from 1 to " + std::to_string(max_concurrency) +
                            ", got \"" + std::string(*value) + "\"");
            out.opts.concurrency = *n;
            continue;
        }
        auto& slot = name == "--connector" ? out.opts.connector
                   : name == "--secrets"   ? out.opts.secrets
                   : name == "--proxy"     ? out.opts.proxy
                                           : out.opts.batch;
        if (slot) return fail("option " + std::string(name) + " given twice");
        slot = std::string(*value);
    }

    if (out.opts.help || out.opts.version) return out;
    if (out.opts.batch) {
        if (out.opts.pretty) return fail("--pretty cannot be used with --batch (one result per line)");
        if (!positional.empty())
            return fail("unexpected argument \"" + std::string(positional.front()) +
                        "\": with --batch the inputs come from the --batch file");
    } else {
        if (out.opts.concurrency) return fail("--concurrency needs --batch");
        if (positional.size() > 1)
            return fail("more than one inputs file given (\"" + std::string(positional[0]) + "\", \"" +
                        std::string(positional[1]) + "\")");
        if (!positional.empty()) out.opts.inputs = std::string(positional.front());
    }
    return out;
}

} // namespace corest_cli

#endif
