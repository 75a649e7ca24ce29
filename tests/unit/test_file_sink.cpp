#include <boost/test/unit_test.hpp>

#include <corest/detail/file_sink.hpp>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <sys/stat.h>

using namespace std::string_view_literals;
namespace fs = std::filesystem;
using sink_type = corest::detail::file_sink;

namespace {

// A fresh directory per test, removed afterwards.
struct temp_dir {
    fs::path path;
    temp_dir()
    {
        std::string tmpl = (fs::temp_directory_path() / "corest-sink-XXXXXX").string();
        if (!::mkdtemp(tmpl.data())) throw std::system_error(errno, std::system_category(), "mkdtemp");
        path = tmpl;
    }
    ~temp_dir()
    {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::vector<std::string> names() const
    {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename().string());
        return out;
    }
};

std::string read_file(const fs::path& p)
{
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, std::string_view content)
{
    std::ofstream out(p, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
}

} // namespace

BOOST_AUTO_TEST_SUITE(file_sink)

BOOST_AUTO_TEST_CASE(commit_creates_dst_with_exact_content)
{
    temp_dir dir;
    const std::string dst = (dir.path / "out.bin").string();
    std::error_code ec;
    auto sink = sink_type::open(dst, ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(sink.is_open());
    BOOST_TEST(sink.temp_path().rfind(dst + ".corest-", 0) == 0u);
    BOOST_TEST(sink.temp_path().size() == dst.size() + 14);
    BOOST_TEST(fs::exists(sink.temp_path()));
    BOOST_TEST(!fs::exists(dst));   // nothing at dst before the commit

    const auto part1 = "hello\0world"sv;
    const auto part2 = "\xFF\x00\x01"sv;
    sink.write(part1.data(), part1.size(), ec);
    BOOST_REQUIRE(!ec);
    sink.write(part2.data(), part2.size(), ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(sink.size() == part1.size() + part2.size());

    sink.commit(ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(!sink.is_open());
    BOOST_TEST(sink.temp_path().empty());
    BOOST_TEST(read_file(dst) == std::string(part1) + std::string(part2));
    BOOST_TEST(dir.names() == std::vector<std::string>{"out.bin"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(new_file_has_normal_permissions)
{
    temp_dir dir;
    const std::string dst = (dir.path / "perm.txt").string();
    mode_t mask = ::umask(022);   // known umask for the check, restored below
    std::error_code ec;
    auto sink = sink_type::open(dst, ec);
    BOOST_REQUIRE(!ec);
    sink.commit(ec);
    ::umask(mask);
    BOOST_REQUIRE(!ec);
    struct stat st {};
    BOOST_REQUIRE(::stat(dst.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0644u);
    BOOST_TEST(read_file(dst).empty());
}

BOOST_AUTO_TEST_CASE(commit_replaces_existing_dst)
{
    temp_dir dir;
    const auto dst = dir.path / "report.json";
    write_file(dst, "old content that is longer");
    std::error_code ec;
    auto sink = sink_type::open(dst.string(), ec);
    BOOST_REQUIRE(!ec);
    sink.write("new", 3, ec);
    BOOST_REQUIRE(!ec);
    sink.commit(ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(read_file(dst) == "new");
    BOOST_TEST(dir.names() == std::vector<std::string>{"report.json"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(abort_leaves_nothing_and_keeps_existing_dst)
{
    temp_dir dir;
    const auto dst = dir.path / "keep.txt";
    write_file(dst, "original");
    std::error_code ec;
    auto sink = sink_type::open(dst.string(), ec);
    BOOST_REQUIRE(!ec);
    const std::string temp = sink.temp_path();
    sink.write("partial", 7, ec);
    BOOST_REQUIRE(!ec);
    sink.abort();
    BOOST_TEST(!fs::exists(temp));
    BOOST_TEST(sink.temp_path().empty());
    BOOST_TEST(read_file(dst) == "original");
    BOOST_TEST(dir.names() == std::vector<std::string>{"keep.txt"}, boost::test_tools::per_element());

    sink.abort();   // idempotent
    sink.write("x", 1, ec);
    BOOST_TEST(ec.value() == EBADF);
    sink.commit(ec);
    BOOST_TEST(ec.value() == EBADF);
    BOOST_TEST(read_file(dst) == "original");
}

BOOST_AUTO_TEST_CASE(destructor_aborts_uncommitted_file)
{
    temp_dir dir;
    const auto dst = dir.path / "never.txt";
    {
        std::error_code ec;
        auto sink = sink_type::open(dst.string(), ec);
        BOOST_REQUIRE(!ec);
        sink.write("data", 4, ec);
        BOOST_REQUIRE(!ec);
        BOOST_TEST(dir.names().size() == 1u);
    }
    BOOST_TEST(dir.names().empty());
}

BOOST_AUTO_TEST_CASE(move_transfers_ownership)
{
    temp_dir dir;
    const auto dst = dir.path / "moved.txt";
    std::error_code ec;
    auto a = sink_type::open(dst.string(), ec);
    BOOST_REQUIRE(!ec);
    a.write("abc", 3, ec);
    sink_type b = std::move(a);
    BOOST_TEST(!a.is_open());
    BOOST_TEST(a.temp_path().empty());
    a.abort();   // the moved-from sink must not remove b's file
    b.write("def", 3, ec);
    BOOST_REQUIRE(!ec);
    b.commit(ec);
    BOOST_REQUIRE(!ec);
    BOOST_TEST(read_file(dst) == "abcdef");
    BOOST_TEST(b.size() == 6u);
}

BOOST_AUTO_TEST_CASE(missing_directory_is_an_error)
{
    temp_dir dir;
    const auto dst = dir.path / "no" / "such" / "dir" / "out.bin";
    std::error_code ec;
    auto sink = sink_type::open(dst.string(), ec);
    BOOST_TEST(ec.value() == ENOENT);
    BOOST_TEST(!sink.is_open());
    BOOST_TEST(sink.temp_path().empty());
    BOOST_TEST(dir.names().empty());
}

BOOST_AUTO_TEST_CASE(directory_or_empty_dst_is_an_error)
{
    temp_dir dir;
    std::error_code ec;
    auto on_dir = sink_type::open(dir.path.string(), ec);
    BOOST_TEST(ec.value() == EISDIR);
    BOOST_TEST(!on_dir.is_open());
    BOOST_TEST(dir.names().empty());

    auto empty = sink_type::open("", ec);
    BOOST_TEST(ec.value() == ENOENT);
    BOOST_TEST(!empty.is_open());
}

BOOST_AUTO_TEST_SUITE_END()
