// `tranche convert`: CSV files -> a directory of tranche columnar files
// (runtime/io/columnar.h). main.cc dispatches to it.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tranche::cli {

// `convert --from 'GLOB' --to DIR [--delimiter C] [--no-header]
// [--rows-per-batch N]` (args without the command word). Returns the exit
// code: 0 done, 1 the conversion failed (one message on err), 2 bad usage
// (the message and `usage` on err).
int cmd_convert(const std::vector<std::string>& args, const std::string& usage, std::ostream& out,
                std::ostream& err);

}  // namespace tranche::cli
