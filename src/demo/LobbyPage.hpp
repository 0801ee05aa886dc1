// The anonymous lobby page the chat service answers GET / with: a tiny HTML page whose inline
// script opens the lobby stream, reads the lobby's figures and sets its title to "ready".
// Markup only; what the lobby routes answer is ChatService's.
#pragma once

#include <string_view>

namespace reprise::demo {

std::string_view lobby_page();

}  // namespace reprise::demo
