// The completion tokens every coroutine here awaits with: `co_await op(..., nothrow)` gives
// (error_code, results...) as a tuple instead of throwing, so a failed read, write or wait is a
// value the code looks at, as a socket failure is an everyday event and no exception. And the
// allocator a wait that may last hours (a held stream's, a tunnel's) is bound to.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>

namespace reprise::net {

// The operation is started when awaited and resumes the coroutine itself: no coroutine frame
// of Asio's own per operation (use_awaitable makes one for each), which a proxied request
// paid four times over.
inline constexpr auto nothrow = boost::asio::as_tuple(boost::asio::deferred);
// The same as an awaitable<tuple>: for the awaitable operators (`a || b`) and for
// bind_allocator (held_wait), which this Asio (1.26) cannot put around a deferred token.
inline constexpr auto nothrow_awaitable = boost::asio::as_tuple(boost::asio::use_awaitable);

// With boost::asio::bind_allocator: the wait's operation takes memory of its own size. Asio's
// recycling allocator would lend it a block a larger operation (a write) left in its per-thread
// cache, and a held stream keeps that block for as long as it waits.
inline constexpr std::allocator<void> held_wait{};

}  // namespace reprise::net
