#ifndef COREST_DETAIL_PUBLIC_SUFFIX_HPP
#define COREST_DETAIL_PUBLIC_SUFFIX_HPP

// Public suffixes (co.uk, com, github.io, ...) by the Public Suffix List that libpsl
// carries built in: a cookie may not claim one as its Domain, or it would be sent to
// every site under it. Thread-safe: the built-in list is immutable.

#include <libpsl.h>

#include <string>
#include <string_view>

namespace corest::detail {

/// True when the lower-case A-label `domain` is a public suffix. Without a built-in
/// list (a libpsl built without one), every single-label name counts as one.
inline bool is_public_suffix(std::string_view domain)
{
    const psl_ctx_t* list = psl_builtin();
    if (!list) return domain.find('.') == std::string_view::npos;
    const std::string text(domain);
    return psl_is_public_suffix(list, text.c_str()) != 0;
}

} // namespace corest::detail

#endif
