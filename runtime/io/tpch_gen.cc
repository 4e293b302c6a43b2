// Implementation of tpch_gen.h (`tranche gen tpch`). Every row draws from its
// own splitmix64 stream, seeded from (seed, table, row), so files can be
// written on several threads in any split and the bytes depend only on the
// scale and the seed. An order and its lines come from one stream: o_totalprice
// and o_orderstatus derive from the lines. Money is integer cents throughout
// (the total in 1/10000 cents, rounded once), and fields are formatted by hand
// into a large buffer.
#include "io/tpch_gen.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "io/gen_output.h"
#include "io/splitmix.h"
#include "tranche/types.h"

namespace tranche {
namespace {


// ---- The specification's word lists (section 4.2.2.13 and 4.2.3) ----

constexpr std::string_view kRegions[] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
struct nation_row {
  std::string_view name;
  int region;
};
constexpr nation_row kNations[] = {
    {"ALGERIA", 0},      {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1},
    {"EGYPT", 4},        {"ETHIOPIA", 0},  {"FRANCE", 3}, {"GERMANY", 3},
    {"INDIA", 2},        {"INDONESIA", 2}, {"IRAN", 4},   {"IRAQ", 4},
    {"JAPAN", 2},        {"JORDAN", 4},    {"KENYA", 0},  {"MOROCCO", 0},
    {"MOZAMBIQUE", 0},   {"PERU", 1},      {"CHINA", 2},  {"ROMANIA", 3},
    {"SAUDI ARABIA", 4}, {"VIETNAM", 2},   {"RUSSIA", 3}, {"UNITED KINGDOM", 3},
    {"UNITED STATES", 1}};
constexpr std::string_view kColors[] = {
    "almond",   "antique",   "aquamarine", "azure",      "beige",     "bisque",    "black",
    "blanched", "blue",      "blush",      "brown",      "burlywood", "burnished", "chartreuse",
    "chiffon",  "chocolate", "coral",      "cornflower", "cornsilk",  "cream",     "cyan",
    "dark",     "deep",      "dim",        "dodger",     "drab",      "firebrick", "floral",
    "forest",   "frosted",   "gainsboro",  "ghost",      "goldenrod", "green",     "grey",
    "honeydew", "hot",       "indian",     "ivory",      "khaki",     "lace",      "lavender",
    "lawn",     "lemon",     "light",      "lime",       "linen",     "magenta",   "maroon",
    "medium",   "metallic",  "midnight",   "mint",       "misty",     "moccasin",  "navajo",
    "navy",     "olive",     "orange",     "orchid",     "pale",      "papaya",    "peach",
    "peru",     "pink",      "plum",       "powder",     "puff",      "purple",    "red",
    "rose",     "rosy",      "royal",      "saddle",     "salmon",    "sandy",     "seashell",
    "sienna",   "sky",       "slate",      "smoke",      "snow",      "spring",    "steel",
    "tan",      "thistle",   "tomato",     "turquoise",  "violet",    "wheat",     "white",
    "yellow"};
static_assert(std::size(kColors) == 92);
constexpr std::string_view kType1[] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
constexpr std::string_view kType2[] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
constexpr std::string_view kType3[] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
constexpr std::string_view kContainer1[] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
constexpr std::string_view kContainer2[] = {"CASE", "BOX",  "BAG", "JAR",
                                            "PKG",  "PACK", "CAN", "DRUM"};
constexpr std::string_view kSegments[] = {"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY",
                                          "HOUSEHOLD"};
constexpr std::string_view kPriorities[] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED",
                                            "5-LOW"};
constexpr std::string_view kInstructions[] = {"DELIVER IN PERSON", "COLLECT COD", "NONE",
                                              "TAKE BACK RETURN"};
constexpr std::string_view kModes[] = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};

// The comment grammar's words (section 4.2.2.10), without Tiresias' quote.
constexpr std::string_view kNouns[] = {
    "foxes",     "ideas",     "theodolites", "pinto beans", "instructions",   "dependencies",
    "excuses",   "platelets", "asymptotes",  "courts",      "dolphins",       "multipliers",
    "sauternes", "warthogs",  "frets",       "dinos",       "attainments",    "somas",
    "Tiresias",  "patterns",  "forges",      "braids",      "hockey players", "frays",
    "warhorses", "dugouts",   "notornis",    "epitaphs",    "pearls",         "tithes",
    "waters",    "orbits",    "gifts",       "sheaves",     "depths",         "sentiments",
    "decoys",    "realms",    "pains",       "grouches",    "escapades",      "packages",
    "requests",  "accounts",  "deposits"};
constexpr std::string_view kVerbs[] = {
    "sleep",  "wake",   "are",       "cajole",   "haggle", "nag",   "use",     "boost",
    "affix",  "detect", "integrate", "maintain", "nod",    "was",   "lose",    "sublate",
    "solve",  "thrash", "promise",   "engage",   "hinder", "print", "x-ray",   "breach",
    "eat",    "grow",   "impress",   "mold",     "poach",  "serve", "run",     "dazzle",
    "snooze", "doze",   "unwind",    "kindle",   "play",   "hang",  "believe", "doubt"};
constexpr std::string_view kAdjectives[] = {
    "special", "pending", "unusual",  "express",   "furious",  "sly",  "careful", "blithe",
    "quick",   "fluffy",  "slow",     "quiet",     "ruthless", "thin", "close",   "dogged",
    "daring",  "brave",   "stealthy", "permanent", "enticing", "idle", "busy",    "regular",
    "final",   "ironic",  "even",     "bold",      "silent"};
constexpr std::string_view kAdverbs[] = {
    "sometimes", "always",    "never",   "furiously",  "slyly",       "carefully",  "blithely",
    "quickly",   "fluffily",  "slowly",  "quietly",    "ruthlessly",  "thinly",     "closely",
    "doggedly",  "daringly",  "bravely", "stealthily", "permanently", "enticingly", "idly",
    "busily",    "regularly", "finally", "ironically", "evenly",      "boldly",     "silently"};
constexpr std::string_view kPrepositions[] = {
    "about",      "above",   "according to", "across", "after",      "against", "along",
    "among",      "around",  "at",           "atop",   "before",     "behind",  "beneath",
    "beside",     "between", "beyond",       "by",     "despite",    "during",  "except",
    "for",        "from",    "in place of",  "inside", "instead of", "into",    "near",
    "of",         "on",      "outside",      "over",   "past",       "since",   "through",
    "throughout", "to",      "toward",       "under",  "until",      "upon",    "without",
    "with",       "within"};
constexpr std::string_view kAuxiliaries[] = {"do",     "may",   "might",   "shall",
                                             "will",   "would", "can",     "could",
                                             "should", "must",  "need to", "try to"};
constexpr std::string_view kTerminators[] = {".", ".", ".", ";", ":", "!", "?", " --"};

// Concatenation of string_views (this Abseil's StrCat takes no std::string_view).
std::string join(std::initializer_list<std::string_view> parts) {
  std::string s;
  for (std::string_view p : parts) s += p;
  return s;
}

// ---- Dates (section 4.2.2.12) ----

struct calendar {
  const int64_t start = days_from_civil(1992, 1, 1);
  const int64_t current = days_from_civil(1995, 6, 17);
  const int64_t last_order = days_from_civil(1998, 8, 2);  // ENDDATE - 151 days
  std::vector<std::array<char, 10>> text;                  // from `start`, preformatted
  calendar() {
    for (int64_t d = start; d <= last_order + 121 + 30; ++d) {
      const std::string s = format_date(d);
      std::array<char, 10> a;
      std::memcpy(a.data(), s.data(), 10);
      text.push_back(a);
    }
  }
};

// ---- Comments ----

// Sentences of the grammar "noun-phrase verb-phrase [prepositional-phrase]
// terminator"; a comment is a random substring of the pool, as in dbgen.
class text_pool {
 public:
  explicit text_pool(uint64_t seed) {
    splitmix r(seed);
    text_.reserve(kSize + 200);
    while (text_.size() < kSize) {
      noun_phrase(r);
      verb_phrase(r);
      if (r.below(2) == 0) {
        add(r.pick(kPrepositions));
        add("the");
        noun_phrase(r);
      }
      text_.pop_back();  // the space after the last word
      text_ += r.pick(kTerminators);
      text_ += ' ';
    }
  }

  // Text of length in [lo, hi] before trimming: it starts with a letter and
  // ends with no space.
  [[nodiscard]] std::string_view pick(splitmix& r, int64_t lo, int64_t hi) const {
    const auto len = static_cast<size_t>(r.range(lo, hi));
    std::string_view s(text_.data() + r.below(text_.size() - len), len);
    while (!s.empty() && !std::isalpha(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  }

 private:
  static constexpr size_t kSize = size_t{2} << 20;

  void add(std::string_view w) {
    text_ += w;
    text_ += ' ';
  }
  void noun_phrase(splitmix& r) {
    switch (r.below(4)) {
      case 0:
        break;
      case 1:
        add(r.pick(kAdjectives));
        break;
      case 2:
        text_ += r.pick(kAdjectives);
        add(",");
        add(r.pick(kAdjectives));
        break;
      default:
        add(r.pick(kAdverbs));
        add(r.pick(kAdjectives));
    }
    add(r.pick(kNouns));
  }
  void verb_phrase(splitmix& r) {
    const uint64_t form = r.below(4);
    if (form & 1) add(r.pick(kAuxiliaries));
    add(r.pick(kVerbs));
    if (form & 2) add(r.pick(kAdverbs));
  }

  std::string text_;
};

// ---- Output ----

// One CSV file: each field ends with a comma, end_row turns the last one
// into a newline and flushes the buffer when it runs low.
class csv_file {
 public:
  explicit csv_file(std::string path) : path_(std::move(path)), buf_(kBuf) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) status_ = absl::UnknownError(absl::StrCat(path_, ": ", std::strerror(errno)));
    p_ = buf_.data();
  }
  ~csv_file() {
    if (fd_ >= 0) ::close(fd_);
  }
  csv_file(const csv_file&) = delete;
  csv_file& operator=(const csv_file&) = delete;

  [[nodiscard]] bool ok() const { return status_.ok(); }

  void header(std::string_view columns) {
    p_ = std::copy(columns.begin(), columns.end(), p_);
    *p_++ = '\n';
  }
  csv_file& num(uint64_t v) {
    p_ = put_uint(p_, v);
    *p_++ = ',';
    return *this;
  }
  // Cents as a decimal with two digits: -12345 -> -123.45.
  csv_file& cents(int64_t c) {
    if (c < 0) *p_++ = '-';
    const uint64_t a = c < 0 ? static_cast<uint64_t>(-c) : static_cast<uint64_t>(c);
    num(a / 100);
    p_[-1] = '.';
    *p_++ = static_cast<char>('0' + a / 10 % 10);
    *p_++ = static_cast<char>('0' + a % 10);
    *p_++ = ',';
    return *this;
  }
  csv_file& date(const std::array<char, 10>& d) {
    p_ = std::copy(d.begin(), d.end(), p_);
    *p_++ = ',';
    return *this;
  }
  // Text without quotes; quoted when it holds a comma.
  csv_file& str(std::string_view s) {
    const bool quote = s.find(',') != std::string_view::npos;
    if (quote) *p_++ = '"';
    p_ = std::copy(s.begin(), s.end(), p_);
    if (quote) *p_++ = '"';
    *p_++ = ',';
    return *this;
  }
  // "Supplier#000000042"
  csv_file& tagged(std::string_view prefix, uint64_t n) {
    p_ = std::copy(prefix.begin(), prefix.end(), p_);
    fixed(n, 9);
    *p_++ = ',';
    return *this;
  }
  // "25-989-741-2988": the country code is the nation key + 10.
  csv_file& phone(splitmix& r, int nation) {
    fixed(static_cast<uint64_t>(nation + 10), 2);
    *p_++ = '-';
    fixed(static_cast<uint64_t>(r.range(100, 999)), 3);
    *p_++ = '-';
    fixed(static_cast<uint64_t>(r.range(100, 999)), 3);
    *p_++ = '-';
    fixed(static_cast<uint64_t>(r.range(1000, 9999)), 4);
    *p_++ = ',';
    return *this;
  }
  csv_file& address(splitmix& r) {
    static constexpr char kAlnum[] =
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    for (int64_t n = r.range(10, 40); n > 0; --n) *p_++ = kAlnum[r.below(sizeof kAlnum - 1)];
    *p_++ = ',';
    return *this;
  }
  void end_row() {
    p_[-1] = '\n';
    if (static_cast<size_t>(buf_.data() + kBuf - p_) < kRoom) flush();
  }

  absl::Status close() {
    flush();
    if (::close(fd_) != 0 && status_.ok())
      status_ = absl::UnknownError(absl::StrCat(path_, ": close failed: ", std::strerror(errno)));
    fd_ = -1;
    return status_;
  }

 private:
  static constexpr size_t kBuf = size_t{1} << 20;
  static constexpr size_t kRoom = 16 << 10;  // more than an order with its 7 lines

  // The last `width` digits of v, zero-padded.
  void fixed(uint64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) p_[i] = static_cast<char>('0' + v % 10);
    p_ += width;
  }

  void flush() {
    const size_t n = static_cast<size_t>(p_ - buf_.data());
    p_ = buf_.data();
    if (status_.ok()) status_ = write_all(fd_, path_, buf_.data(), n);
  }

  std::string path_;
  std::vector<char> buf_;
  char* p_ = nullptr;
  int fd_ = -1;
  absl::Status status_;
};

// ---- Tables ----

enum table_id { kRegion, kNation, kSupplier, kCustomer, kPart, kPartsupp, kOrders, kLineitem };
constexpr std::string_view kTableNames[] = {"region", "nation",   "supplier", "customer",
                                            "part",   "partsupp", "orders",   "lineitem"};
constexpr std::string_view kHeaders[] = {
    "r_regionkey,r_name,r_comment",
    "n_nationkey,n_name,n_regionkey,n_comment",
    "s_suppkey,s_name,s_address,s_nationkey,s_phone,s_acctbal,s_comment",
    "c_custkey,c_name,c_address,c_nationkey,c_phone,c_acctbal,c_mktsegment,c_comment",
    "p_partkey,p_name,p_mfgr,p_brand,p_type,p_size,p_container,p_retailprice,p_comment",
    "ps_partkey,ps_suppkey,ps_availqty,ps_supplycost,ps_comment",
    "o_orderkey,o_custkey,o_orderstatus,o_totalprice,o_orderdate,o_orderpriority,o_clerk,"
    "o_shippriority,o_comment",
    "l_orderkey,l_partkey,l_suppkey,l_linenumber,l_quantity,l_extendedprice,l_discount,l_tax,"
    "l_returnflag,l_linestatus,l_shipdate,l_commitdate,l_receiptdate,l_shipinstruct,l_shipmode,"
    "l_comment"};
// Rough bytes per row, to size the files.
constexpr uint64_t kRowBytes[] = {80, 100, 160, 180, 130, 150, 120, 140};

struct generator {
  tpch_counts n;
  uint64_t clerks;
  uint64_t seed;
  calendar dates;
  text_pool pool;

  generator(double scale, uint64_t seed_)
      : n(tpch_row_counts(scale)),
        clerks(std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(1000 * scale)))),
        seed(seed_),
        pool(mix64(seed_ * kSplitmixGolden + 0x7E47)) {}

  [[nodiscard]] splitmix row_rng(table_id t, uint64_t row) const {
    return splitmix(
        mix64(seed * kSplitmixGolden + mix64((row << 4) + static_cast<uint64_t>(t) + 1)));
  }
  const std::array<char, 10>& date(int64_t day) const {
    return dates.text[static_cast<size_t>(day - dates.start)];
  }
  // ps_suppkey of part p's i-th supplier (section 4.2.3).
  [[nodiscard]] uint64_t supplier_of(uint64_t p, uint64_t i) const {
    const uint64_t s = n.supplier;
    return (p + (i * (s / 4 + (p - 1) / s))) % s + 1;
  }

  void region(csv_file& f, uint64_t k) const {
    splitmix r = row_rng(kRegion, k);
    f.num(k).str(kRegions[k]).str(pool.pick(r, 31, 115)).end_row();
  }
  void nation(csv_file& f, uint64_t k) const {
    splitmix r = row_rng(kNation, k);
    f.num(k).str(kNations[k].name).num(static_cast<uint64_t>(kNations[k].region));
    f.str(pool.pick(r, 31, 114)).end_row();
  }
  void supplier(csv_file& f, uint64_t i) const {
    splitmix r = row_rng(kSupplier, i);
    const int nation = static_cast<int>(r.below(25));
    f.num(i + 1).tagged("Supplier#", i + 1).address(r).num(static_cast<uint64_t>(nation));
    f.phone(r, nation).cents(r.range(-99999, 999999));
    if (i % 2000 == 7 || i % 2000 == 1007) {  // Q16's complaints (and praise)
      const std::string_view a = pool.pick(r, 5, 20), b = pool.pick(r, 5, 60);
      f.str(join({"Customer ", a, i % 2000 == 7 ? " Complaints " : " Recommends ", b}));
    } else {
      f.str(pool.pick(r, 25, 100));
    }
    f.end_row();
  }
  void customer(csv_file& f, uint64_t i) const {
    splitmix r = row_rng(kCustomer, i);
    const int nation = static_cast<int>(r.below(25));
    f.num(i + 1).tagged("Customer#", i + 1).address(r).num(static_cast<uint64_t>(nation));
    f.phone(r, nation).cents(r.range(-99999, 999999)).str(r.pick(kSegments));
    f.str(pool.pick(r, 29, 116)).end_row();
  }
  void part(csv_file& f, uint64_t i) const {
    splitmix r = row_rng(kPart, i);
    const uint64_t p = i + 1;
    size_t colors[5];
    for (size_t c = 0; c < 5; ++c) {
      do colors[c] = r.below(std::size(kColors));
      while (std::find(colors, colors + c, colors[c]) != colors + c);
    }
    f.num(p).str(join({kColors[colors[0]], " ", kColors[colors[1]], " ", kColors[colors[2]], " ",
                       kColors[colors[3]], " ", kColors[colors[4]]}));
    // One draw per statement: the order of function arguments is unspecified.
    const uint64_t m = 1 + r.below(5);
    const uint64_t brand = 10 * m + 1 + r.below(5);
    const std::string_view t1 = r.pick(kType1), t2 = r.pick(kType2), t3 = r.pick(kType3);
    const uint64_t size = 1 + r.below(50);
    const std::string_view c1 = r.pick(kContainer1), c2 = r.pick(kContainer2);
    f.str(absl::StrCat("Manufacturer#", m)).str(absl::StrCat("Brand#", brand));
    f.str(join({t1, " ", t2, " ", t3})).num(size).str(join({c1, " ", c2}));
    f.cents(retail_cents(p)).str(pool.pick(r, 5, 22)).end_row();
  }
  static int64_t retail_cents(uint64_t p) {
    return static_cast<int64_t>(90000 + ((p / 10) % 20001) + 100 * (p % 1000));
  }
  void partsupp(csv_file& f, uint64_t i) const {
    splitmix r = row_rng(kPartsupp, i);
    for (uint64_t j = 0; j < 4; ++j) {
      f.num(i + 1).num(supplier_of(i + 1, j)).num(1 + r.below(9999));
      f.cents(r.range(100, 100000)).str(pool.pick(r, 49, 198)).end_row();
    }
  }
  // Order i (0-based) with its lines.
  void order(csv_file& orders, csv_file& lines, uint64_t i) const {
    splitmix r = row_rng(kOrders, i);
    const uint64_t key = i / 8 * 32 + i % 8 + 1;         // dbgen's sparse keys
    const uint64_t valid = n.customer - n.customer / 3;  // keys not divisible by 3
    const uint64_t j = r.below(valid);
    const uint64_t cust = j + j / 2 + 1;
    const int64_t day = dates.start + r.range(0, dates.last_order - dates.start);
    const std::string_view priority = r.pick(kPriorities);
    const uint64_t clerk = 1 + r.below(clerks);
    const std::string_view comment = pool.pick(r, 19, 78);
    const uint64_t count = 1 + r.below(7);
    unsigned __int128 total = 0;  // in 1/10000 cents
    uint64_t shipped = 0;
    for (uint64_t l = 1; l <= count; ++l) {
      const uint64_t part = 1 + r.below(n.part);
      const uint64_t qty = 1 + r.below(50);
      const int64_t price = static_cast<int64_t>(qty) * retail_cents(part);
      const int64_t discount = r.range(0, 10), tax = r.range(0, 8);
      const int64_t ship = day + r.range(1, 121), commit = day + r.range(30, 90);
      const int64_t receipt = ship + r.range(1, 30);
      total += static_cast<unsigned __int128>(price) * static_cast<uint64_t>(100 + tax) *
               static_cast<uint64_t>(100 - discount);
      const bool returned = receipt <= dates.current;
      const bool done = ship <= dates.current;
      shipped += done ? 1 : 0;
      lines.num(key).num(part).num(supplier_of(part, r.below(4))).num(l).num(qty);
      lines.cents(price).cents(discount).cents(tax);
      lines.str(returned ? (r.below(2) == 0 ? "R" : "A") : "N").str(done ? "F" : "O");
      lines.date(date(ship)).date(date(commit)).date(date(receipt));
      lines.str(r.pick(kInstructions)).str(r.pick(kModes)).str(pool.pick(r, 10, 43)).end_row();
    }
    orders.num(key).num(cust).str(shipped == count ? "F" : shipped == 0 ? "O" : "P");
    orders.cents(static_cast<int64_t>((total + 5000) / 10000)).date(date(day)).str(priority);
    orders.tagged("Clerk#", clerk).num(0).str(comment).end_row();
  }
};

// One unit of work: rows [begin, end) of a table into one file (orders
// also writes the matching lineitem file).
struct job {
  table_id table;
  uint64_t begin, end;
  std::string path, lines_path;
};

absl::Status run(const generator& g, const job& j) {
  csv_file f(j.path);
  f.header(kHeaders[j.table]);
  if (j.table == kOrders) {
    csv_file lines(j.lines_path);
    lines.header(kHeaders[kLineitem]);
    for (uint64_t i = j.begin; i < j.end && f.ok() && lines.ok(); ++i) g.order(f, lines, i);
    absl::Status st = lines.close();
    absl::Status st2 = f.close();
    return st.ok() ? st2 : st;
  }
  for (uint64_t i = j.begin; i < j.end && f.ok(); ++i) {
    switch (j.table) {
      case kRegion:
        g.region(f, i);
        break;
      case kNation:
        g.nation(f, i);
        break;
      case kSupplier:
        g.supplier(f, i);
        break;
      case kCustomer:
        g.customer(f, i);
        break;
      case kPart:
        g.part(f, i);
        break;
      default:
        g.partsupp(f, i);
        break;
    }
  }
  return f.close();
}

absl::StatusOr<std::string> table_dir(const std::string& out_dir, table_id t) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(out_dir) / std::string(kTableNames[t]);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return absl::UnknownError(absl::StrCat(dir.string(), ": ", ec.message()));
  std::vector<fs::path> stale;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("part-") && name.ends_with(".csv")) stale.push_back(e.path());
  }
  if (ec) return absl::UnknownError(absl::StrCat(dir.string(), ": ", ec.message()));
  for (const fs::path& p : stale)
    if (!fs::remove(p, ec) && ec)
      return absl::UnknownError(absl::StrCat(p.string(), ": ", ec.message()));
  return dir.string();
}

}  // namespace

tpch_counts tpch_row_counts(double scale) {
  auto scaled = [scale](double base) {
    return std::max<uint64_t>(1, static_cast<uint64_t>(std::llround(base * scale)));
  };
  return {scaled(10000), scaled(150000), scaled(200000), scaled(1500000)};
}

absl::StatusOr<std::vector<std::string>> generate_tpch(const std::string& out_dir,
                                                       const tpch_options& opts) {
  if (!(opts.scale > 0 && opts.scale <= 1000)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the scale factor must be in (0, 1000], got ", opts.scale));
  }
  if (opts.files < 0) {
    return absl::InvalidArgumentError(absl::StrCat("--files must be positive, got ", opts.files));
  }
  const generator g(opts.scale, opts.seed);
  // Rows of each table's generating loop (partsupp: per part; lineitem: by orders).
  const uint64_t rows[] = {5, 25, g.n.supplier, g.n.customer, g.n.part, g.n.part, g.n.orders};
  std::vector<job> jobs;
  for (int t = kRegion; t <= kOrders; ++t) {
    const auto id = static_cast<table_id>(t);
    const uint64_t bytes = rows[t] * (id == kOrders     ? kRowBytes[kLineitem] * 4
                                      : id == kPartsupp ? kRowBytes[t] * 4
                                                        : kRowBytes[t]);
    uint64_t files = (bytes + (32u << 20) - 1) / (32u << 20);
    if (opts.files > 0 && id >= kCustomer) files = static_cast<uint64_t>(opts.files);
    files = std::clamp<uint64_t>(files, 1, rows[t]);
    auto dir = table_dir(out_dir, id);
    if (!dir.ok()) return dir.status();
    auto lines_dir = id == kOrders ? table_dir(out_dir, kLineitem) : dir;
    if (!lines_dir.ok()) return lines_dir.status();
    for (uint64_t k = 0; k < files; ++k) {
      const std::string name = absl::StrFormat("part-%03d.csv", k);
      jobs.push_back({id, rows[t] * k / files, rows[t] * (k + 1) / files, *dir + "/" + name,
                      *lines_dir + "/" + name});
    }
  }
  if (auto st = run_on_all_cores(jobs.size(), [&](size_t i) { return run(g, jobs[i]); });
      !st.ok())
    return st;
  std::vector<std::string> paths;
  for (const job& j : jobs) paths.push_back(j.path);
  for (const job& j : jobs)
    if (j.table == kOrders) paths.push_back(j.lines_path);
  return paths;
}

}  // namespace tranche
