"""The seed's chat service as a small in-memory FastAPI app: the real-server twin of reprise's
built-in demo upstream (src/demo/), used by the integration tests and benchmarks.

It implements exactly the API written down in tests/upstreams/README.md (status codes, field
names, SSE framing); both implementations must stay in step with that file. It keeps
everything in memory, has no persistence and no real security: never expose it beyond loopback.

Run: cd tests/upstreams && /usr/bin/python3 -m uvicorn chat_app:app --host 127.0.0.1 --port 8000
Env: CHAT_HEARTBEAT_SECONDS (default 15) is the SSE heartbeat period; CHAT_DELIVERY_RATE (default
2000, 0 for unbounded) is how many events a second the notification consumer takes off the
message.events topic (event_topic.py), whose lag GET /metrics shows.
"""
import asyncio
import datetime
import hashlib
import json
import os
import secrets

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from event_topic import DEFAULT_RATE, EventTopic, rate_from

HEARTBEAT_SECONDS = float(os.environ.get("CHAT_HEARTBEAT_SECONDS", "15"))
DELIVERY_RATE = rate_from(os.environ.get("CHAT_DELIVERY_RATE", str(DEFAULT_RATE)))
SEARCH_LIMIT = 20
MESSAGES_DEFAULT = 50
MESSAGES_MAX = 100

app = FastAPI(title="reprise chat upstream", docs_url=None, redoc_url=None, openapi_url=None)
app.router.redirect_slashes = False


class ApiError(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


@app.exception_handler(ApiError)
async def api_error(_request, exc):
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse({"detail": exc.detail}, status_code=exc.status, headers=headers)


@app.exception_handler(StarletteHTTPException)
async def unknown_route(_request, _exc):
    # Unknown paths and known paths with another method alike: the spec has only 404.
    return JSONResponse({"detail": "not found"}, status_code=404)


class Store:
    """All state of the service. Single-threaded (one asyncio loop), so no locks."""

    def __init__(self):
        self.users = {}            # id -> user dict (with "password_hash", "salt")
        self.tokens = {}           # token -> user id
        self.rooms = {}            # id -> room dict
        self.members = {}          # room id -> set of user ids
        self.messages = {}         # room id -> list of message dicts
        self.requests = {}         # id -> friend request dict
        self.streams = {}          # user id -> set of asyncio.Queue
        self.next_user = 1
        self.next_room = 1
        self.next_message = 1
        self.next_request = 1
        self.topic = EventTopic(DELIVERY_RATE, self.deliver)

    def publish(self, user_ids, event, data):
        """One event on the topic for all of `user_ids`; the consumer delivers it later."""
        self.topic.publish(user_ids, f"event: {event}\ndata: {compact(data)}\n\n")

    def deliver(self, user_ids, frame):
        # The streams open when the event is consumed; a user with none just misses it.
        for user_id in user_ids:
            for queue in self.streams.get(user_id, ()):
                queue.put_nowait(frame)


store = Store()


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def public_user(user):
    return {k: user[k] for k in ("id", "email", "username", "display_name")}


def password_hash(password, salt):
    return hashlib.sha256((salt + password).encode()).hexdigest()


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def current_user(request):
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    user_id = store.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
    if user_id is None:
        raise ApiError(401, "not authenticated")
    return store.users[user_id]


async def json_object(request):
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(422, "body must be a JSON object")
    if not isinstance(body, dict):
        raise ApiError(422, "body must be a JSON object")
    return body


def required_string(body, field):
    value = body.get(field)
    if not isinstance(value, str) or value == "":
        raise ApiError(422, f"field required: {field}")
    return value


def optional_string(body, field, default):
    # A missing, null or non-string optional field gets the default (as the C++ demo does).
    value = body.get(field)
    return value if isinstance(value, str) else default


def required_int(body, field):
    value = body.get(field)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(422, f"field required (integer): {field}")
    return value


def room_or_404(room_id):
    room = store.rooms.get(room_id)
    if room is None:
        raise ApiError(404, "room not found")
    return room


# ---- users -----------------------------------------------------------------------------------

@app.post("/api/users/register")
async def register(request: Request):
    body = await json_object(request)
    email = required_string(body, "email")
    username = required_string(body, "username")
    password = required_string(body, "password")
    display_name = optional_string(body, "display_name", None)
    if any(u["email"] == email or u["username"] == username for u in store.users.values()):
        raise ApiError(400, "user already exists")
    salt = secrets.token_hex(8)
    user = {"id": store.next_user, "email": email, "username": username, "display_name": display_name,
            "salt": salt, "password_hash": password_hash(password, salt)}
    store.next_user += 1
    store.users[user["id"]] = user
    return JSONResponse(public_user(user), status_code=201)


@app.post("/api/users/login")
async def login(request: Request):
    body = await json_object(request)
    email = required_string(body, "email")
    password = required_string(body, "password")
    user = next((u for u in store.users.values() if u["email"] == email), None)
    if user is None or not secrets.compare_digest(user["password_hash"], password_hash(password, user["salt"])):
        raise ApiError(401, "invalid credentials")
    token = "tok_" + secrets.token_hex(16)
    store.tokens[token] = user["id"]
    return {"access_token": token, "token_type": "bearer", "user_id": user["id"]}


@app.get("/api/users/me")
async def me(request: Request):
    return public_user(current_user(request))


@app.get("/api/users/search")
async def search(request: Request):
    current_user(request)
    needle = request.query_params.get("q", "").lower()
    found = []
    for user in sorted(store.users.values(), key=lambda u: u["id"]):
        fields = (user["username"], user["email"], user["display_name"] or "")
        if any(needle in f.lower() for f in fields):
            found.append(public_user(user))
            if len(found) == SEARCH_LIMIT:
                break
    return found


# ---- chat --------------------------------------------------------------------------------------

@app.get("/api/chat/rooms")
async def list_rooms(request: Request):
    current_user(request)
    return [store.rooms[i] for i in sorted(store.rooms)]


@app.post("/api/chat/rooms")
async def create_room(request: Request):
    user = current_user(request)
    body = await json_object(request)
    name = required_string(body, "name")
    room_type = optional_string(body, "room_type", "group")
    room = {"id": store.next_room, "name": name, "room_type": room_type, "created_by": user["id"]}
    store.next_room += 1
    store.rooms[room["id"]] = room
    store.members[room["id"]] = {user["id"]}
    store.messages[room["id"]] = []
    return JSONResponse(room, status_code=201)


@app.post("/api/chat/rooms/{room_id:int}/messages")
async def send_message(request: Request):
    user = current_user(request)
    body = await json_object(request)
    content = required_string(body, "content")
    message_type = optional_string(body, "message_type", "text")
    room = room_or_404(request.path_params["room_id"])
    message = {"message_id": store.next_message, "room_id": room["id"], "sender_id": user["id"],
               "content": content, "message_type": message_type, "created_at": now_iso()}
    store.next_message += 1
    store.messages[room["id"]].append(message)
    members = store.members[room["id"]]
    members.add(user["id"])
    store.publish(sorted(members), "message", message)
    return message


@app.get("/api/chat/rooms/{room_id:int}/messages")
async def list_messages(request: Request):
    current_user(request)
    raw = request.query_params.get("limit")
    if raw is None:
        limit = MESSAGES_DEFAULT
    else:
        try:
            limit = int(raw)
        except ValueError:
            raise ApiError(422, "limit must be an integer")
        if limit < 1:
            raise ApiError(422, "limit must be at least 1")
        limit = min(limit, MESSAGES_MAX)
    room = room_or_404(request.path_params["room_id"])
    return {"room_id": room["id"], "messages": store.messages[room["id"]][-limit:]}


# ---- friends -----------------------------------------------------------------------------------

@app.post("/api/friends/requests")
async def friend_request(request: Request):
    user = current_user(request)
    body = await json_object(request)
    addressee = required_int(body, "addressee_id")
    if addressee not in store.users:
        raise ApiError(400, "unknown addressee")
    if addressee == user["id"]:
        raise ApiError(400, "cannot befriend yourself")
    pair = {user["id"], addressee}
    if any({r["requester_id"], r["addressee_id"]} == pair for r in store.requests.values()):
        raise ApiError(400, "friend request already exists")
    friend = {"id": store.next_request, "requester_id": user["id"], "addressee_id": addressee, "status": "pending"}
    store.next_request += 1
    store.requests[friend["id"]] = friend
    store.publish([addressee], "friend_request", friend)
    return friend


@app.post("/api/friends/requests/{request_id:int}/accept")
async def accept_friend_request(request: Request):
    user = current_user(request)
    friend = store.requests.get(request.path_params["request_id"])
    if friend is None:
        raise ApiError(404, "friend request not found")
    if friend["addressee_id"] != user["id"]:
        raise ApiError(403, "not the addressee of this request")
    if friend["status"] != "pending":
        raise ApiError(400, "friend request already accepted")
    friend["status"] = "accepted"
    store.publish([friend["requester_id"]], "friend_accepted", friend)
    return friend


# ---- notifications (SSE) -----------------------------------------------------------------------

async def event_stream(user_id):
    # Subscribing before "connected" is sent means every event published after a client has
    # seen "connected" reaches it.
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    store.streams.setdefault(user_id, set()).add(queue)
    try:
        yield f"event: connected\ndata: {compact({'user_id': user_id})}\n\n"
        next_beat = loop.time() + HEARTBEAT_SECONDS
        while True:
            try:
                yield await asyncio.wait_for(queue.get(), max(0.0, next_beat - loop.time()))
            except asyncio.TimeoutError:
                next_beat += HEARTBEAT_SECONDS
                yield ": heartbeat\n\n"
    finally:
        streams = store.streams.get(user_id)
        if streams is not None:
            streams.discard(queue)
            if not streams:
                del store.streams[user_id]


@app.get("/api/notifications/stream")
async def notifications(request: Request):
    user = current_user(request)
    headers = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(event_stream(user["id"]), headers=headers)


@app.get("/metrics")
async def metrics():
    # Anyone may read it, as a Prometheus scrape would; starlette adds "; charset=utf-8".
    return Response(store.topic.prometheus_text(), media_type="text/plain; version=0.0.4")
