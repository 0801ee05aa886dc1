// A body's pieces (views into a parser's buffer) added to a gather list as they go on the wire:
// as they are, or each framed as a chunk. The chunk-size lines live in `sizes`, which the
// caller keeps beside the list so no write allocates in the steady state.
#pragma once

#include <array>
#include <boost/asio/buffer.hpp>
#include <string_view>
#include <vector>

namespace reprise::proxy {

constexpr std::string_view kLastChunk = "0\r\n\r\n";

void add_body_pieces(std::vector<boost::asio::const_buffer>& out, std::vector<std::array<char, 20>>& sizes,
                     const std::vector<std::string_view>& pieces, bool chunked);

}  // namespace reprise::proxy
