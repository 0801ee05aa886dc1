"""The chat app's asynchronous delivery path, as the seed's Kafka topic `message.events` read by
the consumer group `notification-delivery`: the twin of the built-in service's
src/demo/EventTopic and src/demo/TokenBucket (contract: README.md beside this file).

Every published notification is one event in a FIFO, counted once however many streams it
reaches. One asyncio task consumes them in order through a token bucket (at most RATE events a
second, taken every 10 ms; RATE 0 means unbounded) and hands each to `deliver`. The backlog is
the consumer lag on GET /metrics, under the Kafka exporter's names. It knows nothing of HTTP.
"""
import asyncio
import collections
import time

DEFAULT_RATE = 2000.0   # events a second: far above what the tests and the demo's traffic publish
TICK = 0.01             # seconds between two takes while there is a backlog
LAG_LABELS = 'consumergroup="notification-delivery",topic="message.events",partition="0"'


def rate_from(text):
    """CHAT_DELIVERY_RATE's value: a number of events a second, >= 0."""
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not rate >= 0 or rate == float("inf"):
        raise SystemExit(f"CHAT_DELIVERY_RATE: {text!r} is not a number of events a second >= 0")
    return rate


class TokenBucket:
    """At most `rate` tokens a second, at most `burst` saved; starts full. 0 rate: unbounded."""

    def __init__(self, rate, burst):
        self.rate = rate
        self.burst = max(burst, 1.0)
        self.tokens = self.burst
        self.last = None

    def take(self, now, wanted):
        if self.rate <= 0:
            return wanted
        if self.last is not None and now > self.last:
            self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        if self.last is None or now > self.last:
            self.last = now
        taken = min(int(self.tokens), wanted)
        self.tokens -= taken
        return taken


class EventTopic:
    def __init__(self, rate, deliver):
        self.events = collections.deque()   # (recipients, frame), oldest first
        self.published = 0
        self.peak_lag = 0
        self.bucket = TokenBucket(rate, rate / 10)
        self.deliver = deliver              # called with (recipients, frame) for each consumed event
        self._wake = None
        self._task = None

    @property
    def lag(self):
        return len(self.events)

    @property
    def consumed(self):
        return self.published - len(self.events)

    def publish(self, recipients, frame):
        """Called from a request handler, so inside the running loop: starts the consumer once."""
        self.events.append((tuple(recipients), frame))
        self.published += 1
        self.peak_lag = max(self.peak_lag, len(self.events))
        if self._task is None:
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._consume_forever())
        self._wake.set()

    def consume(self, n):
        taken = 0
        while taken < n and self.events:
            recipients, frame = self.events.popleft()
            self.deliver(recipients, frame)
            taken += 1
        return taken

    async def _consume_forever(self):
        while True:
            if not self.events:
                self._wake.clear()
                await self._wake.wait()
            self.consume(self.bucket.take(time.monotonic(), len(self.events)))
            if self.events:
                await asyncio.sleep(TICK)

    def prometheus_text(self):
        families = (
            ("kafka_consumergroup_lag", "gauge",
             "Events of the topic not yet consumed by the group (the Kafka exporter's name)",
             "{" + LAG_LABELS + "}", self.lag),
            ("chat_events_lag_max", "gauge", "The largest consumer lag since the service started", "",
             self.peak_lag),
            ("chat_events_published_total", "counter", "Notification events published to message.events", "",
             self.published),
            ("chat_events_consumed_total", "counter",
             "Notification events consumed from message.events and handed to the open streams", "", self.consumed),
        )
        return "".join(f"# HELP {name} {text}\n# TYPE {name} {kind}\n{name}{labels} {value}\n"
                       for name, kind, text, labels, value in families)
