#include "proxy/BodyPieces.hpp"

#include "http/HeaderRules.hpp"

namespace reprise::proxy {

void add_body_pieces(std::vector<boost::asio::const_buffer>& out, std::vector<std::array<char, 20>>& sizes,
                     const std::vector<std::string_view>& pieces, bool chunked) {
  if (!chunked) {
    for (auto p : pieces)
      if (!p.empty()) out.push_back(boost::asio::buffer(p));
    return;
  }
  if (sizes.size() < pieces.size()) sizes.resize(pieces.size());  // before any buffer points into it
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (pieces[i].empty()) continue;  // an empty chunk would end the body
    size_t len = http::write_chunk_size(sizes[i].data(), pieces[i].size());
    out.push_back(boost::asio::buffer(sizes[i].data(), len));
    out.push_back(boost::asio::buffer(pieces[i]));
    out.push_back(boost::asio::buffer("\r\n", 2));
  }
}

}  // namespace reprise::proxy
