#include "mirror/Mirror.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <future>

#include "capture/SecretNames.hpp"
#include "replay/RequestTemplate.hpp"
#include "replay/Users.hpp"

namespace reprise::mirror {
namespace asio = boost::asio;
using asio::awaitable;
using clock = std::chrono::steady_clock;

namespace {

constexpr auto kForgetAfter = std::chrono::minutes(10);  // a client session quiet so long is forgotten
constexpr auto kStopGrace = std::chrono::seconds(2);     // copies under way at the end get so long
constexpr auto kPollEvery = std::chrono::milliseconds(1);  // how soon a busy mirror looks at its queues again

// A handout that says who the user is: a cookie, a header the profile names, or a long JSON
// value under a secret's name (an access_token, a session id; not a message's text).
bool credential(const replay::Handout& h) {
  if (h.id || h.value.size() < replay::kMinLinkLength) return false;
  if (h.from != replay::Handout::From::json) return true;
  return capture::is_default_secret_name(std::string_view(h.where).substr(h.where.rfind('/') + 1));
}

}  // namespace

// One client exchange, answered by the primary, shared by its copies.
struct Mirror::Primary {
  std::shared_ptr<const capture::Exchange> x;
  std::vector<replay::Handout> handouts;  // what the primary's answer handed out
  replay::Fields echoed;                  // what it echoed of the request (identities)
  std::shared_ptr<Stream> stream;         // an event stream still open on the client's side
  uint64_t seq = 0;                       // in the order they came
};

// A client's user: its shadow users, shared by the connections that belong to it.
struct Mirror::User {
  std::vector<ShadowUser> shadows;
  bool identified = false;  // its first creating request came: its identities are known
};

// One client connection: the copies waiting per shadow user, sent in order.
struct Mirror::Connection {
  struct Chain {
    std::deque<std::shared_ptr<Primary>> waiting;
    bool running = false;
  };
  std::string key;
  std::shared_ptr<User> user;
  std::vector<Chain> chains;  // by shadow user
  clock::time_point last;
};

// A client's event stream: its copies are held until it ends.
struct Mirror::Stream {
  std::vector<StreamHold> holds;  // by shadow user
};

Mirror::Mirror(MirrorConfig config, int producers)
    : config_(std::move(config)),
      queues_(producers, config_.queue),
      start_(clock::now()),
      stream_ids_(static_cast<size_t>(producers), 0),
      rule_(config_.rule),
      work_(ctx_.get_executor()),
      factor_(config_.rule.factor),
      place_freed_(ctx_, clock::time_point::max()),
      settled_(ctx_, clock::time_point::max()),
      poll_(ctx_),
      last_sweep_(clock::now()) {
  for (int i = 0; i < producers; ++i) ended_.push_back(std::make_unique<boost::lockfree::spsc_queue<uint64_t>>(config_.queue));
  std::mt19937_64 draw(config_.seed.value_or(std::random_device{}()));
  phase_ = std::uniform_real_distribution<double>(0, 1)(draw);
  sender_ = std::make_unique<CopySender>(ctx_.get_executor(), config_);
  if (config_.compare) compare_ = std::make_unique<MirrorCompare>(config_.routes, config_.compare_ignore);
}

Mirror::~Mirror() { stop(); }

int64_t Mirror::since_start(clock::time_point t) const {
  return std::chrono::duration_cast<std::chrono::microseconds>(t - start_).count();
}

bool Mirror::wants(int producer, const MirrorRule& rule, const http::MessageHead& request, bool websocket) {
  if (!rule.wants(request)) return false;
  if (websocket) {
    skipped_websocket_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  if (request.body == http::BodyKind::content_length && request.content_length > config_.body_limit) {
    skipped_body_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // A mirror behind already: dropped now, before the exchange is copied at all.
  if (queues_.full(producer) || pending_.load(std::memory_order_relaxed) >= backlog_bound()) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  return true;
}

void Mirror::submit(int producer, std::unique_ptr<capture::Exchange> exchange) {
  if (exchange->id != 0) {  // a stream's end: only its id goes, on a queue of its own
    if (!ended_[static_cast<size_t>(producer)]->push(exchange->id)) ended_lost_.fetch_add(1);
    wake();
    return;
  }
  if (exchange->req.body.truncated()) {  // a chunked body over the limit
    skipped_body_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (!queues_.push(producer, std::move(exchange))) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  wake();
}

void Mirror::stream_started(int producer, capture::Exchange& exchange) {
  auto head = queues_.take(producer);
  *head = exchange;  // the record so far: its request and the answer's head
  head->open = true;
  head->id = (static_cast<uint64_t>(producer) << 48) | ++stream_ids_[static_cast<size_t>(producer)];
  const uint64_t id = head->id;
  if (!queues_.push(producer, std::move(head))) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  exchange.id = id;  // its end comes with the same id
  wake();
}

void Mirror::wake() {
  if (asleep_.exchange(false)) asio::post(ctx_, [this] { drain(); });
}

// Takes what the workers queued. While records keep coming, it looks again every kPollEvery
// rather than sleeping: a worker then pays no wake-up (a post and a system call) per copy.
void Mirror::drain() {
  size_t taken = 0;
  queues_.drain([&](size_t p, std::unique_ptr<capture::Exchange> x) {
    ++taken;
    arrive(p, std::move(x));
  });
  for (auto& q : ended_) taken += q->consume_all([this](uint64_t id) { end_stream(id); });
  if (clock::now() - last_sweep_ > std::chrono::seconds(10)) forget_idle();
  if (taken > 0 && !stopping_) {
    poll_.expires_after(kPollEvery);
    poll_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) drain();
    });
    return;
  }
  asleep_.store(true);
  if (!queues_.empty() && asleep_.exchange(false)) asio::post(ctx_, [this] { drain(); });
}

void Mirror::arrive(size_t producer, std::unique_ptr<capture::Exchange> x) {
  if (stopping_ || factor_ <= 0 || (!x->open && x->stream)) {  // (a stream whose head was dropped)
    if (x->open && !stopping_) streams_[x->id] = nullptr;     // nothing to end, but its end comes
    queues_.give_back(producer, std::move(x));
    return;
  }
  capture::parse_raw_heads(*x, request_heads_, response_heads_);
  auto p = std::make_shared<Primary>();
  p->seq = ++arrived_;
  if (x->res) p->handouts = replay::find_handouts(*x->res, config_.shadow.correlate, config_.shadow.correlate.automatic);
  p->echoed = replay::echoed_fields(*x);
  auto c = connection_for(*x);
  for (const auto& h : p->handouts)
    if (credential(h)) by_credential_[h.value] = c->user;
  if (!p->echoed.empty() && !c->user->identified) {  // its shadow users' identities (ShadowUser's rule)
    c->user->identified = true;
    for (const auto& [field, value] : p->echoed) by_identity_[value] = c->user;
  }
  for (const auto& f : config_.shadow.identities)
    if (auto value = replay::identity_value(x->req, f.field)) by_identity_[*value] = c->user;
  const size_t n = c->chains.size();
  if (x->open) {
    p->stream = std::make_shared<Stream>();
    p->stream->holds.resize(n);
    streams_[x->id] = p->stream;
    if (ended_early_.erase(x->id)) end_stream(x->id);  // its end was taken first
  }
  const uint64_t bound = backlog_bound();
  // The record goes back to its worker once every copy is sent.
  p->x = std::shared_ptr<const capture::Exchange>(x.release(), [this, producer](const capture::Exchange* done) {
    queues_.give_back(producer, std::unique_ptr<capture::Exchange>(const_cast<capture::Exchange*>(done)));
  });
  for (size_t k = 0; k < n; ++k) {
    if (pending_.load() >= bound) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    auto& chain = c->chains[k];
    c->user->shadows[k].expect(p->seq, p->handouts);
    chain.waiting.push_back(p);
    pending_.fetch_add(1, std::memory_order_relaxed);
    if (!chain.running) {
      chain.running = true;
      asio::co_spawn(ctx_, run_chain(c, k), asio::detached);
    }
  }
}

std::shared_ptr<Mirror::Connection> Mirror::connection_for(const capture::Exchange& x) {
  auto& c = connections_[x.session];
  if (!c) {
    c = std::make_shared<Connection>();
    c->key = x.session;
    // Its user: the one a credential it carries was handed to, else (a login) the one whose
    // identity it sends.
    auto find_in = [&](const auto& index, std::string_view value) {
      if (c->user) return;
      auto it = index.find(std::string(value));
      if (it != index.end()) c->user = it->second.lock();
    };
    replay::each_link_token(x.req, [&](std::string_view token) { find_in(by_credential_, token); });
    if (!c->user && !by_identity_.empty())
      replay::RequestTemplate::each_value(x.req, [&](std::string_view value, bool, const replay::Site&) {
        find_in(by_identity_, value);
      });
    if (!c->user) {
      c->user = std::make_shared<User>();
      const size_t n = shadows_for_new_user();
      for (size_t k = 0; k < n; ++k) c->user->shadows.emplace_back(config_.shadow, ++next_copy_);
      shadow_users_.fetch_add(n, std::memory_order_relaxed);
    }
    c->chains.resize(c->user->shadows.size());
  }
  c->last = clock::now();
  return c;
}

// floor(factor), and one more for the share of users the fraction says, by systematic sampling.
size_t Mirror::shadows_for_new_user() {
  double whole = std::floor(factor_);
  phase_ += factor_ - whole;
  size_t n = static_cast<size_t>(whole);
  if (phase_ >= 1) {
    phase_ -= 1;
    ++n;
  }
  return n;
}

awaitable<void> Mirror::run_chain(std::shared_ptr<Connection> c, size_t k) {
  auto& chain = c->chains[k];
  ShadowUser& shadow = c->user->shadows[k];
  std::string bytes;
  const std::string session = c->key + "/m" + std::to_string(k + 1);
  while (!chain.waiting.empty()) {
    auto p = std::move(chain.waiting.front());
    chain.waiting.pop_front();
    pending_.fetch_sub(1, std::memory_order_relaxed);
    if (!stopping_) co_await wait_for_values(shadow, *p);
    if (stopping_ || !co_await take_place()) {
      shadow.settled(p->seq, p->handouts);
      dropped_.fetch_add(1, std::memory_order_relaxed);  // the proxy stopped before it was sent
      continue;
    }
    shadow.render(*p->x, p->echoed, bytes);
    CopyRequest copy{&bytes,
                     p->x->req.method,
                     p->x->req.target,
                     p->x->res ? p->x->res->status : 0,
                     session,
                     p->stream ? &p->stream->holds[k] : nullptr,
                     !p->handouts.empty() || compare_ != nullptr,
                     p->x->res ? std::string_view(p->x->res->body.data) : std::string_view()};
    copies_.fetch_add(1, std::memory_order_relaxed);
    bool settled = false;
    auto settle = [&] {
      if (settled) return;
      settled = true;
      shadow.settled(p->seq, p->handouts);
      settled_.cancel();  // every copy waiting for a value looks again
    };
    bool ok = co_await sender_->send(copy, [&](int status, const std::vector<http::Header>& headers,
                                               const nlohmann::json* body) {
      shadow.learn(p->handouts, headers, body);
      if (compare_) compare_->compare(*p->x, status, headers, body, shadow);
      settle();  // a stream's at its head: it is held long after
    });
    settle();
    give_place();
    if (!sender_->failure().empty()) log_failure(sender_->failure());
    (ok ? answered_ : failed_).fetch_add(1, std::memory_order_relaxed);
    c->last = clock::now();
  }
  chain.running = false;
}

awaitable<void> Mirror::wait_for_values(const ShadowUser& shadow, const Primary& p) {
  // Each copy waited for settles within --mirror-timeout (a stream's at its head), so this ends.
  while (shadow.waits(p.seq, p.x->req) && !stopping_) {
    boost::system::error_code ec;
    co_await settled_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

awaitable<bool> Mirror::take_place() {
  while (on_wire_ >= config_.connections && !stopping_) {
    boost::system::error_code ec;
    co_await place_freed_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (stopping_) co_return false;
  ++on_wire_;
  co_return true;
}

void Mirror::give_place() {
  --on_wire_;
  place_freed_.cancel_one();  // the longest waiting copy takes it
}

// One line a second at most: a mirror that is down fails every copy.
void Mirror::log_failure(const std::string& why) {
  const auto now = clock::now();
  if (now - last_failure_log_ < std::chrono::seconds(1)) {
    ++failures_unlogged_;
    return;
  }
  spdlog::warn("mirror {}: a copy got no answer: {}{}", config_.url, why,
               failures_unlogged_ ? fmt::format(" ({} more since the last such line)", failures_unlogged_) : "");
  last_failure_log_ = now;
  failures_unlogged_ = 0;
}

void Mirror::end_stream(uint64_t id) {
  auto it = streams_.find(id);
  if (it == streams_.end()) {
    ended_early_.insert(id);  // its head is still queued (another queue's order)
    return;
  }
  if (it->second)
    for (auto& h : it->second->holds) h.end();
  streams_.erase(it);
}

void Mirror::forget_idle() {
  last_sweep_ = clock::now();
  for (auto it = connections_.begin(); it != connections_.end();) {
    bool busy = false;
    for (const auto& chain : it->second->chains) busy |= chain.running;
    if (!busy && last_sweep_ - it->second->last > kForgetAfter)
      it = connections_.erase(it);
    else
      ++it;
  }
  for (auto* index : {&by_credential_, &by_identity_})
    for (auto it = index->begin(); it != index->end();) it = it->second.expired() ? index->erase(it) : std::next(it);
}

void Mirror::start() {
  {  // a look at the mirror, bounded by --connect-timeout: a silent address must not hold the start
    asio::io_context probe;
    asio::ip::tcp::socket socket(probe);
    boost::system::error_code ec = asio::error::timed_out;
    socket.async_connect(config_.endpoint, [&ec](const boost::system::error_code& e) { ec = e; });
    probe.run_for(config_.connect_timeout);
    if (ec)
      spdlog::warn("mirror {} cannot be reached now ({}); the proxy serves, and copies are tried and counted",
                   config_.url, ec.message());
  }
  thread_ = std::thread([this] { ctx_.run(); });
  spdlog::info("mirroring to {}: factor {}, {}", config_.url, rule_.factor,
               rule_.match ? "requests matching " + rule_.match_source.dump() : std::string("every request"));
}

void Mirror::stop() {
  if (!thread_.joinable()) return;
  asio::post(ctx_, [this] {
    stopping_ = true;
    poll_.cancel();
    place_freed_.cancel();
    settled_.cancel();
    for (auto& [id, s] : streams_)
      if (s)
        for (auto& h : s->holds) h.end();
    streams_.clear();
    ended_early_.clear();
    sender_->close_idle();
  });
  work_.reset();
  const auto deadline = clock::now() + std::max<clock::duration>(kStopGrace, config_.timeout / 10);
  while (!ctx_.stopped() && clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ctx_.stop();
  thread_.join();
  dropped_ += pending_.exchange(0);  // copies the proxy stopped before sending
  spdlog::info("mirror {}: {} copies sent, {} answered, {} failed, {} dropped, {} not copied (websocket {}, body over "
               "the limit {}), {} shadow users",
               config_.url, copies_.load(), answered_.load(), failed_.load(), dropped_.load(),
               skipped_websocket_.load() + skipped_body_.load(), skipped_websocket_.load(), skipped_body_.load(),
               shadow_users_.load());
  if (compare_) log_comparison();
  if (ended_lost_.load() > 0)
    spdlog::warn("mirror {}: the end of {} client streams could not be passed on (the queue was full); their copies were "
                 "held until the mirror closed them or the proxy stopped",
                 config_.url, ended_lost_.load());
  if (dropped_.load() > 0)
    spdlog::warn("mirror {}: {} copies dropped because the mirror fell behind (--mirror-queue {})", config_.url,
                 dropped_.load(), config_.queue);
}

// The thread has stopped: the tally is this thread's to read. One line per route that differed.
void Mirror::log_comparison() const {
  const auto tally = compare_->tally();
  uint64_t compared = 0, differing = 0;
  for (size_t r = 0; r < tally.routes(); ++r) {
    const auto result = tally.result(r);
    compared += result.compared;
    differing += result.differing;
    if (result.differing == 0) continue;
    std::string fields;
    for (size_t i = 0; i < std::min<size_t>(result.fields.size(), 3); ++i)
      fields += fmt::format("{}{} ({}, {} answers)", i ? ", " : "", result.fields[i]->field, result.fields[i]->kind,
                            result.fields[i]->count);
    const auto& key = compare_->routes()[r];
    spdlog::warn("mirror {}: {} {}: {} of {} answers differ from the primary's: {}", config_.url, key.name, key.method,
                 result.differing, result.compared, fields);
  }
  spdlog::info("mirror {}: {} answers compared with the primary's, {} differ", config_.url, compared, differing);
}

MirrorRule Mirror::rule() const {
  std::lock_guard lock(rule_mutex_);
  return rule_;
}

void Mirror::set_rule(MirrorRule rule) {
  {
    std::lock_guard lock(rule_mutex_);
    rule_ = rule;
  }
  asio::post(ctx_, [this, factor = rule.factor] { factor_ = factor; });
}

nlohmann::ordered_json Mirror::state() const {
  nlohmann::ordered_json j;
  j["url"] = config_.url;
  auto rule = this->rule().to_json();
  j["factor"] = rule["factor"];
  j["match"] = rule["match"];
  j["copies"] = copies_.load();
  j["answered"] = answered_.load();
  j["failed"] = failed_.load();
  j["dropped"] = dropped_.load();
  j["skipped"] = {{"websocket", skipped_websocket_.load()}, {"body_limit", skipped_body_.load()}};
  j["shadow_users"] = shadow_users_.load();
  j["pending"] = pending_.load();
  return j;
}

std::optional<nlohmann::ordered_json> Mirror::comparison(std::chrono::milliseconds wait) {
  if (!config_.compare) return std::nullopt;
  auto promise = std::make_shared<std::promise<nlohmann::ordered_json>>();
  auto future = promise->get_future();
  asio::post(ctx_, [this, promise] { promise->set_value(compare_->to_json()); });
  if (future.wait_for(wait) != std::future_status::ready) return std::nullopt;
  return future.get();
}

std::optional<metrics::FiguresByTag> Mirror::figures(std::chrono::milliseconds wait) {
  auto promise = std::make_shared<std::promise<metrics::FiguresByTag>>();
  auto future = promise->get_future();
  asio::post(ctx_, [this, promise] { promise->set_value(sender_->figures()); });
  if (future.wait_for(wait) != std::future_status::ready) return std::nullopt;
  return future.get();
}

}  // namespace reprise::mirror
