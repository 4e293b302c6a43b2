// Implementation of sample_gen.h (`tranche gen sample`, tests, benchmarks).
// Each file has its own splitmix64 stream seeded from (seed, file index), so
// files are generated independently on several threads and the output depends
// only on the arguments. Values are formatted by hand into a large buffer:
// printf would be slower and could misround the prices.
#include "io/sample_gen.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/gen_output.h"
#include "io/splitmix.h"
#include "tranche/types.h"

namespace tranche {
namespace {

// Every date in the range, preformatted.
struct date_table {
  std::vector<std::array<char, 10>> text;
  date_table() {
    const int64_t first = days_from_civil(1992, 1, 1);
    const int64_t last = days_from_civil(1998, 12, 31);
    for (int64_t d = first; d <= last; ++d) {
      std::string s = format_date(d);
      std::array<char, 10> a;
      std::memcpy(a.data(), s.data(), 10);
      text.push_back(a);
    }
  }
};

absl::Status write_file(const std::string& path, uint64_t rows, uint64_t keys, uint64_t seed,
                        const date_table& dates) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::UnknownError(absl::StrCat(path, ": ", std::strerror(errno)));
  constexpr size_t kBuf = size_t{1} << 20;
  constexpr size_t kMaxRow = 20 + 1 + 9 + 1 + 2 + 1 + 10 + 1 + 1 + 1;
  std::vector<char> buf(kBuf);
  char* p = buf.data();
  static constexpr char kHeader[] = "key,price,quantity,shipdate,flag\n";
  p = std::copy(kHeader, kHeader + sizeof kHeader - 1, p);
  static constexpr char kFlags[] = {'A', 'N', 'R'};
  splitmix r(seed);
  absl::Status st;
  for (uint64_t i = 0; i < rows && st.ok(); ++i) {
    p = put_uint(p, r.below(keys));
    *p++ = ',';
    const uint64_t cents = 100 + r.below(1000000 - 100 + 1);  // 1.00 .. 10000.00
    p = put_uint(p, cents / 100);
    *p++ = '.';
    *p++ = static_cast<char>('0' + cents / 10 % 10);
    *p++ = static_cast<char>('0' + cents % 10);
    *p++ = ',';
    p = put_uint(p, 1 + r.below(50));
    *p++ = ',';
    const auto& d = dates.text[r.below(dates.text.size())];
    p = std::copy(d.begin(), d.end(), p);
    *p++ = ',';
    *p++ = kFlags[r.below(3)];
    *p++ = '\n';
    if (static_cast<size_t>(buf.data() + kBuf - p) < kMaxRow) {
      st = write_all(fd, path, buf.data(), static_cast<size_t>(p - buf.data()));
      p = buf.data();
    }
  }
  if (st.ok()) st = write_all(fd, path, buf.data(), static_cast<size_t>(p - buf.data()));
  if (::close(fd) != 0 && st.ok()) {
    st = absl::UnknownError(absl::StrCat(path, ": close failed: ", std::strerror(errno)));
  }
  return st;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> generate_sample(const std::string& out_dir,
                                                         const sample_options& opts) {
  if (opts.files <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("--files must be positive, got ", opts.files));
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::UnknownError(absl::StrCat(out_dir, ": ", ec.message()));

  const size_t files = static_cast<size_t>(opts.files);
  const uint64_t keys = std::max<uint64_t>(1, opts.rows / 100);
  std::vector<std::string> paths;
  for (size_t i = 0; i < files; ++i) {
    paths.push_back(
        (std::filesystem::path(out_dir) / absl::StrFormat("part-%03d.csv", i)).string());
  }
  const date_table dates;
  auto st = run_on_all_cores(files, [&](size_t i) {
    const uint64_t rows = opts.rows / files + (i < opts.rows % files ? 1 : 0);
    const uint64_t seed = mix64(opts.seed * kSplitmixGolden + mix64(i + 1));
    return write_file(paths[i], rows, keys, seed, dates);
  });
  if (!st.ok()) return st;
  return paths;
}

}  // namespace tranche
