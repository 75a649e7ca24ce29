// corest: one REST call, or a batch of them, from JSON inputs (docs/cli.md).
//
//   echo '{"url": "https://httpbin.org/get"}' | corest --pretty
//   corest --batch calls.jsonl --concurrency 100 --connector api.yaml --secrets secrets.json > results.jsonl

#include "input_files.hpp"
#include "modes.hpp"
#include "options.hpp"

#include <corest/profile.hpp>
#include <corest/version.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

extern char** environ;

namespace {

int usage_error(corest_cli::context& ctx, const std::string& message)
{
    ctx.con.err_line("corest: " + message);
    ctx.con.err_line(std::string(corest_cli::usage_text.substr(0, corest_cli::usage_text.find("\n\n"))));
    ctx.con.err_line("Try 'corest --help' for more.");
    return corest_cli::exit_usage;
}

// Values of COREST_SECRET_* variables are secrets too: {{secrets.NAME}} may use them.
void add_environment_secrets(corest_cli::console& con)
{
    for (char** e = environ; e && *e; ++e) {
        std::string_view entry(*e);
        if (!entry.starts_with("COREST_SECRET_")) continue;
        if (auto eq = entry.find('='); eq != std::string_view::npos) con.add_secret(entry.substr(eq + 1));
    }
}

int run(int argc, char** argv)
{
    corest_cli::context ctx;
    add_environment_secrets(ctx.con);

    std::vector<std::string_view> args(argv + 1, argv + argc);
    auto parsed = corest_cli::parse_options(args);
    if (!parsed.ok()) return usage_error(ctx, parsed.error);
    ctx.opts = std::move(parsed.opts);
    if (ctx.opts.help) {
        std::fwrite(corest_cli::usage_text.data(), 1, corest_cli::usage_text.size(), stdout);
        return corest_cli::exit_success;
    }
    if (ctx.opts.version) {
        std::printf("corest %s\n", corest::version);
        return corest_cli::exit_success;
    }

    std::string error;
    if (ctx.opts.secrets) {
        if (!corest_cli::read_object_file(*ctx.opts.secrets, "secrets file", ctx.secrets, error))
            return usage_error(ctx, error);
        for (const auto& s : corest::secret_strings(ctx.secrets)) ctx.con.add_secret(s);
    }
    if (ctx.opts.connector &&
        !corest_cli::read_object_file(*ctx.opts.connector, "connector file", ctx.connector, error))
        return usage_error(ctx, error);

    return ctx.opts.batch ? corest_cli::run_batch_mode(ctx) : corest_cli::run_single(ctx);
}

} // namespace

int main(int argc, char** argv)
{
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        // A bug, not a result: say so plainly (the message never holds inputs).
        std::fprintf(stderr, "corest: internal error: %s\n", e.what());
        return corest_cli::exit_error;
    }
}
