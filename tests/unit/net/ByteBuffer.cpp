#include "net/ByteBuffer.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

using reprise::net::ByteBuffer;

namespace {

// Appends `text` the way a socket read would: prepare, write into the space, commit.
void append(ByteBuffer& b, const std::string& text) {
  auto space = b.prepare(text.size());
  REQUIRE(space.size() >= text.size());
  std::memcpy(space.data(), text.data(), text.size());
  b.commit(text.size());
}

}  // namespace

TEST_CASE("bytes committed are readable in order until consumed") {
  ByteBuffer b;
  CHECK(b.empty());
  CHECK(b.size() == 0);
  CHECK(b.readable().empty());
  append(b, "hello ");
  append(b, "world");
  CHECK(b.readable() == "hello world");
  CHECK(b.size() == 11);
  b.consume(6);
  CHECK(b.readable() == "world");
  b.consume(5);
  CHECK(b.empty());
  CHECK(b.readable().empty());
}

TEST_CASE("prepare gives at least the room asked for and commit only counts what was written") {
  ByteBuffer b;
  auto space = b.prepare(100);
  CHECK(space.size() >= 100);
  std::memcpy(space.data(), "abc", 3);
  b.commit(3);
  CHECK(b.readable() == "abc");
}

TEST_CASE("a prepare that needs no room leaves views into readable() valid") {
  ByteBuffer b;
  b.prepare(64);
  append(b, "0123456789");
  b.consume(4);
  auto before = b.readable();
  b.prepare(8);
  CHECK(b.readable().data() == before.data());
  CHECK(b.readable() == "456789");
}

TEST_CASE("compaction moves the unread bytes to the front and keeps them") {
  ByteBuffer b;
  append(b, "abcdefgh");  // fills the first allocation exactly
  b.consume(5);
  const char* old_front = b.readable().data();
  auto space = b.prepare(4);  // no room at the end, enough once the consumed bytes are reclaimed
  CHECK(space.size() >= 4);
  CHECK(b.readable() == "fgh");
  CHECK(b.readable().data() != old_front);
  std::memcpy(space.data(), "ijkl", 4);
  b.commit(4);
  CHECK(b.readable() == "fghijkl");
}

TEST_CASE("growing keeps the unread bytes, compacted or not") {
  ByteBuffer b;
  append(b, "abcdefgh");
  b.consume(6);
  auto space = b.prepare(1000);
  CHECK(space.size() >= 1000);
  CHECK(b.readable() == "gh");
  append(b, std::string(1000, 'x'));
  CHECK(b.size() == 1002);
  CHECK(b.readable().substr(0, 3) == "ghx");
  CHECK(b.readable().back() == 'x');
}

TEST_CASE("consuming everything starts the next read at the front again") {
  ByteBuffer b;
  auto first = b.prepare(16);
  append(b, "abcd");
  b.consume(4);
  auto again = b.prepare(16);
  CHECK(again.data() == first.data());
  CHECK(again.size() == first.size());
}

TEST_CASE("clear drops the content") {
  ByteBuffer b;
  append(b, "abc");
  b.clear();
  CHECK(b.empty());
  CHECK(b.readable().empty());
}

TEST_CASE("release frees memory only when nothing is buffered") {
  ByteBuffer b;
  append(b, std::string(64 * 1024, 'a'));
  b.consume(64 * 1024 - 3);
  const char* data = b.readable().data();
  b.release();  // three bytes still unread: must be kept where they are
  CHECK(b.readable() == "aaa");
  CHECK(b.readable().data() == data);
  b.consume(3);
  CHECK(b.prepare(1).size() >= 64 * 1024);  // still holding the big block
  b.release();
  CHECK(b.empty());
  // After a release the next prepare allocates afresh instead of offering the old 64 KiB block.
  CHECK(b.prepare(16).size() < 64 * 1024);
  append(b, "fresh");
  CHECK(b.readable() == "fresh");
}

TEST_CASE("ReadSize: reads start at 4 KiB, double while they come back full, up to 64 KiB") {
  reprise::net::ReadSize size;
  CHECK(size.next() == 4096);
  size.got(1000, 4096);  // a short read: the bytes there were fewer
  CHECK(size.next() == 4096);
  size.got(4096, 4096);
  CHECK(size.next() == 8192);
  // A buffer may give more room than asked; what counts is whether the read filled it.
  size.got(8192, 10000);
  CHECK(size.next() == 8192);
  for (int i = 0; i < 10; ++i) size.got(size.next(), size.next());
  CHECK(size.next() == 65536);
  size.restart();
  CHECK(size.next() == 4096);
}
