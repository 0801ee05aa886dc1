#include "proxy/StreamCut.hpp"

namespace reprise::proxy {

const std::vector<std::string_view>& StreamCut::pass(const std::vector<std::string_view>& pieces, bool& cut) {
  kept_.clear();
  for (auto piece : pieces) {
    kept_.push_back(piece.substr(0, cutter_->pass(piece, cut)));
    if (cut) break;
  }
  return kept_;
}

}  // namespace reprise::proxy
