#ifndef COREST_DETAIL_FILE_SINK_HPP
#define COREST_DETAIL_FILE_SINK_HPP

// The `dst` output file (docs/inputs.md, "The response"): the body goes to a
// temporary file beside dst and is renamed onto it only on commit, so a failed
// or cancelled execution leaves no partial file and an existing dst untouched.
// POSIX only. Errors are the OS's error codes; the caller turns them into
// IO_ERROR with a message naming dst.

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace corest::detail {

class file_sink {
public:
    /// Creates "<dst>.corest-XXXXXX" (random suffix) beside dst, with the
    /// permissions of a normal new file (0666 less the umask).
    /// Errors: dst empty (ENOENT), dst a directory (EISDIR), or whatever
    /// open(2) reports (ENOENT for a missing directory, EACCES, ...); the
    /// returned sink is then closed.
    static file_sink open(const std::string& dst, std::error_code& ec)
    {
        ec.clear();
        file_sink s;
        if (dst.empty()) {
            ec = std::error_code(ENOENT, std::system_category());
            return s;
        }
        struct stat st {};
        if (::stat(dst.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
            ec = std::error_code(EISDIR, std::system_category());
            return s;
        }
        for (int tries = 0; tries < 100; ++tries) {
            std::string temp = dst + ".corest-" + random_suffix();
            int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
            if (fd >= 0) {
                s.fd_ = fd;
                s.dst_ = dst;
                s.temp_ = std::move(temp);
                return s;
            }
            if (errno != EEXIST) {
                ec = std::error_code(errno, std::system_category());
                return s;
            }
        }
        ec = std::error_code(EEXIST, std::system_category());
        return s;
    }

    file_sink() = default;
    file_sink(const file_sink&) = delete;
    file_sink& operator=(const file_sink&) = delete;
    file_sink(file_sink&& o) noexcept
        : fd_(std::exchange(o.fd_, -1)), dst_(std::move(o.dst_)), temp_(std::move(o.temp_)),
          size_(std::exchange(o.size_, 0))
    {
        o.temp_.clear();
    }
    file_sink& operator=(file_sink&& o) noexcept
    {
        if (this != &o) {
            abort();
            fd_ = std::exchange(o.fd_, -1);
            dst_ = std::move(o.dst_);
            temp_ = std::move(o.temp_);
            o.temp_.clear();
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    /// Not committed: the temporary file is removed.
    ~file_sink() { abort(); }

    /// Appends all n bytes (retrying short writes and EINTR).
    void write(const char* data, std::size_t n, std::error_code& ec)
    {
        ec.clear();
        if (fd_ < 0) {
            ec = std::error_code(EBADF, std::system_category());
            return;
        }
        while (n > 0) {
            ssize_t w = ::write(fd_, data, n);
            if (w < 0) {
                if (errno == EINTR) continue;
                ec = std::error_code(errno, std::system_category());
                return;
            }
            data += w;
            n -= static_cast<std::size_t>(w);
            size_ += static_cast<std::uint64_t>(w);
        }
    }

    /// Closes the temporary file and renames it onto dst (atomic on one file
    /// system; an existing dst is replaced). No fsync: corest promises no partial
    /// file after a failed execution, not durability across a power cut, and
    /// an fsync per download would cost every batch. On error the temporary
    /// file is removed and dst is left as it was.
    void commit(std::error_code& ec)
    {
        ec.clear();
        if (fd_ < 0) {
            ec = std::error_code(EBADF, std::system_category());
            return;
        }
        int fd = std::exchange(fd_, -1);
        if (::close(fd) != 0) {   // a delayed write error (NFS, quota) shows here
            ec = std::error_code(errno, std::system_category());
            ::unlink(temp_.c_str());
            temp_.clear();
            return;
        }
        if (::rename(temp_.c_str(), dst_.c_str()) != 0) {
            ec = std::error_code(errno, std::system_category());
            ::unlink(temp_.c_str());
        }
        temp_.clear();
    }

    /// Closes and removes the temporary file; dst is not touched. Idempotent.
    void abort() noexcept
    {
        if (fd_ >= 0) ::close(std::exchange(fd_, -1));
        if (!temp_.empty()) {
            ::unlink(temp_.c_str());
            temp_.clear();
        }
    }

    bool is_open() const noexcept { return fd_ >= 0; }
    /// Bytes written so far.
    std::uint64_t size() const noexcept { return size_; }
    /// The temporary file's path; empty once committed or aborted.
    const std::string& temp_path() const noexcept { return temp_; }
    const std::string& dst() const noexcept { return dst_; }

private:
    static std::string random_suffix()
    {
        static constexpr char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        thread_local std::mt19937_64 rng{std::random_device{}()};
        std::uniform_int_distribution<std::size_t> pick(0, sizeof(chars) - 2);
        std::string s(6, 'X');
        for (char& c : s) c = chars[pick(rng)];
        return s;
    }

    int fd_ = -1;
    std::string dst_;
    std::string temp_;
    std::uint64_t size_ = 0;
};

} // namespace corest::detail

#endif
