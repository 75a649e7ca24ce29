#ifndef COREST_CLI_OUTPUT_HPP
#define COREST_CLI_OUTPUT_HPP

// Everything the tool prints goes through console: secret values are masked
// as *** (as written, JSON-escaped and percent-encoded), and a progress bar on
// standard error is cleared before other text is written over it.

#include <corest/json.hpp>

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

namespace corest_cli {

class scrubber {
public:
    /// Adds a secret value; empty values are ignored.
    void add(std::string_view secret)
    {
        if (secret.empty()) return;
        add_form(std::string(secret));
        // As it appears inside a JSON string (quotes, backslashes, control characters).
        std::string escaped = corest::json_text(boost::json::value(boost::json::string(secret)));
        add_form(escaped.substr(1, escaped.size() - 2));
        // As it appears in a URL's query or path.
        add_form(percent_encoded(secret));
        // Longest first, so a secret that contains another is masked whole.
        std::sort(forms_.begin(), forms_.end(),
                  [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    }

    std::string apply(std::string text) const
    {
        for (const auto& form : forms_) {
            for (std::size_t pos = text.find(form); pos != std::string::npos; pos = text.find(form, pos + 3))
                text.replace(pos, form.size(), "***");
        }
        return text;
    }

    bool empty() const { return forms_.empty(); }

private:
    static std::string percent_encoded(std::string_view s)
    {
        static constexpr char hex[] = "0123456789ABCDEF";
        std::string out;
        for (unsigned char c : s) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                c == '_' || c == '~') {
                out += static_cast<char>(c);
            } else {
                out += '%';
                out += hex[c >> 4];
                out += hex[c & 15];
            }
        }
        return out;
    }

    void add_form(std::string form)
    {
        if (form.empty() || std::find(forms_.begin(), forms_.end(), form) != forms_.end()) return;
        forms_.push_back(std::move(form));
    }

    std::vector<std::string> forms_;
};

/// JSON indented by two spaces per level.
inline std::string pretty_json(const boost::json::value& v) { return corest::json_text(v, true); }

/// Compact JSON, numbers in the form corest writes them.
inline std::string compact_json(const boost::json::value& v) { return corest::json_text(v); }

/// Standard output and standard error, masked, line at a time, thread-safe.
class console {
public:
    void add_secret(std::string_view s)
    {
        std::lock_guard lock(mutex_);
        scrub_.add(s);
    }

    /// One line (a newline is added) to standard output, flushed.
    void out_line(std::string text)
    {
        text = scrub(std::move(text));
        text += '\n';
        std::lock_guard lock(mutex_);
        if (stdout_is_tty_) clear_status_locked();   // else the bar is on another screen
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
    }

    /// One line (a newline is added) to standard error.
    void err_line(std::string text)
    {
        text = scrub(std::move(text));
        text += '\n';
        std::lock_guard lock(mutex_);
        clear_status_locked();
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    }

    /// Redraws the one-line status (progress bar) in place. Only for a terminal.
    void status(std::string text)
    {
        text = "\r" + scrub(std::move(text)) + "\x1b[K";
        std::lock_guard lock(mutex_);
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
        status_shown_ = true;
    }

    void clear_status()
    {
        std::lock_guard lock(mutex_);
        clear_status_locked();
    }

private:
    std::string scrub(std::string text)
    {
        std::lock_guard lock(mutex_);
        return scrub_.apply(std::move(text));
    }

    void clear_status_locked()
    {
        if (!status_shown_) return;
        std::fputs("\r\x1b[K", stderr);
        std::fflush(stderr);
        status_shown_ = false;
    }

    std::mutex mutex_;
    scrubber scrub_;
    bool status_shown_ = false;
    const bool stdout_is_tty_ = ::isatty(1) == 1;
};

} // namespace corest_cli

#endif
