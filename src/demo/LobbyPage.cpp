#include "demo/LobbyPage.hpp"

namespace reprise::demo {

// Relative URLs only, so the page works the same through `reprise proxy`; no cookies and no
// Authorization header. The title is set once, after the stream's first event and both calls,
// so a headless browser can wait for it; an EventSource that reconnects does not call again.
std::string_view lobby_page() {
  static constexpr std::string_view page = R"html(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>lobby</title><link rel="icon" href="data:,"></head>
<body>
<h1>Chat lobby</h1>
<p id="state">connecting</p>
<ul id="rooms"></ul>
<script>
"use strict";
const state = document.getElementById("state");
const list = document.getElementById("rooms");
const showRoom = (room) => {
  const item = document.createElement("li");
  item.textContent = room.name;
  list.appendChild(item);
};
const getJson = async (path) => {
  const answer = await fetch(path, {credentials: "omit"});
  if (!answer.ok) throw new Error(path + " answered " + answer.status);
  return answer.json();
};
let started = false;
const stream = new EventSource("/api/lobby/stream");
stream.addEventListener("welcome", async () => {
  if (started) return;
  started = true;
  try {
    const figures = await getJson("/api/lobby");
    (await getJson("/api/lobby/rooms")).forEach(showRoom);
    state.textContent = figures.rooms + " rooms, " + figures.users + " users, " + figures.online + " online";
    document.title = "ready";
  } catch (failure) {
    state.textContent = "failed: " + failure.message;
    document.title = "failed";
  }
});
stream.addEventListener("room", (event) => showRoom(JSON.parse(event.data)));
</script>
</body>
</html>
)html";
  return page;
}

}  // namespace reprise::demo
