#include <boost/test/unit_test.hpp>

#include <corest/detail/content_decoder.hpp>

#include <zlib.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

using decoder = corest::detail::content_decoder;
using namespace std::string_view_literals;

namespace {

constexpr std::uint64_t no_limit = std::numeric_limits<std::uint64_t>::max();

// Compresses with deflateInit2: window_bits 15+16 gzip, 15 zlib, -15 raw deflate.
std::string compress(std::string_view in, int window_bits, int level = Z_DEFAULT_COMPRESSION)
{
    z_stream zs{};
    if (deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2");
    std::string out(deflateBound(&zs, in.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
    return out;
}

std::string gzip(std::string_view in) { return compress(in, 16 + MAX_WBITS); }
std::string raw_deflate(std::string_view in) { return compress(in, -MAX_WBITS); }

std::string zlib_wrapped(std::string_view in)
{
    uLongf len = compressBound(in.size());
    std::string out(len, '\0');
    if (compress2(reinterpret_cast<Bytef*>(out.data()), &len, reinterpret_cast<const Bytef*>(in.data()),
                  in.size(), Z_BEST_COMPRESSION) != Z_OK)
        throw std::runtime_error("compress2");
    out.resize(len);
    return out;
}

// Some text that does not compress to nothing and spans many 16 KiB steps.
std::string sample(std::size_t n)
{
    std::string s;
    std::uint32_t x = 12345;
    while (s.size() < n) {
        x = x * 1103515245u + 12345u;
        s += "line " + std::to_string(x % 1000) + " of the sample body\n";
    }
    s.resize(n);
    return s;
}

decoder decoder_for(std::string_view header)
{
    corest::error err = corest::error::unknown_error;
    auto d = decoder::for_encoding(header, err);
    BOOST_TEST(err == corest::error::ok);
    if (!d) throw std::runtime_error("no decoder for " + std::string(header));
    return std::move(*d);
}

// Feeds `coded` in pieces of `piece` bytes, then finishes.
corest::error decode(decoder& d, std::string_view coded, std::size_t piece, std::string& out,
                     std::uint64_t max_out = no_limit)
{
    for (std::size_t i = 0; i < coded.size(); i += piece) {
        auto part = coded.substr(i, piece);
        if (auto e = d.feed(part.data(), part.size(), out, max_out); e != corest::error::ok) return e;
    }
    return d.finish(out, max_out);
}

} // namespace

BOOST_AUTO_TEST_SUITE(content_decoder)

BOOST_AUTO_TEST_CASE(gzip_round_trip_in_any_pieces)
{
    const auto body = sample(200 * 1024);
    const auto coded = gzip(body);
    for (std::size_t piece : {std::size_t{1}, std::size_t{7}, std::size_t{4096}, coded.size()}) {
        auto d = decoder_for("gzip");
        std::string out;
        BOOST_TEST(decode(d, coded, piece, out) == corest::error::ok);
        BOOST_TEST((out == body), "piece " << piece);
    }
}

BOOST_AUTO_TEST_CASE(coding_names_are_case_insensitive)
{
    const auto body = sample(1000);
    for (auto name : {"x-gzip", "GZIP", " gzip ", "identity, gzip", "gzip,,identity"}) {
        auto d = decoder_for(name);
        BOOST_TEST(d.layer_count() == 1u);
        std::string out;
        BOOST_TEST(decode(d, gzip(body), 100, out) == corest::error::ok);
        BOOST_TEST((out == body), name);
    }
}

BOOST_AUTO_TEST_CASE(deflate_zlib_wrapped)
{
    const auto body = sample(100 * 1024);
    for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{65536}}) {
        auto d = decoder_for("deflate");
        std::string out;
        BOOST_TEST(decode(d, zlib_wrapped(body), piece, out) == corest::error::ok);
        BOOST_TEST((out == body), "piece " << piece);
    }
}

BOOST_AUTO_TEST_CASE(deflate_raw_fallback)
{
    const auto body = sample(100 * 1024);
    for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{65536}}) {
        auto d = decoder_for("deflate");
        std::string out;
        BOOST_TEST(decode(d, raw_deflate(body), piece, out) == corest::error::ok);
        BOOST_TEST((out == body), "piece " << piece);
    }
}

BOOST_AUTO_TEST_CASE(two_gzip_layers)
{
    const auto body = sample(50 * 1024);
    auto d = decoder_for("gzip, gzip");
    BOOST_TEST(d.layer_count() == 2u);
    std::string out;
    BOOST_TEST(decode(d, gzip(gzip(body)), 333, out) == corest::error::ok);
    BOOST_TEST((out == body));
}

BOOST_AUTO_TEST_CASE(layers_are_undone_in_reverse_order)
{
    // "deflate, gzip": deflate was applied first, so gzip is undone first.
    const auto body = sample(30 * 1024);
    auto d = decoder_for("deflate, gzip");
    std::string out;
    BOOST_TEST(decode(d, gzip(zlib_wrapped(body)), 500, out) == corest::error::ok);
    BOOST_TEST((out == body));
}

BOOST_AUTO_TEST_CASE(five_layers_decode_six_are_refused)
{
    const auto body = sample(5000);
    std::string coded = body;
    for (int i = 0; i < 5; ++i) coded = gzip(coded);
    auto d = decoder_for("gzip, gzip, gzip, gzip, gzip");
    std::string out;
    BOOST_TEST(decode(d, coded, 1000, out) == corest::error::ok);
    BOOST_TEST((out == body));

    corest::error err = corest::error::ok;
    auto six = decoder::for_encoding("gzip, gzip, gzip, gzip, gzip, gzip", err);
    BOOST_TEST(!six.has_value());
    BOOST_TEST(err == corest::error::protocol_error);

    err = corest::error::ok;
    auto six_with_unknown = decoder::for_encoding("gzip,gzip,gzip,gzip,gzip,br", err);
    BOOST_TEST(!six_with_unknown.has_value());
    BOOST_TEST(err == corest::error::protocol_error);
}

BOOST_AUTO_TEST_CASE(unknown_or_no_coding_keeps_bytes)
{
    for (auto header : {"br", "gzip, br", "zstd", "compress", "identity", ""}) {
        corest::error err = corest::error::unknown_error;
        auto d = decoder::for_encoding(header, err);
        BOOST_TEST(!d.has_value(), header);
        BOOST_TEST(err == corest::error::ok, header);
    }
}

BOOST_AUTO_TEST_CASE(corrupt_data_is_protocol_error)
{
    auto d = decoder_for("gzip");
    std::string out;
    const std::string junk = "this is not gzip at all";
    BOOST_TEST(d.feed(junk.data(), junk.size(), out, no_limit) == corest::error::protocol_error);
    BOOST_TEST(d.error_detail().find("gzip data is corrupt") == 0u);
    // The failure sticks.
    BOOST_TEST(d.feed(junk.data(), junk.size(), out, no_limit) == corest::error::protocol_error);
    BOOST_TEST(d.finish(out, no_limit) == corest::error::protocol_error);

    // A bad CRC in the gzip trailer.
    auto coded = gzip(sample(10000));
    coded[coded.size() - 8] = static_cast<char>(coded[coded.size() - 8] ^ 0x55);
    auto crc = decoder_for("gzip");
    std::string out2;
    BOOST_TEST(decode(crc, coded, coded.size(), out2) == corest::error::protocol_error);

    // deflate whose block type is invalid (BTYPE 11).
    auto bad = decoder_for("deflate");
    std::string out3;
    const std::string bad_block{"\x07\x00\x00\x00"sv};
    BOOST_TEST(decode(bad, bad_block, 4, out3) == corest::error::protocol_error);
}

BOOST_AUTO_TEST_CASE(truncated_stream_fails_at_finish)
{
    const auto body = sample(20000);
    const auto coded = gzip(body);
    auto d = decoder_for("gzip");
    std::string out;
    BOOST_TEST(d.feed(coded.data(), coded.size() - 10, out, no_limit) == corest::error::ok);
    BOOST_TEST(d.finish(out, no_limit) == corest::error::protocol_error);
    BOOST_TEST(d.error_detail() == "gzip data is truncated");

    auto one = decoder_for("deflate");
    std::string out2;
    BOOST_TEST(one.feed("x", 1, out2, no_limit) == corest::error::ok);   // held back to sniff the header
    BOOST_TEST(one.finish(out2, no_limit) == corest::error::protocol_error);
}

BOOST_AUTO_TEST_CASE(empty_body_is_fine)
{
    auto d = decoder_for("gzip, deflate");
    std::string out;
    BOOST_TEST(d.feed("", 0, out, no_limit) == corest::error::ok);
    BOOST_TEST(d.finish(out, no_limit) == corest::error::ok);
    BOOST_TEST(out.empty());
}

BOOST_AUTO_TEST_CASE(concatenated_gzip_members)
{
    auto d = decoder_for("gzip");
    std::string out;
    BOOST_TEST(decode(d, gzip("hello ") + gzip("world"), 5, out) == corest::error::ok);
    BOOST_TEST(out == "hello world");

    // Zero padding after the last member is ignored, as gzip(1) does.
    auto padded = decoder_for("gzip");
    std::string out2;
    BOOST_TEST(decode(padded, gzip("data") + std::string(16, '\0'), 3, out2) == corest::error::ok);
    BOOST_TEST(out2 == "data");
}

BOOST_AUTO_TEST_CASE(limit_is_inclusive_and_counts_all_output)
{
    const auto body = sample(40000);
    const auto coded = gzip(body);
    {
        auto d = decoder_for("gzip");
        std::string out;
        BOOST_TEST(decode(d, coded, 1000, out, body.size()) == corest::error::ok);
        BOOST_TEST(out.size() == body.size());
    }
    {
        auto d = decoder_for("gzip");
        std::string out;
        BOOST_TEST(decode(d, coded, 1000, out, body.size() - 1) == corest::error::response_too_large);
        BOOST_TEST(out.size() <= body.size() - 1);
    }
    {
        // The limit covers what the string already holds.
        auto d = decoder_for("gzip");
        std::string out(100, 'x');
        BOOST_TEST(decode(d, coded, coded.size(), out, body.size() + 99) == corest::error::response_too_large);
    }
}

BOOST_AUTO_TEST_CASE(feed_to_streams_into_a_sink)
{
    const auto body = sample(70000);
    const auto coded = zlib_wrapped(body);
    auto d = decoder_for("deflate");
    std::string collected;
    std::size_t calls = 0;
    std::size_t largest = 0;
    std::uint64_t produced = 0;
    auto sink = [&](const char* p, std::size_t k) {
        collected.append(p, k);
        ++calls;
        largest = std::max(largest, k);
    };
    for (std::size_t i = 0; i < coded.size(); i += 999) {
        auto part = std::string_view(coded).substr(i, 999);
        BOOST_REQUIRE(d.feed_to(part.data(), part.size(), sink, produced, no_limit) == corest::error::ok);
    }
    BOOST_TEST(d.finish_to(sink, produced, no_limit) == corest::error::ok);
    BOOST_TEST((collected == body));
    BOOST_TEST(produced == body.size());
    BOOST_TEST(largest <= decoder::step);
    BOOST_TEST(calls >= body.size() / decoder::step);
}

BOOST_AUTO_TEST_CASE(moved_decoder_keeps_its_state)
{
    const auto body = sample(60000);
    const auto coded = gzip(body);
    auto d = decoder_for("gzip");
    std::string out;
    const std::size_t half = coded.size() / 2;
    BOOST_TEST(d.feed(coded.data(), half, out, no_limit) == corest::error::ok);
    decoder moved = std::move(d);
    BOOST_TEST(moved.feed(coded.data() + half, coded.size() - half, out, no_limit) == corest::error::ok);
    BOOST_TEST(moved.finish(out, no_limit) == corest::error::ok);
    BOOST_TEST((out == body));
}

BOOST_AUTO_TEST_CASE(gzip_bomb_stops_at_the_limit)
{
    // 100 MiB of zeros, compressed as a stream without holding them in memory.
    std::string coded;
    {
        z_stream zs{};
        BOOST_REQUIRE(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY) == Z_OK);
        const std::string zeros(1024 * 1024, '\0');
        char buf[64 * 1024];
        for (int mib = 0; mib < 100; ++mib) {
            zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
            zs.avail_in = static_cast<uInt>(zeros.size());
            const int flush = mib == 99 ? Z_FINISH : Z_NO_FLUSH;
            int rc;
            do {
                zs.next_out = reinterpret_cast<Bytef*>(buf);
                zs.avail_out = sizeof buf;
                rc = deflate(&zs, flush);
                coded.append(buf, sizeof buf - zs.avail_out);
            } while (zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
        }
        deflateEnd(&zs);
    }
    BOOST_TEST_MESSAGE("bomb: " << coded.size() << " compressed bytes");
    BOOST_TEST(coded.size() < 200u * 1024u);

    const std::uint64_t max_out = 1024 * 1024;
    auto d = decoder_for("gzip");
    std::string out;
    corest::error e = corest::error::ok;
    std::size_t fed = 0;
    const std::size_t piece = 16 * 1024;
    while (fed < coded.size() && e == corest::error::ok) {
        auto part = std::string_view(coded).substr(fed, piece);
        e = d.feed(part.data(), part.size(), out, max_out);
        fed += part.size();
    }
    BOOST_TEST(e == corest::error::response_too_large);
    BOOST_TEST(out.size() <= max_out);
    BOOST_TEST(out.capacity() <= 2 * max_out);     // memory stayed near the limit
    BOOST_TEST(fed <= 4 * piece);                  // stopped after ~1 MiB of output, not 100
    BOOST_TEST(d.finish(out, max_out) == corest::error::response_too_large);
}

BOOST_AUTO_TEST_SUITE_END()
