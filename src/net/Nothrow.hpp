// The completion token every coroutine here awaits with: `co_await op(..., nothrow)` gives
// (error_code, results...) as a tuple instead of throwing, so a failed read, write or wait is a
// value the code looks at, as a socket failure is an everyday event and no exception.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace reprise::net {

inline constexpr auto nothrow = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace reprise::net
